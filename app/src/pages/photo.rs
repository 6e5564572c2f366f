//! The evidence viewer: one photo with its facts — taken, captured and received times, positions and
//! accuracy, distance to the site, camera, fingerprint — and its flags in plain words. The picture
//! links to the original, which the phone's browser zooms with a pinch.

use crate::api::get_photo;
use crate::components::error_view;
use crate::components::Layout;
use crate::ctx::PageCtx;
use crate::i18n::Msg;
use crate::model::evidence::flag_text;
use crate::util::format_distance;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PhotoPage() -> impl IntoView {
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let path = format!("/photos/{id}");
    let photo = AsyncDerived::new(move || get_photo(id.clone()));
    let pos = |p: (f64, f64)| format!("{:.6}, {:.6}", p.0, p.1);
    view! {
        <Layout current=None path=path>
            <Title text=Msg::PhotoTitle.text(lang) />
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || photo.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(p) => {
                        let original = format!("/api/photos/{}/original", p.id);
                        let unknown = Msg::Unknown.text(lang).to_string();
                        view! {
                            <h1>{Msg::PhotoTitle.text(lang)}</h1>
                            <p class="muted">{p.site_name.clone()}</p>
                            <figure class="evidence">
                                {if p.size.is_some() {
                                    view! {
                                        <a href=original.clone()>
                                            <img class="evidence-photo" src=format!("/api/photos/{}/thumb/1280", p.id)
                                                alt=format!("{} · {}", Msg::PhotoTitle.text(lang), p.site_name) />
                                        </a>
                                    }.into_any()
                                } else {
                                    view! { <p class="card">{Msg::NoPreview.text(lang)}</p> }.into_any()
                                }}
                                <figcaption><a class="btn" href=original>{Msg::OpenOriginal.text(lang)}</a></figcaption>
                            </figure>
                            <section class="card" aria-labelledby="flags-h">
                                <h2 id="flags-h">{Msg::FlagsTitle.text(lang)}</h2>
                                {if p.flags.is_empty() {
                                    view! { <p class="alert alert-info">{Msg::NoFlags.text(lang)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="flag-list" aria-label=Msg::FlagsTitle.text(lang)>
                                            {p.flags.iter().map(|f| view! { <li>{flag_text(f, lang)}</li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <section class="card">
                                <dl class="facts">
                                    <dt>{Msg::TakenAt.text(lang)}</dt>
                                    <dd>{p.taken_at.clone().unwrap_or(unknown.clone())}
                                        {p.taken_offset_assumed.then(|| view! { " " <span class="muted small">{Msg::OffsetAssumed.text(lang)}</span> })}</dd>
                                    <dt>{Msg::CapturedAt.text(lang)}</dt><dd>{p.captured_at.clone().unwrap_or(unknown.clone())}</dd>
                                    <dt>{Msg::ReceivedAt.text(lang)}</dt><dd>{p.received_at.clone()}</dd>
                                    <dt>{Msg::PhotoGps.text(lang)}</dt><dd>{p.exif_position.map(pos).unwrap_or(unknown.clone())}</dd>
                                    <dt>{Msg::PhonePosition.text(lang)}</dt>
                                    <dd>{p.device_position.map(pos).unwrap_or(unknown.clone())}
                                        {p.accuracy_m.map(|a| format!(" (±{})", format_distance(a, lang)))}</dd>
                                    {p.fix_at.clone().map(|t| view! { <dt>{Msg::FixAt.text(lang)}</dt><dd>{t}</dd> })}
                                    <dt>{Msg::DistanceToSite.text(lang)}</dt>
                                    <dd>{p.distance_to_site_m.map(|d| format_distance(d, lang)).unwrap_or(unknown.clone())}</dd>
                                    <dt>{Msg::Camera.text(lang)}</dt><dd>{p.camera.clone().unwrap_or(unknown.clone())}</dd>
                                    {p.software.clone().map(|s| view! { <dt>{Msg::Software.text(lang)}</dt><dd>{s}</dd> })}
                                    <dt>{Msg::FileSize.text(lang)}</dt>
                                    <dd>{format!("{} · {:.1} MB", p.mime, p.bytes as f64 / 1_048_576.0)}
                                        {p.size.map(|(w, h)| format!(" · {w}×{h}"))}</dd>
                                    <dt>{Msg::Sha256.text(lang)}</dt><dd class="hash">{p.sha256.clone()}</dd>
                                    {p.original_sha256.clone().map(|h| view! {
                                        <dt>{Msg::OriginalSha256.text(lang)}</dt><dd class="hash">{h}</dd>
                                    })}
                                </dl>
                                {p.exif_from_phone.then(|| view! { <p class="muted small">{Msg::ExifFromPhone.text(lang)}</p> })}
                            </section>
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
}
