//! Inspector: one check at a site. Photos are taken here; each uploads on its own with its progress,
//! retries by itself after a dropped connection (same id, so never twice), and links to its evidence.

use crate::api::get_inspection;
use crate::components::error_view;
use crate::components::Layout;
use crate::ctx::PageCtx;
use crate::domain::role::Section;
use crate::i18n::{Lang, Msg};
use crate::model::evidence::CaptureSettings;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InspectionPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    // Any signed-in role may ask; the server decides per check who sees it (others: not found).
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let path = format!("/checks/{id}");
    let data = AsyncDerived::new(move || get_inspection(id.clone()));
    view! {
        <Layout current=Some(Section::Checks) path=path>
            <Title text=Msg::InspectionTitle.text(lang) />
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(i) => {
                        let market = i.market.clone().map(|m| {
                            if i.editable {
                                view! {
                                    <datalist id="brand-list">
                                        {m.brands.iter().map(|b| view! { <option value=b.clone()></option> }).collect_view()}
                                    </datalist>
                                    <crate::pages::visit::VisitEditor lang inspection_id=i.id.to_string() visit=m
                                        settings=i.capture photos=i.photos.clone() />
                                }.into_any()
                            } else {
                                view! { <crate::pages::visit::RecordedVisit lang visit=m /> }.into_any()
                            }
                        });
                        view! {
                        <h1>{i.site_name.clone()}</h1>
                        <p class="muted small">{i.site_address.clone()} " · " {Msg::StartedAt.text(lang)} " " {i.started_at.clone()}</p>
                        <section class="card stack" aria-labelledby="capture-h">
                            <h2 id="capture-h">{if i.market.is_some() { Msg::ShopFrontPhotos.text(lang) } else { Msg::PhotosTitle.text(lang) }}</h2>
                            {i.editable.then(|| view! { <PhotoCapture lang inspection_id=i.id.to_string() settings=i.capture /> })}
                            {if i.photos.is_empty() {
                                view! { <p class="muted no-photos">{Msg::NoPhotos.text(lang)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="photo-grid" aria-label=Msg::PhotosTitle.text(lang)>
                                        {i.photos.iter().map(|p| view! {
                                            <li>
                                                <a href=format!("/photos/{}", p.id) aria-label=Msg::ViewPhoto.text(lang)>
                                                    {if p.preview {
                                                        view! { <img src=format!("/api/photos/{}/thumb/320", p.id) alt="" /> }.into_any()
                                                    } else {
                                                        view! { <span class="no-preview">"HEIC"</span> }.into_any()
                                                    }}
                                                </a>
                                                {(p.flags > 0).then(|| view! {
                                                    <span class="tag tag-warn">{p.flags} " " {Msg::FlagsCount.text(lang)}</span>
                                                })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                        {market}
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}

/// The state of one photo on its way to the server.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadState {
    /// Being downscaled on the phone.
    Preparing,
    Uploading(u8),
    /// Prepared, waiting for the phone's position (at most the fix's timeout).
    Locating,
    Retrying,
    /// Retries stopped after a while; the photo waits for a tap.
    Stalled,
    Done(String),
    Failed(String),
}

impl UploadState {
    /// Still on the phone: not yet taken by the server.
    pub fn waiting(&self) -> bool {
        !matches!(self, UploadState::Done(_) | UploadState::Failed(_))
    }
}

#[derive(Debug, Clone)]
pub struct UploadItem {
    /// The photo's id, made on the phone: the list key, and what makes a retry safe.
    pub key: String,
    pub name: String,
    /// The product line (or audit item) the photo shows; `None` for the site itself.
    pub line_id: Option<String>,
    /// A local picture of the photo (an object URL), shown the moment it is chosen.
    pub preview: Option<String>,
    pub state: RwSignal<UploadState>,
}

/// Every photo of this page on its way to the server, whichever island took it: the shop-front
/// list and each product line show their own, and the page counts those still waiting.
pub fn upload_items() -> RwSignal<Vec<UploadItem>> {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static ITEMS: std::cell::OnceCell<RwSignal<Vec<UploadItem>>> = const { std::cell::OnceCell::new() };
        }
        // Owned by a root that lives as long as the page: no island's owner may dispose of it.
        ITEMS.with(|i| {
            *i.get_or_init(|| {
                let root = Owner::new();
                let items = root.with(|| RwSignal::new(Vec::new()));
                std::mem::forget(root);
                items
            })
        })
    }
    // On the server each render has its own (empty) list.
    #[cfg(not(feature = "hydrate"))]
    RwSignal::new(Vec::new())
}

/// Camera-first picker for photos of the site itself (the shop front); every chosen photo is
/// downscaled on the phone (its EXIF read first) and uploads with the phone's position and clock.
/// Photos taken without a connection wait on the phone (IndexedDB) and go when it returns.
#[island(lazy)]
fn PhotoCapture(lang: Lang, inspection_id: String, settings: CaptureSettings) -> impl IntoView {
    let items = upload_items();
    let allow_gallery = settings.allow_gallery;
    #[cfg(feature = "hydrate")]
    {
        let id = inspection_id.clone();
        Effect::new(move |_| capture::resume_waiting(id.clone(), items, lang));
    }
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        capture::start(ev, inspection_id.clone(), items, lang, settings, None);
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ev, &inspection_id, settings);
    };
    view! {
        <label class="btn btn-primary btn-block file-button">
            {Msg::TakePhoto.text(lang)}
            <input type="file" accept="image/*" capture=(!allow_gallery).then_some("environment") multiple class="visually-hidden"
                on:change=on_change />
        </label>
        <UploadList lang items line=None />
    }
}

/// The photos of one line (or of the site, `line: None`) on their way, each with its state.
#[component]
pub fn UploadList(
    lang: Lang,
    items: RwSignal<Vec<UploadItem>>,
    line: Option<String>,
) -> impl IntoView {
    let line = StoredValue::new(line);
    let mine = move || {
        let mut v = items.get();
        v.retain(|i| line.with_value(|l| &i.line_id == l));
        v
    };
    view! {
        <ul class="upload-list" aria-live="polite">
            <For each=mine key=|i| i.key.clone() let:item>
                <li>
                    {item.preview.clone().map(|src| view! { <img class="upload-thumb" src=src alt="" /> })}
                    <span class="upload-name">{item.name.clone()}</span>
                    {move || match item.state.get() {
                        UploadState::Preparing => view! { <span class="muted">{Msg::PreparingPhoto.text(lang)}</span> }.into_any(),
                        UploadState::Uploading(p) => view! {
                            <progress max="100" value=p aria-label=Msg::UploadingPhoto.text(lang)></progress>
                        }.into_any(),
                        UploadState::Locating => view! { <span class="muted">{Msg::Locating.text(lang)}</span> }.into_any(),
                        UploadState::Retrying => view! { <span class="muted">{Msg::RetryingUpload.text(lang)}</span> }.into_any(),
                        UploadState::Stalled => {
                            let id = item.key.clone();
                            view! {
                                <button type="button" class="btn" on:click=move |_| {
                                    #[cfg(feature = "hydrate")]
                                    capture::resume(&id);
                                    #[cfg(not(feature = "hydrate"))]
                                    let _ = &id;
                                }>{Msg::UploadStalled.text(lang)} " " {Msg::TapToRetry.text(lang)}</button>
                            }.into_any()
                        }
                        UploadState::Done(id) => view! {
                            <a href=format!("/photos/{id}")>{Msg::UploadedPhoto.text(lang)}</a>
                        }.into_any(),
                        UploadState::Failed(m) => view! {
                            <span class="alert-inline" role="alert">{Msg::UploadFailed.text(lang)} {m}</span>
                        }.into_any(),
                    }}
                </li>
            </For>
        </ul>
    }
}

#[cfg(feature = "hydrate")]
pub(crate) mod capture {
    use super::{UploadItem, UploadState};
    use crate::domain::evidence::{exif_block, ImageKind};
    use crate::i18n::{Lang, Msg};
    use crate::model::evidence::CaptureSettings;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// Position of the phone when the photos were taken, if it gave one. A cached fix can be older
    /// than the photo; the server keeps both times.
    type Fix = Option<crate::components::geo::Position>;

    pub fn start(
        ev: leptos::ev::Event,
        inspection: String,
        items: RwSignal<Vec<UploadItem>>,
        lang: Lang,
        settings: CaptureSettings,
        line_id: Option<String>,
    ) {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(list) = input.files() else { return };
        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        input.set_value("");
        if files.is_empty() {
            return;
        }
        let captured_at: String = js_sys::Date::new_0().to_iso_string().into();
        // Every photo is on the list at once, with its own picture; the position is asked for at
        // the same time and joins each photo when it comes (a fix can take 15 s).
        let jobs: Vec<(web_sys::File, UploadItem)> = files
            .into_iter()
            .map(|file| {
                let item = UploadItem {
                    key: new_id(),
                    name: file.name(),
                    line_id: line_id.clone(),
                    preview: web_sys::Url::create_object_url_with_blob(&file).ok(),
                    state: RwSignal::new(UploadState::Preparing),
                };
                items.update(|v| v.push(item.clone()));
                (file, item)
            })
            .collect();
        let fix = std::rc::Rc::new(std::cell::RefCell::new(FixState::Asking(Vec::new())));
        let answer = fix.clone();
        crate::components::geo::current_position(15_000, 60_000, move |p| {
            let known = p.ok();
            let waiting = match answer.replace(FixState::Known(known.clone())) {
                FixState::Asking(waiting) => waiting,
                FixState::Known(_) => Vec::new(),
            };
            for u in waiting {
                let u = Upload {
                    fix: known.clone(),
                    ..u
                };
                wasm_bindgen_futures::spawn_local(async move {
                    queue::put(&u).await;
                    send(u);
                });
            }
        });
        // One photo is prepared at a time (a 12 MP frame holds ≈ 48 MB while it is drawn); each
        // starts uploading as soon as it is ready and the position is known.
        wasm_bindgen_futures::spawn_local(async move {
            for (file, item) in jobs {
                let p = prepare(&file, settings).await;
                let u = Upload {
                    body: p.body,
                    name: p.name,
                    exif: p.exif,
                    original_sha256: p.original_sha256,
                    id: item.key,
                    inspection: inspection.clone(),
                    line_id: line_id.clone(),
                    fix: None,
                    captured_at: captured_at.clone(),
                    state: item.state,
                    lang,
                    attempt: 0,
                };
                // On the phone before anything else: a closed tab or a lost connection loses
                // nothing.
                queue::put(&u).await;
                let known = match &mut *fix.borrow_mut() {
                    FixState::Known(known) => Some(known.clone()),
                    FixState::Asking(waiting) => {
                        u.state.set(UploadState::Locating);
                        waiting.push(u.clone());
                        None
                    }
                };
                if let Some(known) = known {
                    let u = Upload { fix: known, ..u };
                    queue::put(&u).await;
                    send(u);
                }
            }
        });
    }

    /// The position, while it is being asked for (with the photos waiting for it) and once known.
    enum FixState {
        Asking(Vec<Upload>),
        Known(Fix),
    }

    /// What to send for one chosen photo.
    struct Prepared {
        body: web_sys::Blob,
        name: String,
        /// When `body` is a downscaled re-encode: the original's EXIF block (a slice of the
        /// original, no copy), which the re-encode lost…
        exif: Option<web_sys::Blob>,
        /// …and the original's SHA-256, so the same picture is recognised however it was re-encoded.
        original_sha256: Option<String>,
    }

    async fn prepare(file: &web_sys::File, settings: CaptureSettings) -> Prepared {
        let original = || Prepared {
            body: web_sys::Blob::from(file.clone()),
            name: file.name(),
            exif: None,
            original_sha256: None,
        };
        if settings.send_original {
            return original();
        }
        let head = read_head(file).await.unwrap_or_default();
        if ImageKind::sniff(&head) == Some(ImageKind::Heic) {
            // Its EXIF lives where the phone cannot cut it out; a re-encode would lose the time and
            // place the photo was taken. The server keeps the original, without a preview.
            return original();
        }
        let Some(small) = shrink(file, settings).await else {
            // Small enough already (and carrying its own EXIF), or not decodable here: the server
            // gets the original.
            return original();
        };
        let exif = exif_block(&head).and_then(|r| {
            file.slice_with_f64_and_f64(r.start as f64, r.end as f64)
                .ok()
        });
        let stem = file.name();
        let stem = stem.rsplit_once('.').map_or(stem.as_str(), |(a, _)| a);
        Prepared {
            body: small,
            name: format!("{stem}.jpg"),
            exif,
            original_sha256: sha256_hex(file).await,
        }
    }

    /// The file's SHA-256 by the browser's own digest; `None` outside a secure context (plain
    /// HTTP to anything but localhost), where browsers offer no digest.
    async fn sha256_hex(file: &web_sys::File) -> Option<String> {
        let crypto = web_sys::window()?.crypto().ok()?;
        let subtle = js_sys::Reflect::get(&crypto, &"subtle".into()).ok()?;
        let subtle: web_sys::SubtleCrypto = subtle.dyn_into().ok()?;
        let data = JsFuture::from(file.array_buffer()).await.ok()?;
        let data: js_sys::Object = data.dyn_into().ok()?;
        let digest = subtle
            .digest_with_str_and_buffer_source("SHA-256", &data)
            .ok()?;
        let digest = JsFuture::from(digest).await.ok()?;
        Some(crate::domain::evidence::hex(
            &js_sys::Uint8Array::new(&digest).to_vec(),
        ))
    }

    /// The first bytes of a file, where a JPEG keeps its EXIF (at most 64 KiB after the start).
    async fn read_head(file: &web_sys::File) -> Option<Vec<u8>> {
        let part = file.slice_with_f64_and_f64(0.0, 131_072.0).ok()?;
        let buf = JsFuture::from(part.array_buffer()).await.ok()?;
        Some(js_sys::Uint8Array::new(&buf).to_vec())
    }

    /// The photo redrawn at the configured long edge (upright, as the browser applies the EXIF
    /// orientation) and encoded as JPEG; `None` when it needs no shrinking or cannot be decoded.
    async fn shrink(file: &web_sys::File, settings: CaptureSettings) -> Option<web_sys::Blob> {
        let window = web_sys::window()?;
        let bitmap: web_sys::ImageBitmap =
            JsFuture::from(window.create_image_bitmap_with_blob(file).ok()?)
                .await
                .ok()?
                .dyn_into()
                .ok()?;
        let target = settings.target_size(bitmap.width(), bitmap.height());
        let Some((w, h)) = target else {
            bitmap.close();
            return None;
        };
        let canvas: web_sys::HtmlCanvasElement = window
            .document()?
            .create_element("canvas")
            .ok()?
            .dyn_into()
            .ok()?;
        canvas.set_width(w);
        canvas.set_height(h);
        let ctx: web_sys::CanvasRenderingContext2d =
            canvas.get_context("2d").ok()??.dyn_into().ok()?;
        // Not in web-sys's bindings; "high" avoids the aliasing of the default bilinear filter.
        let _ = js_sys::Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
        let drawn =
            ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w.into(), h.into());
        bitmap.close();
        drawn.ok()?;
        let quality = JsValue::from_f64(f64::from(settings.quality) / 100.0);
        let encoded = js_sys::Promise::new(&mut |resolve, _reject| {
            let _ = canvas.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &quality);
        });
        let blob = JsFuture::from(encoded).await.ok()?.dyn_into().ok();
        // Let go of the pixels now rather than at the next collection.
        canvas.set_width(0);
        blob
    }

    /// A UUIDv7 made on the phone, from the browser's clock and random source.
    pub fn new_id() -> String {
        let mut random = [0u8; 16];
        if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
            let _ = c.get_random_values_with_u8_array(&mut random);
        }
        crate::domain::evidence::uuid_v7(js_sys::Date::now() as u64, random)
    }

    /// One photo on its way: everything a (re)send needs. The id never changes between attempts.
    #[derive(Clone)]
    struct Upload {
        body: web_sys::Blob,
        name: String,
        /// The original's EXIF (TIFF) block when `body` is a re-encode without it.
        exif: Option<web_sys::Blob>,
        original_sha256: Option<String>,
        id: String,
        inspection: String,
        line_id: Option<String>,
        fix: Fix,
        captured_at: String,
        state: RwSignal<UploadState>,
        lang: Lang,
        attempt: u32,
    }

    fn send(u: Upload) {
        let (state, lang) = (u.state, u.lang);
        let fail = move |m: String| state.set(UploadState::Failed(m));
        let (Ok(xhr), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new()) else {
            fail(Msg::NetworkError.text(lang).into());
            return;
        };
        let _ = form.append_with_str("id", &u.id);
        let _ = form.append_with_str("inspection_id", &u.inspection);
        if let Some(line) = &u.line_id {
            let _ = form.append_with_str("line_id", line);
        }
        if let Some(p) = &u.fix {
            let _ = form.append_with_str("lat", &p.lat.to_string());
            let _ = form.append_with_str("lon", &p.lon.to_string());
            let _ = form.append_with_str("accuracy_m", &p.accuracy_m.to_string());
            let _ = form.append_with_str("fix_at", &p.at);
        }
        let _ = form.append_with_str("captured_at", &u.captured_at);
        if let Some(exif) = &u.exif {
            let _ = form.append_with_blob_and_filename("exif", exif, "exif.tiff");
        }
        if let Some(h) = &u.original_sha256 {
            let _ = form.append_with_str("original_sha256", h);
        }
        let _ = form.append_with_blob_and_filename("file", &u.body, &u.name);
        if xhr.open_with_async("POST", "/api/photos", true).is_err() {
            fail(Msg::NetworkError.text(lang).into());
            return;
        }
        // The progress handler lives as long as this attempt: the end handler drops it, so a photo
        // retried many times holds one, not one per attempt.
        let progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    // 99 at most until the server has answered.
                    state.set(UploadState::Uploading(
                        ((e.loaded() / e.total()) * 99.0) as u8,
                    ));
                }
            });
        let upload = xhr.upload().ok();
        if let Some(up) = &upload {
            up.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        }
        let x2 = xhr.clone();
        let again = u.clone();
        let done = Closure::once_into_js(move || {
            if let Some(up) = upload {
                up.set_onprogress(None);
            }
            drop(progress);
            let status = x2.status().unwrap_or(0);
            let text = x2.response_text().ok().flatten().unwrap_or_default();
            match status {
                200 | 201 => {
                    wasm_bindgen_futures::spawn_local(queue::remove(again.id.clone()));
                    state.set(UploadState::Done(again.id))
                }
                0 | 502..=504 => retry(again),
                _ => {
                    // Refused for good (not a photo, a submitted check): it stops waiting.
                    wasm_bindgen_futures::spawn_local(queue::remove(again.id.clone()));
                    fail(
                        error_message(&text)
                            .unwrap_or_else(|| Msg::BadRequest.text(lang).to_string()),
                    )
                }
            }
        });
        xhr.set_onloadend(Some(done.unchecked_ref()));
        if xhr.send_with_opt_form_data(Some(&form)).is_err() {
            retry(u);
        }
    }

    /// The `error` text of the server's JSON refusal. A JSON parser would add more to the bundle than
    /// the whole upload code; the server writes this field unescaped but for quotes and backslashes.
    fn error_message(body: &str) -> Option<String> {
        let start = body.find("\"error\":\"")? + 9;
        let mut out = String::new();
        let mut chars = body[start..].chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => out.extend(chars.next()),
                c => out.push(c),
            }
        }
        None
    }

    /// Attempts before the retries stop and the photo waits for a tap (2 + 4 + 8 + 16 + 32 s, then
    /// a minute each: about four minutes without a connection).
    const MAX_ATTEMPTS: u32 = 8;

    thread_local! {
        /// Photos whose retries stopped, by id, until their "tap to retry".
        static STALLED: std::cell::RefCell<Vec<Upload>> = const { std::cell::RefCell::new(Vec::new()) };
        /// Photos waiting for their next attempt: sent by their timer, or at once when the
        /// connection returns, whichever comes first.
        static RETRYING: std::cell::RefCell<Vec<Upload>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn take(
        list: &'static std::thread::LocalKey<std::cell::RefCell<Vec<Upload>>>,
        id: &str,
    ) -> Option<Upload> {
        list.with(|s| {
            let mut s = s.borrow_mut();
            let at = s.iter().position(|u| u.id == id)?;
            Some(s.swap_remove(at))
        })
    }

    /// After a dropped connection: wait (2 s, 4 s, 8 s … up to a minute) and send again with the same
    /// id, which the server treats as the same photo; after [`MAX_ATTEMPTS`] stop and wait for a tap.
    fn retry(u: Upload) {
        if u.attempt + 1 >= MAX_ATTEMPTS {
            u.state.set(UploadState::Stalled);
            STALLED.with(|s| s.borrow_mut().push(u));
            return;
        }
        u.state.set(UploadState::Retrying);
        let delay = (2_000i32 << u.attempt.min(5)).min(60_000);
        let id = u.id.clone();
        RETRYING.with(|r| {
            r.borrow_mut().push(Upload {
                attempt: u.attempt + 1,
                ..u
            })
        });
        let again = Closure::once_into_js(move || {
            if let Some(u) = take(&RETRYING, &id) {
                u.state.set(UploadState::Uploading(0));
                send(u);
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                again.unchecked_ref(),
                delay,
            );
        }
    }

    /// The connection is back: every photo waiting for its next attempt goes now.
    fn connection_back() {
        let waiting: Vec<Upload> = RETRYING.with(|r| r.borrow_mut().drain(..).collect());
        for u in waiting {
            u.state.set(UploadState::Uploading(0));
            send(u);
        }
    }

    /// "Tap to retry": the stalled photo goes again, with a fresh round of retries.
    pub fn resume(id: &str) {
        if let Some(u) = take(&STALLED, id) {
            u.state.set(UploadState::Uploading(0));
            send(Upload { attempt: 0, ..u });
        }
    }

    thread_local! {
        static RESUMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Once per page: the photos of this inspection still waiting on the phone (taken offline, or
    /// in a tab that was closed) are listed and sent, and the phone is asked to keep its storage.
    /// When the connection returns, photos waiting for their next attempt go at once.
    pub fn resume_waiting(inspection: String, items: RwSignal<Vec<UploadItem>>, lang: Lang) {
        if RESUMED.with(|r| r.replace(true)) {
            return;
        }
        if let Some(w) = web_sys::window() {
            if let Ok(storage) = js_sys::Reflect::get(&w.navigator(), &"storage".into()) {
                if let Ok(persist) = js_sys::Reflect::get(&storage, &"persist".into()) {
                    if let Ok(f) = persist.dyn_into::<js_sys::Function>() {
                        let _ = f.call0(&storage);
                    }
                }
            }
        }
        // Photos whose retries stopped still wait for a tap: the inspector decides when.
        let on = window_event_listener(leptos::ev::online, move |_| connection_back());
        std::mem::forget(on);
        wasm_bindgen_futures::spawn_local(async move {
            for u in queue::all(&inspection, lang).await {
                let item = UploadItem {
                    key: u.id.clone(),
                    name: u.name.clone(),
                    line_id: u.line_id.clone(),
                    preview: web_sys::Url::create_object_url_with_blob(&u.body).ok(),
                    state: u.state,
                };
                if items.with_untracked(|v| v.iter().any(|i| i.key == item.key)) {
                    continue;
                }
                items.update(|v| v.push(item));
                u.state.set(UploadState::Uploading(0));
                send(u);
            }
        });
    }

    /// Photos waiting on the phone, in IndexedDB (a photo is a Blob; localStorage holds text only):
    /// put before the first send, removed when the server has it or refused it for good.
    mod queue {
        use super::{Upload, UploadState};
        use crate::i18n::Lang;
        use leptos::prelude::*;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::{JsCast, JsValue};
        use wasm_bindgen_futures::JsFuture;

        const DB: &str = "jieshui";
        const STORE: &str = "photos";

        /// The request's result once it succeeded.
        async fn done(req: &web_sys::IdbRequest) -> Option<JsValue> {
            let p = js_sys::Promise::new(&mut |resolve, reject| {
                req.set_onsuccess(Some(&resolve));
                req.set_onerror(Some(&reject));
            });
            JsFuture::from(p).await.ok()?;
            req.result().ok()
        }

        async fn store(mode: web_sys::IdbTransactionMode) -> Option<web_sys::IdbObjectStore> {
            let factory = web_sys::window()?.indexed_db().ok()??;
            let req = factory.open_with_u32(DB, 1).ok()?;
            let r2 = req.clone();
            let upgrade = Closure::once_into_js(move || {
                if let Some(db) = r2
                    .result()
                    .ok()
                    .and_then(|r| r.dyn_into::<web_sys::IdbDatabase>().ok())
                {
                    let params = web_sys::IdbObjectStoreParameters::new();
                    params.set_key_path(&"id".into());
                    let _ = db.create_object_store_with_optional_parameters(STORE, &params);
                }
            });
            req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
            let db: web_sys::IdbDatabase = done(&req).await?.dyn_into().ok()?;
            db.transaction_with_str_and_mode(STORE, mode)
                .ok()?
                .object_store(STORE)
                .ok()
        }

        fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
            let _ = js_sys::Reflect::set(o, &k.into(), v);
        }

        fn opt(v: &Option<String>) -> JsValue {
            v.as_deref().map_or(JsValue::NULL, JsValue::from_str)
        }

        pub async fn put(u: &Upload) {
            let o = js_sys::Object::new();
            set(&o, "id", &u.id.as_str().into());
            set(&o, "inspection", &u.inspection.as_str().into());
            set(&o, "line_id", &opt(&u.line_id));
            set(&o, "name", &u.name.as_str().into());
            set(&o, "body", &u.body);
            set(
                &o,
                "exif",
                &u.exif.as_ref().map_or(JsValue::NULL, |b| b.into()),
            );
            set(&o, "original_sha256", &opt(&u.original_sha256));
            set(&o, "captured_at", &u.captured_at.as_str().into());
            if let Some(p) = &u.fix {
                set(&o, "lat", &p.lat.into());
                set(&o, "lon", &p.lon.into());
                set(&o, "accuracy_m", &p.accuracy_m.into());
                set(&o, "fix_at", &p.at.as_str().into());
            }
            if let Some(s) = store(web_sys::IdbTransactionMode::Readwrite).await {
                if let Ok(r) = s.put(&o) {
                    done(&r).await;
                }
            }
        }

        pub async fn remove(id: String) {
            if let Some(s) = store(web_sys::IdbTransactionMode::Readwrite).await {
                if let Ok(r) = s.delete(&id.into()) {
                    done(&r).await;
                }
            }
        }

        /// The photos of `inspection` still waiting, ready to send.
        pub async fn all(inspection: &str, lang: Lang) -> Vec<Upload> {
            let Some(s) = store(web_sys::IdbTransactionMode::Readonly).await else {
                return Vec::new();
            };
            let Some(list) = (match s.get_all() {
                Ok(r) => done(&r).await,
                Err(_) => None,
            }) else {
                return Vec::new();
            };
            let get =
                |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap_or(JsValue::NULL);
            js_sys::Array::from(&list)
                .iter()
                .filter(|o| get(o, "inspection").as_string().as_deref() == Some(inspection))
                .filter_map(|o| {
                    let fix = match (get(&o, "lat").as_f64(), get(&o, "lon").as_f64()) {
                        (Some(lat), Some(lon)) => Some(crate::components::geo::Position {
                            lat,
                            lon,
                            accuracy_m: get(&o, "accuracy_m").as_f64().unwrap_or(0.0),
                            at: get(&o, "fix_at").as_string().unwrap_or_default(),
                        }),
                        _ => None,
                    };
                    Some(Upload {
                        body: get(&o, "body").dyn_into().ok()?,
                        name: get(&o, "name").as_string()?,
                        exif: get(&o, "exif").dyn_into().ok(),
                        original_sha256: get(&o, "original_sha256").as_string(),
                        id: get(&o, "id").as_string()?,
                        inspection: inspection.to_string(),
                        line_id: get(&o, "line_id").as_string(),
                        fix,
                        captured_at: get(&o, "captured_at").as_string().unwrap_or_default(),
                        state: RwSignal::new(UploadState::Retrying),
                        lang,
                        attempt: 0,
                    })
                })
                .collect()
        }
    }
}
