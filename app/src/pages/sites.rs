//! Admin: the site registry. Server-rendered pages with plain forms: they work on any phone, with or
//! without JavaScript, and load no script at all.

use crate::api::{get_site, import_batch, list_districts, list_sites, list_stats};
use crate::components::{error_view, msg_from_query, DistrictOptions, Layout};
use crate::ctx::PageCtx;
use crate::domain::role::Section;
use crate::domain::site::{SiteKind, UnitType};
use crate::i18n::Msg;
use crate::model::site::{BatchStatus, SiteState, TitleLevel, SITES_PER_PAGE};
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use crate::util::urlencode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The frame of every registry page, with the admin check.
#[component]
fn Registry(#[prop(into)] path: String, title: Msg, children: Children) -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let allowed = may_open(&ctx, Section::Sites);
    view! {
        <Layout current=Some(Section::Sites) path=path>
            {if allowed {
                view! {
                    <Title text=title.text(lang) />
                    {children()}
                }
                    .into_any()
            } else {
                view! { <ForbiddenView /> }.into_any()
            }}
        </Layout>
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        group(v as i64)
    } else {
        format!("{v:.1}")
    }
}

fn group(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[component]
pub fn SitesPage() -> impl IntoView {
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    let q = use_query_map().get_untracked();
    let text = q.get("q").unwrap_or_default();
    let kind = q.get("kind").unwrap_or_default();
    let district = q.get("district_id").unwrap_or_default();
    let state = SiteState::parse(&q.get("state").unwrap_or_default());
    let page: u32 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let (t2, k2, d2) = (text.clone(), kind.clone(), district.clone());
    let sites = AsyncDerived::new(move || {
        list_sites(
            t2.clone(),
            k2.clone(),
            d2.clone(),
            state.as_str().to_string(),
            page,
        )
    });
    let districts = AsyncDerived::new(list_districts);
    let page_link = move |p: u32| {
        format!(
            "/admin/sites?q={}&kind={}&district_id={}&state={}&page={p}",
            urlencode(&text),
            urlencode(&kind),
            urlencode(&district),
            state.as_str()
        )
    };
    let (text_v, kind_v, district_v) = (
        q.get("q").unwrap_or_default(),
        q.get("kind").unwrap_or_default(),
        q.get("district_id").unwrap_or_default(),
    );
    view! {
        <Registry path="/admin/sites" title=Msg::TitleSites>
            <h1>{Msg::TitleSites.text(lang)}</h1>
            <div class="action-row">
                <a class="btn btn-primary" href="/admin/sites/new">{Msg::NewSite.text(lang)}</a>
                <a class="btn" href="/admin/sites/import">{Msg::ImportSites.text(lang)}</a>
                <a class="btn" href="/admin/sites/stats">{Msg::YearlyStatsTitle.text(lang)}</a>
            </div>
            <form method="get" action="/admin/sites" class="card stack" role="search">
                <label class="field">
                    <span>{Msg::Search.text(lang)}</span>
                    <input type="search" name="q" value=text_v.clone() placeholder=Msg::SearchSites.text(lang) />
                </label>
                <div class="grid-2">
                    <label class="field">
                        <span>{Msg::Kind.text(lang)}</span>
                        <select name="kind">
                            <option value="">{Msg::AnyKind.text(lang)}</option>
                            {SiteKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=kind_v == k.as_str()>{k.name().text(lang)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span>{Msg::State.text(lang)}</span>
                        <select name="state">
                            <option value="active" selected=state == SiteState::Active>{Msg::StateActive.text(lang)}</option>
                            <option value="closed" selected=state == SiteState::Closed>{Msg::StateClosed.text(lang)}</option>
                            <option value="all" selected=state == SiteState::All>{Msg::StateAll.text(lang)}</option>
                        </select>
                    </label>
                </div>
                <label class="field">
                    <span>{Msg::District.text(lang)}</span>
                    <select name="district_id">
                        <option value="">{Msg::AnyDistrict.text(lang)}</option>
                        <DistrictOptions districts selected=district_v.clone() />
                    </select>
                </label>
                <button type="submit" class="btn btn-primary">{Msg::Filter.text(lang)}</button>
            </form>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || sites.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(p) => {
                        let pages = (p.total.max(0) as u32).div_ceil(SITES_PER_PAGE);
                        let prev = (p.page > 0).then(|| page_link(p.page - 1));
                        let next = (p.page + 1 < pages).then(|| page_link(p.page + 1));
                        view! {
                            <p class="muted" role="status">{p.total} " " {Msg::SitesFound.text(lang)}</p>
                            {p.items.is_empty().then(|| view! { <p class="card">{Msg::NoSites.text(lang)}</p> })}
                            <ul class="site-list" aria-label=Msg::TitleSites.text(lang)>
                                {p.items.into_iter().map(|s| view! {
                                    <li class="site-row" class:inactive=!s.active>
                                        <a href=format!("/admin/sites/{}", s.id)>{s.name.clone()}</a>
                                        <div class="small muted">
                                            <span class="tag">{s.kind.name().text(lang)}</span>
                                            {(!s.active).then(|| view! { <span class="tag tag-off">{Msg::StateClosed.text(lang)}</span> })}
                                            " " {s.district_name.clone()} " · " {s.external_code.clone()}
                                        </div>
                                        <div class="small">{s.address.clone()}</div>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <nav class="pager" aria-label=Msg::TitleSites.text(lang)>
                                {prev.map(|h| view! { <a class="btn" href=h>{Msg::PrevPage.text(lang)}</a> })}
                                {next.map(|h| view! { <a class="btn" href=h>{Msg::NextPage.text(lang)}</a> })}
                            </nav>
                        }.into_any()
                    }
                })}
            </Suspense>
        </Registry>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    view! {
        <Registry path="/admin/sites/import" title=Msg::ImportTitle>
            <h1>{Msg::ImportTitle.text(lang)}</h1>
            <section class="card">
                <p class="lead">{Msg::ImportHelp.text(lang)}</p>
                <form method="post" action="/admin/sites/import" enctype="multipart/form-data" class="stack">
                    <label class="field">
                        <span>{Msg::File.text(lang)}</span>
                        <input type="file" name="file" required
                            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                    </label>
                    <label class="field">
                        <span>{Msg::DefaultKind.text(lang)}</span>
                        <select name="default_kind">
                            <option value="">"—"</option>
                            {SiteKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str()>{k.name().text(lang)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="btn btn-primary">{Msg::UploadAndCheck.text(lang)}</button>
                </form>
            </section>
            <section class="card">
                <h2>{Msg::Templates.text(lang)}</h2>
                <ul class="link-list">
                    {SiteKind::ALL.into_iter().map(|k| view! {
                        <li><a class="btn" href=format!("/admin/sites/template.csv?kind={}", k.as_str()) download>
                            {Msg::TemplateFor.text(lang)} {k.name().text(lang)}
                        </a></li>
                    }).collect_view()}
                </ul>
            </section>
        </Registry>
    }
}

#[component]
pub fn ImportBatchPage() -> impl IntoView {
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let path = format!("/admin/sites/import/{id}");
    let batch = AsyncDerived::new(move || import_batch(id.clone()));
    view! {
        <Registry path=path title=Msg::ImportTitle>
            <h1>{Msg::ImportTitle.text(lang)}</h1>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || batch.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(b) => match b.status {
                        BatchStatus::Invalid => view! {
                            <p class="alert alert-error" role="alert">
                                {Msg::ImportInvalid.text(lang)} {b.problems.len()}
                            </p>
                            <p class="muted small">{b.filename.clone()}</p>
                            <div class="table-wrap">
                                <table class="problems">
                                    <thead><tr>
                                        <th scope="col">{Msg::Row.text(lang)}</th>
                                        <th scope="col">{Msg::Column.text(lang)}</th>
                                        <th scope="col">{Msg::Problem.text(lang)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {b.problems.into_iter().map(|p| view! {
                                            <tr>
                                                <td>{if p.row == 0 { Msg::WholeFile.text(lang).to_string() } else { p.row.to_string() }}</td>
                                                <td>{p.column}</td>
                                                <td>{p.msg.text(lang)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <a class="btn btn-primary" href="/admin/sites/import">{Msg::UploadAnother.text(lang)}</a>
                        }.into_any(),
                        BatchStatus::Ready => view! {
                            <section class="card">
                                <p class="alert alert-info" role="status">{Msg::ImportReady.text(lang)}</p>
                                <p class="muted small">{b.filename.clone()}</p>
                                <dl class="facts">
                                    <dt>{Msg::Rows.text(lang)}</dt><dd>{b.row_count}</dd>
                                    <dt>{Msg::WillCreate.text(lang)}</dt><dd>{b.new_count}</dd>
                                    <dt>{Msg::WillUpdate.text(lang)}</dt><dd>{b.update_count}</dd>
                                    {b.by_kind.into_iter().map(|(k, n)| view! {
                                        <dt>{k.name().text(lang)}</dt><dd>{n}</dd>
                                    }).collect_view()}
                                </dl>
                                <form method="post" action=format!("/admin/sites/import/{}/commit", b.id)>
                                    <button type="submit" class="btn btn-primary btn-block">{Msg::ConfirmImport.text(lang)}</button>
                                </form>
                            </section>
                        }.into_any(),
                        BatchStatus::Committed => view! {
                            <section class="card">
                                <p class="alert alert-info" role="status">
                                    {Msg::ImportDone.text(lang)} " " {Msg::Created.text(lang)} " " {b.inserted.unwrap_or(0)}
                                    "，" {Msg::Updated.text(lang)} " " {b.updated.unwrap_or(0)}
                                </p>
                                <div class="action-row">
                                    <a class="btn btn-primary" href="/admin/sites">{Msg::BackToSites.text(lang)}</a>
                                    <a class="btn" href="/admin/sites/import">{Msg::UploadAnother.text(lang)}</a>
                                </div>
                            </section>
                        }.into_any(),
                    },
                })}
            </Suspense>
        </Registry>
    }
}

#[component]
pub fn SiteDetailPage() -> impl IntoView {
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let q = use_query_map().get_untracked();
    let title_error = msg_from_query(q.get("title_error"));
    let title_field = q.get("field").unwrap_or_default();
    let title_added = q.get("title_added").is_some();
    let saved = q.get("saved").is_some();
    let path = format!("/admin/sites/{id}");
    let checks = {
        let id = id.clone();
        AsyncDerived::new(move || crate::api::list_checks(id.clone()))
    };
    let site = AsyncDerived::new(move || get_site(id.clone()));
    view! {
        <Registry path=path title=Msg::SiteDetails>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {
                    let title_field = title_field.clone();
                    move || site.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(d) => {
                        let s = d.summary.clone();
                        let id = s.id;
                        let invalid = |f: &str| (title_field == f).then_some("true");
                        view! {
                            <Title text=s.name.clone() />
                            <h1>{s.name.clone()}</h1>
                            {saved.then(|| view! { <p class="alert alert-info" role="status">{Msg::SiteSaved.text(lang)}</p> })}
                            <p>
                                <span class="tag">{s.kind.name().text(lang)}</span> " "
                                {if s.active {
                                    view! { <span class="tag">{Msg::StateActive.text(lang)}</span> }.into_any()
                                } else {
                                    view! { <span class="tag tag-off">{Msg::StateClosed.text(lang)}</span> }.into_any()
                                }}
                            </p>
                            <section class="card" aria-labelledby="checks-h">
                                <h2 id="checks-h">{Msg::EarlierChecks.text(lang)}</h2>
                                <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                                    {move || checks.get().map(|r| match r {
                                        Err(e) => error_view(e, lang),
                                        Ok(list) if list.is_empty() => view! { <p class="muted">{Msg::NoInspectionsYet.text(lang)}</p> }.into_any(),
                                        Ok(list) => view! {
                                            <crate::pages::visit::CheckList lang label=Msg::EarlierChecks.text(lang) list />
                                        }.into_any(),
                                    })}
                                </Suspense>
                            </section>
                            <section class="card" aria-labelledby="details-h">
                                <h2 id="details-h">{Msg::SiteDetails.text(lang)}</h2>
                                <dl class="facts">
                                    <dt>{Msg::ExternalCode.text(lang)}</dt><dd>{s.external_code.clone()}</dd>
                                    <dt>{Msg::District.text(lang)}</dt><dd>{s.district_name.clone()}</dd>
                                    <dt>{Msg::Address.text(lang)}</dt><dd>{s.address.clone()}</dd>
                                    <dt>{Msg::Position.text(lang)}</dt>
                                    <dd>{format!("{:.6}, {:.6}", s.position.lat, s.position.lon)}</dd>
                                    {d.source_position.filter(|_| d.source_system != crate::domain::geo::CoordSystem::Wgs84).map(|p| view! {
                                        <dt>{Msg::EnteredAs.text(lang)}</dt>
                                        <dd>{format!("{:.6}, {:.6} ({})", p.lat, p.lon, d.source_system.as_str().to_uppercase())}</dd>
                                    })}
                                    <dt>{Msg::Geofence.text(lang)}</dt><dd>{d.geofence_m} " " {Msg::Metres.text(lang)}</dd>
                                    {(!d.contact.is_empty()).then(|| view! { <dt>{Msg::Contact.text(lang)}</dt><dd>{d.contact.clone()}</dd> })}
                                    {(!d.credit_code.is_empty()).then(|| view! { <dt>{Msg::CreditCode.text(lang)}</dt><dd>{d.credit_code.clone()}</dd> })}
                                    {d.households.map(|h| view! { <dt>{Msg::Households.text(lang)}</dt><dd>{group(h)}</dd> })}
                                    {d.annual_water_m3.map(|w| view! { <dt>{Msg::WaterUse.text(lang)}</dt><dd>{fmt_num(w)}</dd> })}
                                    {d.unit_type.map(|u: UnitType| view! { <dt>{Msg::UnitType.text(lang)}</dt><dd>{u.name().text(lang)}</dd> })}
                                    {d.parent.clone().map(|(pid, pname)| view! {
                                        <dt>{Msg::InsideVenue.text(lang)}</dt><dd><a href=format!("/admin/sites/{pid}")>{pname}</a></dd>
                                    })}
                                    {d.closed_at.clone().map(|c| view! { <dt>{Msg::ClosedOn.text(lang)}</dt><dd>{c}</dd> })}
                                </dl>
                                <div class="action-row">
                                <a class="btn" href=format!("/admin/sites/{id}/edit")>{Msg::EditSite.text(lang)}</a>
                                {if s.active {
                                    view! {
                                        <form method="post" action=format!("/admin/sites/{id}/close")>
                                            <button type="submit" class="btn btn-danger">{Msg::CloseSite.text(lang)}</button>
                                        </form>
                                    }.into_any()
                                } else {
                                    view! {
                                        <form method="post" action=format!("/admin/sites/{id}/reopen")>
                                            <button type="submit" class="btn">{Msg::ReopenSite.text(lang)}</button>
                                        </form>
                                    }.into_any()
                                }}
                                </div>
                            </section>
                            <section class="card" id="titles" aria-labelledby="titles-h">
                                <h2 id="titles-h">{Msg::Titles.text(lang)}</h2>
                                {title_added.then(|| view! { <p class="alert alert-info" role="status">{Msg::TitleAdded.text(lang)}</p> })}
                                {title_error.map(|m| view! { <p class="alert alert-error" role="alert">{m.text(lang)}</p> })}
                                {if d.titles.is_empty() {
                                    view! { <p class="muted">{Msg::NoTitles.text(lang)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="title-list">
                                            {d.titles.into_iter().map(|t| view! {
                                                <li>
                                                    <strong>{t.level.name().text(lang)}</strong> " · " {t.document_no} " · " {t.awarded_on}
                                                    {t.valid_until.map(|v| format!(" – {v}"))}
                                                    {t.level.counts_for_coverage().then(|| view! { " " <span class="tag">{Msg::CountsForCoverage.text(lang)}</span> })}
                                                    {t.audit_id.map(|a| view! { " · " <a href=format!("/checks/{a}")>{Msg::TitleFromAudit.text(lang)}</a> })}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <form method="post" action=format!("/admin/sites/{id}/titles") class="stack">
                                    <h3>{Msg::AddTitle.text(lang)}</h3>
                                    <label class="field">
                                        <span>{Msg::TitleLevel.text(lang)}</span>
                                        <select name="level" aria-invalid=invalid("level")>
                                            {TitleLevel::ALL.into_iter().map(|l| view! {
                                                <option value=l.as_str()>{l.name().text(lang)}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <label class="field">
                                        <span>{Msg::AwardedOn.text(lang)}</span>
                                        <input type="date" name="awarded_on" required aria-invalid=invalid("awarded_on") />
                                    </label>
                                    <label class="field">
                                        <span>{Msg::DocumentNo.text(lang)}</span>
                                        <input type="text" name="document_no" required aria-invalid=invalid("document_no") />
                                    </label>
                                    <label class="field">
                                        <span>{Msg::ValidUntil.text(lang)}</span>
                                        <input type="date" name="valid_until" aria-invalid=invalid("valid_until") />
                                    </label>
                                    <button type="submit" class="btn btn-primary">{Msg::AddTitle.text(lang)}</button>
                                </form>
                            </section>
                            <section class="card" aria-labelledby="insp-h">
                                <h2 id="insp-h">{Msg::Inspections.text(lang)}</h2>
                                <p class="muted">{Msg::NoInspectionsYet.text(lang)}</p>
                            </section>
                        }.into_any()
                    }
                })
                }
            </Suspense>
        </Registry>
    }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    let q = use_query_map().get_untracked();
    let error = msg_from_query(q.get("error"));
    let field = q.get("field").unwrap_or_default();
    let saved = q.get("saved");
    let stats = AsyncDerived::new(list_stats);
    let invalid = move |f: &str| (field == f).then_some("true");
    let figure = |v: Option<f64>| v.map(fmt_num).unwrap_or_else(|| "—".into());
    view! {
        <Registry path="/admin/sites/stats" title=Msg::YearlyStatsTitle>
            <h1>{Msg::YearlyStatsTitle.text(lang)}</h1>
            <p class="muted">{Msg::StatsHelp.text(lang)}</p>
            {saved.map(|y| view! { <p class="alert alert-info" role="status">{Msg::StatsSaved.text(lang)} {y}</p> })}
            {error.map(|m| view! { <p class="alert alert-error" role="alert">{m.text(lang)}</p> })}
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || stats.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(list) if list.is_empty() => view! { <p class="card">{Msg::NoStats.text(lang)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="stats-list">
                            {list.into_iter().map(|s| view! {
                                <li class="card">
                                    <h2>{s.year}</h2>
                                    <dl class="facts">
                                        <dt>{Msg::UrbanHouseholds.text(lang)}</dt>
                                        <dd>{s.urban_households.map(group).unwrap_or_else(|| "—".into())} " " <span class="muted small">{s.urban_households_source}</span></dd>
                                        <dt>{Msg::NonresWater.text(lang)}</dt>
                                        <dd>{figure(s.nonres_water_m3)} " " <span class="muted small">{s.nonres_water_source}</span></dd>
                                        <dt>{Msg::IndustrialWater.text(lang)}</dt>
                                        <dd>{figure(s.industrial_water_m3)} " " <span class="muted small">{s.industrial_water_source}</span></dd>
                                    </dl>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Suspense>
            <form method="post" action="/admin/sites/stats" class="card stack">
                <label class="field">
                    <span>{Msg::Year.text(lang)}</span>
                    <input type="number" name="year" min="2000" max="2100" required inputmode="numeric" aria-invalid=invalid("year") />
                </label>
                <label class="field">
                    <span>{Msg::UrbanHouseholds.text(lang)}</span>
                    <input type="text" name="urban_households" inputmode="numeric" aria-invalid=invalid("urban_households") />
                </label>
                <label class="field">
                    <span>{Msg::Source.text(lang)} " · " {Msg::UrbanHouseholds.text(lang)}</span>
                    <input type="text" name="urban_households_source" />
                </label>
                <label class="field">
                    <span>{Msg::NonresWater.text(lang)}</span>
                    <input type="text" name="nonres_water_m3" inputmode="decimal" aria-invalid=invalid("nonres_water_m3") />
                </label>
                <label class="field">
                    <span>{Msg::Source.text(lang)} " · " {Msg::NonresWater.text(lang)}</span>
                    <input type="text" name="nonres_water_source" />
                </label>
                <label class="field">
                    <span>{Msg::IndustrialWater.text(lang)}</span>
                    <input type="text" name="industrial_water_m3" inputmode="decimal" aria-invalid=invalid("industrial_water_m3") />
                </label>
                <label class="field">
                    <span>{Msg::Source.text(lang)} " · " {Msg::IndustrialWater.text(lang)}</span>
                    <input type="text" name="industrial_water_source" />
                </label>
                <button type="submit" class="btn btn-primary">{Msg::SaveYear.text(lang)}</button>
            </form>
        </Registry>
    }
}

/// Field problems carried back in a redirect: `problems=lat:LatInvalid;households:HouseholdsRequired`.
pub fn problems_from_query(s: &str) -> Vec<(String, Msg)> {
    s.split(';')
        .filter_map(|p| p.split_once(':'))
        .filter_map(|(f, m)| msg_from_query(Some(m.to_string())).map(|m| (f.to_string(), m)))
        .collect()
}

/// Create (no `id` in the path) or edit a site. After a refused save the form comes back with what
/// was typed and every problem marked.
#[component]
pub fn SiteFormPage() -> impl IntoView {
    use crate::domain::geo::CoordSystem;
    use crate::domain::site::SiteFields;
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    let id = use_params_map().get_untracked().get("id");
    let q = use_query_map().get_untracked();
    let problems = problems_from_query(&q.get("problems").unwrap_or_default());
    let returned = q.get("name").is_some();
    let typed = SiteFields {
        kind: q.get("kind").unwrap_or_default(),
        external_code: q.get("external_code").unwrap_or_default(),
        name: q.get("name").unwrap_or_default(),
        address: q.get("address").unwrap_or_default(),
        district: q.get("district").unwrap_or_default(),
        lat: q.get("lat").unwrap_or_default(),
        lon: q.get("lon").unwrap_or_default(),
        coord_system: q.get("coord_system").unwrap_or_default(),
        geofence_m: q.get("geofence_m").unwrap_or_default(),
        contact: q.get("contact").unwrap_or_default(),
        credit_code: q.get("credit_code").unwrap_or_default(),
        households: q.get("households").unwrap_or_default(),
        annual_water_m3: q.get("annual_water_m3").unwrap_or_default(),
        unit_type: q.get("unit_type").unwrap_or_default(),
        parent_code: q.get("parent_code").unwrap_or_default(),
    };
    let (path, action, title) = match &id {
        Some(id) => (
            format!("/admin/sites/{id}/edit"),
            format!("/admin/sites/{id}/edit"),
            Msg::EditSiteTitle,
        ),
        None => (
            "/admin/sites/new".to_string(),
            "/admin/sites/new".to_string(),
            Msg::NewSite,
        ),
    };
    let id2 = id.clone();
    let existing = AsyncDerived::new(move || {
        let id = id2.clone();
        async move {
            match id {
                Some(id) => get_site(id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let districts = AsyncDerived::new(list_districts);
    view! {
        <Registry path=path title=title>
            <h1>{title.text(lang)}</h1>
            {(!problems.is_empty()).then(|| view! {
                <div class="alert alert-error" role="alert">
                    <p>{Msg::FixProblems.text(lang)}</p>
                    <ul>{problems.iter().map(|(_, m)| view! { <li>{m.text(lang)}</li> }).collect_view()}</ul>
                </div>
            })}
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {
                    let typed = typed.clone();
                    let problems = problems.clone();
                    let action = action.clone();
                    move || {
                        let (typed, problems, action) = (typed.clone(), problems.clone(), action.clone());
                        existing.get().map(move |r| match r {
                            Err(e) => error_view(e, lang),
                            Ok(site) => {
                                // Typed values win (a refused save); else the stored site; else defaults.
                                let f = if returned { typed } else { match site {
                                    Some(d) => {
                                        let (pos, sys) = match d.source_position {
                                            Some(p) => (p, d.source_system),
                                            None => (d.summary.position, CoordSystem::Wgs84),
                                        };
                                        SiteFields {
                                            kind: d.summary.kind.as_str().into(),
                                            external_code: d.summary.external_code.clone(),
                                            name: d.summary.name.clone(),
                                            address: d.summary.address.clone(),
                                            district: d.district_id.to_string(),
                                            lat: pos.lat.to_string(),
                                            lon: pos.lon.to_string(),
                                            coord_system: sys.as_str().into(),
                                            geofence_m: d.geofence_m.to_string(),
                                            contact: d.contact.clone(),
                                            credit_code: d.credit_code.clone(),
                                            households: d.households.map(|h| h.to_string()).unwrap_or_default(),
                                            annual_water_m3: d.annual_water_m3.map(|w| w.to_string()).unwrap_or_default(),
                                            unit_type: d.unit_type.map(|u| u.as_str().to_string()).unwrap_or_default(),
                                            // Kept, or saving the form would take the shop out of its venue.
                                            parent_code: d.parent_code.clone().unwrap_or_default(),
                                        }
                                    }
                                    None => SiteFields { geofence_m: "150".into(), ..SiteFields::default() },
                                }};
                                let bad = |name: &str| problems.iter().any(|(f, _)| f == name).then_some("true");
                                let text_field = |name: &'static str, label: Msg, value: String, mode: &'static str| view! {
                                    <label class="field">
                                        <span>{label.text(lang)}</span>
                                        <input type="text" name=name value=value inputmode=mode aria-invalid=bad(name) />
                                    </label>
                                };
                                let district_sel = f.district.clone();
                                let sys: CoordSystem = f.coord_system.parse().unwrap_or_default();
                                view! {
                                    <form method="post" action=action class="card stack">
                                        <label class="field">
                                            <span>{Msg::Kind.text(lang)}</span>
                                            <select name="kind" aria-invalid=bad("kind")>
                                                {SiteKind::ALL.into_iter().map(|k| view! {
                                                    <option value=k.as_str() selected=f.kind == k.as_str()>{k.name().text(lang)}</option>
                                                }).collect_view()}
                                            </select>
                                        </label>
                                        {text_field("name", Msg::Name, f.name.clone(), "text")}
                                        {text_field("external_code", Msg::ExternalCodeHint, f.external_code.clone(), "text")}
                                        {text_field("address", Msg::Address, f.address.clone(), "text")}
                                        <label class="field">
                                            <span>{Msg::District.text(lang)}</span>
                                            <select name="district" aria-invalid=bad("district")>
                                                <DistrictOptions districts selected=district_sel.clone() by_code=true />
                                            </select>
                                        </label>
                                        <label class="field">
                                            <span>{Msg::CoordSystem.text(lang)}</span>
                                            <select name="coord_system" aria-invalid=bad("coord_system")>
                                                <option value="wgs84" selected=sys == CoordSystem::Wgs84>{Msg::CoordWgs84.text(lang)}</option>
                                                <option value="gcj02" selected=sys == CoordSystem::Gcj02>{Msg::CoordGcj02.text(lang)}</option>
                                                <option value="bd09" selected=sys == CoordSystem::Bd09>{Msg::CoordBd09.text(lang)}</option>
                                            </select>
                                        </label>
                                        <div class="grid-2">
                                            {text_field("lat", Msg::Latitude, f.lat.clone(), "decimal")}
                                            {text_field("lon", Msg::Longitude, f.lon.clone(), "decimal")}
                                        </div>
                                        {text_field("geofence_m", Msg::GeofenceHint, f.geofence_m.clone(), "numeric")}
                                        {text_field("households", Msg::HouseholdsHint, f.households.clone(), "numeric")}
                                        {text_field("annual_water_m3", Msg::WaterUseHint, f.annual_water_m3.clone(), "decimal")}
                                        <label class="field">
                                            <span>{Msg::UnitTypeHint.text(lang)}</span>
                                            <select name="unit_type" aria-invalid=bad("unit_type")>
                                                <option value="">"—"</option>
                                                {UnitType::ALL.into_iter().map(|u| view! {
                                                    <option value=u.as_str() selected=f.unit_type == u.as_str()>{u.name().text(lang)}</option>
                                                }).collect_view()}
                                            </select>
                                        </label>
                                        {text_field("parent_code", Msg::ParentHint, f.parent_code.clone(), "text")}
                                        {text_field("contact", Msg::Contact, f.contact.clone(), "text")}
                                        {text_field("credit_code", Msg::CreditCode, f.credit_code.clone(), "text")}
                                        <button type="submit" class="btn btn-primary">{Msg::Save.text(lang)}</button>
                                    </form>
                                }.into_any()
                            }
                        })
                    }
                }
            </Suspense>
        </Registry>
    }
}
