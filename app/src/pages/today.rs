//! Inspector: today. The sites nearest to the phone, with their distance and the fix's accuracy,
//! filtered by kind and searchable by name. The list is server-rendered; the one island asks the
//! browser for its position and reloads the list sorted by distance. Without location (denied, no
//! signal, no script) the page still searches by name, and says why it cannot sort by distance.

use crate::api::nearby_sites;
use crate::components::error_view;
use crate::components::Layout;
use crate::ctx::PageCtx;
use crate::domain::role::Section;
use crate::domain::site::SiteKind;
use crate::i18n::{Lang, Msg};
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use crate::util::format_distance;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TodayPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let allowed = may_open(&ctx, Section::Today);
    let query = use_query_map().get_untracked();
    let get = |k: &str| query.get(k).unwrap_or_default();
    let (lat, lon, acc, kind, q) = (get("lat"), get("lon"), get("acc"), get("kind"), get("q"));
    // How many to show: the first twenty, then twenty more with each "more".
    let shown = crate::api::nearby_limit(&get("n")).min(crate::api::NEARBY_MAX - 1);
    let more_href = {
        let enc = crate::util::urlencode;
        format!(
            "/today?lat={}&lon={}&acc={}&kind={}&q={}&n={}",
            enc(&lat),
            enc(&lon),
            enc(&acc),
            enc(&kind),
            enc(&q),
            shown + crate::api::NEARBY_STEP
        )
    };
    let located = lat.parse::<f64>().is_ok() && lon.parse::<f64>().is_ok();
    let accuracy = acc
        .parse::<f64>()
        .ok()
        .filter(|a| a.is_finite() && *a >= 0.0);
    let (la, lo, ki, qq) = (lat.clone(), lon.clone(), kind.clone(), q.clone());
    let sites = AsyncDerived::new(
        // One more than shown: whether there is more to show.
        move || {
            nearby_sites(
                la.clone(),
                lo.clone(),
                ki.clone(),
                qq.clone(),
                (shown + 1).to_string(),
            )
        },
    );
    let checks = AsyncDerived::new(move || crate::api::list_checks(String::new()));
    // A check started from the list starts where the list was sorted: the fix it was sorted by.
    let start_at = located.then(|| (lat.clone(), lon.clone(), acc.clone()));
    let body = move || {
        let start_at = start_at.clone();
        let (lat, lon, acc, kind, q) = (
            lat.clone(),
            lon.clone(),
            acc.clone(),
            kind.clone(),
            q.clone(),
        );
        view! {
            <Title text=Msg::TitleToday.text(lang) />
            <h1>{Msg::TitleToday.text(lang)}</h1>
            // Checks a supervisor sent back come first: they wait on the inspector.
            <Suspense fallback=|| ()>
                {move || checks.get().and_then(Result::ok).map(|list| {
                    use crate::domain::market::InspectionStatus;
                    let returned: Vec<_> = list.into_iter().filter(|c| c.status == InspectionStatus::Returned).collect();
                    (!returned.is_empty()).then(|| view! {
                        <section class="card stack returned-note" aria-labelledby="returned-h">
                            <h2 id="returned-h">{format!("{} ({})", Msg::ReturnedToYou.text(lang), returned.len())}</h2>
                            <crate::pages::visit::CheckList lang label=Msg::ReturnedToYou.text(lang) list=returned />
                        </section>
                    })
                })}
            </Suspense>
            <section class="card stack" aria-labelledby="nearby-h">
                <h2 id="nearby-h">{Msg::NearbyTitle.text(lang)}</h2>
                <LocateMe lang kind=kind.clone() q=q.clone() />
                <noscript><p class="muted">{Msg::LocationNeedsScript.text(lang)}</p></noscript>
                <p class="muted small">
                    {if located {
                        let acc_text = accuracy
                            .map(|a| format!(" · {} {}", Msg::Accuracy.text(lang), format_distance(a, lang)))
                            .unwrap_or_default();
                        format!("{}{}", Msg::SortedByDistance.text(lang), acc_text)
                    } else {
                        Msg::SortedByName.text(lang).to_string()
                    }}
                </p>
                <form method="get" action="/today" class="stack" role="search">
                    <input type="hidden" name="lat" value=lat />
                    <input type="hidden" name="lon" value=lon />
                    <input type="hidden" name="acc" value=acc />
                    <div class="grid-2">
                        <label class="field">
                            <span>{Msg::Search.text(lang)}</span>
                            <input type="search" name="q" value=q.clone() />
                        </label>
                        <label class="field">
                            <span>{Msg::Kind.text(lang)}</span>
                            <select name="kind">
                                <option value="">{Msg::AnyKind.text(lang)}</option>
                                {SiteKind::ALL.into_iter().map(|k| view! {
                                    <option value=k.as_str() selected=kind == k.as_str()>{k.name().text(lang)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    </div>
                    <button type="submit" class="btn">{Msg::Search.text(lang)}</button>
                </form>
            </section>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || sites.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(list) if list.is_empty() => view! { <p class="card">{Msg::NoSites.text(lang)}</p> }.into_any(),
                    Ok(mut list) => {
                        let more = list.len() > shown;
                        list.truncate(shown);
                        let more_href = more_href.clone();
                        view! {
                        <ol class="site-list" aria-label=Msg::NearbyTitle.text(lang)>
                            {list.into_iter().map(|n| view! {
                                <li class="site-row">
                                    <div class="site-head">
                                        <strong>{n.site.name.clone()}</strong>
                                        {n.distance_m.map(|d| view! { <span class="distance">{format_distance(d, lang)}</span> })}
                                    </div>
                                    <div class="small muted">
                                        <span class="tag">{n.site.kind.name().text(lang)}</span>
                                        " " {n.site.district_name.clone()}
                                    </div>
                                    <div class="small">{n.site.address.clone()}</div>
                                    {
                                        // Communities, units, enterprises and public buildings are
                                        // audited; shops and venues spot-checked.
                                        let (kind, start) = if n.site.kind.audited() {
                                            ("audit", Msg::StartAudit)
                                        } else {
                                            ("market_check", Msg::StartCheck)
                                        };
                                        view! {
                                    <form method="post" action="/checks/start" class="start-form">
                                        <input type="hidden" name="id" value=uuid::Uuid::now_v7().to_string() />
                                        <input type="hidden" name="site_id" value=n.site.id.to_string() />
                                        <input type="hidden" name="kind" value=kind />
                                        {start_at.clone().map(|(la, lo, ac)| view! {
                                            <input type="hidden" name="lat" value=la />
                                            <input type="hidden" name="lon" value=lo />
                                            <input type="hidden" name="accuracy_m" value=ac />
                                        })}
                                        <button type="submit" class="btn"
                                            aria-label=format!("{} {}", start.text(lang), n.site.name)>
                                            {start.text(lang)}
                                        </button>
                                    </form>
                                        }
                                    }
                                </li>
                            }).collect_view()}
                        </ol>
                        {more.then(|| view! {
                            <a class="btn more-link" href=more_href>{Msg::ShowMoreSites.text(lang)}</a>
                        })}
                    }.into_any()
                    }
                })}
            </Suspense>
            <section class="card stack" aria-labelledby="mine-h">
                <h2 id="mine-h">{Msg::MyChecksTitle.text(lang)}</h2>
                <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                    {move || checks.get().map(|r| match r {
                        Err(e) => error_view(e, lang),
                        Ok(list) if list.is_empty() => view! { <p class="muted">{Msg::NoChecksYet.text(lang)}</p> }.into_any(),
                        Ok(list) => {
                            use crate::domain::market::InspectionStatus;
                            // Returned checks are listed at the top of the page.
                            let rest = list.into_iter().filter(|c| c.status != InspectionStatus::Returned);
                            let (today, earlier): (Vec<_>, Vec<_>) = rest.partition(|c| c.today);
                            let (drafts, submitted): (Vec<_>, Vec<_>) =
                                earlier.into_iter().partition(|c| c.status == InspectionStatus::Draft);
                            let group = move |title: Msg, list: Vec<crate::model::market::InspectionBrief>| {
                                (!list.is_empty()).then(|| view! {
                                    <h3>{title.text(lang)} " (" {list.len()} ")"</h3>
                                    <crate::pages::visit::CheckList lang label=title.text(lang) list />
                                })
                            };
                            view! {
                                {group(Msg::ChecksToday, today)}
                                {group(Msg::ChecksDrafts, drafts)}
                                {group(Msg::ChecksSubmitted, submitted)}
                            }.into_any()
                        }
                    })}
                </Suspense>
            </section>
        }
    };
    view! {
        <Layout current=Some(Section::Today) path=Section::Today.path()>
            {if allowed { body().into_any() } else { view! { <ForbiddenView /> }.into_any() }}
        </Layout>
    }
}

/// Asks the phone for its position, then reloads the list sorted by distance from it.
#[island]
fn LocateMe(lang: Lang, kind: String, q: String) -> impl IntoView {
    // Text, not a `Msg`: a message chosen at run time would pull every message into the bundle.
    let status = RwSignal::new(None::<&'static str>);
    let locate = move |_| {
        #[cfg(feature = "hydrate")]
        locate_now(status, lang, &kind, &q);
        #[cfg(not(feature = "hydrate"))]
        let _ = (&kind, &q);
    };
    view! {
        <button type="button" class="btn btn-primary btn-block" on:click=locate>
            {Msg::UseMyLocation.text(lang)}
        </button>
        <p role="status" class="status-line">{move || status.get()}</p>
    }
}

#[cfg(feature = "hydrate")]
fn locate_now(status: RwSignal<Option<&'static str>>, lang: Lang, kind: &str, q: &str) {
    use crate::components::geo::{current_position, NoPosition};
    use crate::util::urlencode;

    status.set(Some(Msg::Locating.text(lang)));
    let (kind, q) = (urlencode(kind), urlencode(q));
    current_position(20_000, 30_000, move |answer| match answer {
        Ok(p) => {
            let url = format!(
                "/today?lat={:.6}&lon={:.6}&acc={:.0}&kind={kind}&q={q}",
                p.lat, p.lon, p.accuracy_m
            );
            if let Some(w) = web_sys::window() {
                let _ = w.location().assign(&url);
            }
        }
        Err(NoPosition::Denied) => status.set(Some(Msg::LocationDenied.text(lang))),
        Err(NoPosition::Unavailable) => status.set(Some(Msg::LocationUnavailable.text(lang))),
    });
}
