//! Admin: the audit score sheets, one per kind of site: every version with its effective date and
//! source, the latest's items, and a form for the next version made from the latest. A plain form
//! (no script): what is left as it was keeps the latest version's value; a refused form comes back
//! with what was typed and the field at fault marked.

use crate::api::{list_score_sheets, sheet_form_problem};
use crate::components::{error_view, Layout};
use crate::ctx::PageCtx;
use crate::domain::audit::points;
use crate::domain::market::FieldError;
use crate::domain::role::Section;
use crate::domain::score::{Direction, ScoreSheet, Scoring, SheetForm};
use crate::domain::site::SiteKind;
use crate::i18n::{Lang, Msg};
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const KINDS: [SiteKind; 4] = [
    SiteKind::Community,
    SiteKind::Unit,
    SiteKind::Enterprise,
    SiteKind::PublicBuilding,
];

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

fn value(typed: &SheetForm, key: &str, base: String) -> String {
    typed.get(key).cloned().unwrap_or(base)
}

fn form_view(
    kind: SiteKind,
    base: ScoreSheet,
    typed: SheetForm,
    problem: Option<FieldError>,
    lang: Lang,
) -> impl IntoView {
    let field = problem.as_ref().map(|p| p.field.clone());
    let field = field.as_deref();
    let invalid = move |key: &str| (field == Some(key)).then_some("true");
    let input = move |key: String, label: String, v: String, kind: &'static str| {
        let inv = invalid(&key);
        view! {
            <label class="field">
                <span>{label}</span>
                <input type=if kind == "decimal" { "text" } else { kind } name=key.clone() value=v aria-invalid=inv
                    inputmode=(kind == "decimal").then_some("decimal") />
            </label>
        }
    };
    let text = move |key: String, label: String, v: String| {
        let inv = invalid(&key);
        view! {
            <label class="field">
                <span>{label}</span>
                <textarea name=key rows="2" maxlength="500" aria-invalid=inv>{v}</textarea>
            </label>
        }
    };
    let typed_c = typed.clone();
    let items = base.items.iter().map(|it| {
        let typed = typed_c.clone();
        let k = |f: &str| format!("{}.{f}", it.id);
        let name = pick(lang, &it.requirement_zh, &it.requirement_en);
        let measured = match &it.scoring {
            Scoring::Measured { target, direction, deduct, floor, unit } => Some(view! {
                {input(k("target"), format!("{} {} ({unit})", Msg::Target.text(lang), if *direction == Direction::AtLeast { "≥" } else { "≤" }),
                    value(&typed, &k("target"), crate::domain::fixture::num(*target)), "decimal")}
                {input(k("deduct"), Msg::DeductPerUnit.text(lang).to_string(), value(&typed, &k("deduct"), points(*deduct)), "decimal")}
                {input(k("floor"), Msg::FloorValue.text(lang).to_string(), value(&typed, &k("floor"), floor.map(crate::domain::fixture::num).unwrap_or_default()), "decimal")}
            }),
            _ => None,
        };
        let na = typed.get(&k("may_be_na")).map(|v| v == "on").unwrap_or(it.may_be_na && !typed.contains_key(&k("max")));
        view! {
            <fieldset class="card stack">
                <legend>{name.chars().take(24).collect::<String>()} " " <span class="muted small">{it.id.clone()}</span></legend>
                {text(k("requirement_zh"), Msg::RequirementZh.text(lang).into(), value(&typed, &k("requirement_zh"), it.requirement_zh.clone()))}
                {text(k("requirement_en"), Msg::RequirementEn.text(lang).into(), value(&typed, &k("requirement_en"), it.requirement_en.clone()))}
                <div class="grid-2">
                    {input(k("max"), Msg::ItemMax.text(lang).into(), value(&typed, &k("max"), points(it.max)), "decimal")}
                    {input(k("photos"), Msg::PhotosNeeded.text(lang).into(), value(&typed, &k("photos"), it.photos.to_string()), "number")}
                </div>
                {measured}
                <label class="switch"><input type="checkbox" name=k("may_be_na") checked=na /><span>{Msg::MayBeNa.text(lang)}</span></label>
                <label class="switch"><input type="checkbox" name=k("remove") checked=typed.contains_key(&k("remove")) /><span>{Msg::RemoveItem.text(lang)}</span></label>
            </fieldset>
        }
    }).collect_view();
    let groups = base.groups.clone();
    view! {
        {problem.map(|p| {
            let t = match lang { Lang::Zh => p.reason.zh, Lang::En => p.reason.en };
            view! { <p class="alert alert-error" role="alert">{Msg::RulesFormProblem.text(lang)} " " {p.field} " — " {t}</p> }
        })}
        <form method="post" action=format!("/admin/rules/sheets/{}", kind.as_str()) class="stack" aria-label=Msg::NewSheetVersion.text(lang)>
            <h2>{Msg::NewSheetVersion.text(lang)} " · " {Msg::SheetVersion.text(lang)} " " {base.version + 1}</h2>
            <section class="card stack">
                {input("effective_from".into(), Msg::EffectiveFrom.text(lang).into(), value(&typed, "effective_from", String::new()), "date")}
                {input("source".into(), Msg::RulesSource.text(lang).into(), value(&typed, "source", String::new()), "text")}
                {input("pass_mark".into(), Msg::PassMark.text(lang).into(), value(&typed, "pass_mark", points(base.pass_mark)), "decimal")}
            </section>
            {items}
            <fieldset class="card stack">
                <legend>{Msg::NewItem.text(lang)}</legend>
                {input("new.id".into(), Msg::ItemIdLabel.text(lang).into(), value(&typed, "new.id", String::new()), "text")}
                <label class="field">
                    <span>{Msg::GroupLabel.text(lang)}</span>
                    <select name="new.group" aria-invalid=invalid("new.group")>
                        {groups.iter().map(|g| view! {
                            <option value=g.id.clone() selected=typed.get("new.group") == Some(&g.id)>{pick(lang, &g.name_zh, &g.name_en)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{Msg::ScoredBy.text(lang)}</span>
                    <select name="new.type">
                        <option value="points">{Msg::ByPoints.text(lang)}</option>
                        <option value="pass_fail" selected=typed.get("new.type").is_some_and(|t| t == "pass_fail")>{Msg::ByPassFail.text(lang)}</option>
                    </select>
                </label>
                {text("new.requirement_zh".into(), Msg::RequirementZh.text(lang).into(), value(&typed, "new.requirement_zh", String::new()))}
                {text("new.requirement_en".into(), Msg::RequirementEn.text(lang).into(), value(&typed, "new.requirement_en", String::new()))}
                <div class="grid-2">
                    {input("new.max".into(), Msg::ItemMax.text(lang).into(), value(&typed, "new.max", String::new()), "decimal")}
                    {input("new.photos".into(), Msg::PhotosNeeded.text(lang).into(), value(&typed, "new.photos", "0".into()), "number")}
                </div>
            </fieldset>
            <button type="submit" class="btn btn-primary btn-block">{Msg::SaveSheetVersion.text(lang)}</button>
        </form>
    }
}

#[component]
pub fn ScoreSheetsPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let path = "/admin/rules/sheets".to_string();
    if !may_open(&ctx, Section::Rules) {
        return view! { <Layout current=Some(Section::Rules) path=path><ForbiddenView /></Layout> }
            .into_any();
    }
    let q = use_query_map().get_untracked();
    let kind = q
        .get("kind")
        .and_then(|k| k.parse::<SiteKind>().ok())
        .filter(|k| k.audited())
        .unwrap_or(SiteKind::Community);
    let created = q.get("created").and_then(|v| v.parse::<u32>().ok());
    let refused = q.get("problem").is_some();
    let typed: SheetForm = q
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .filter(|(k, _)| !matches!(k.as_str(), "problem" | "kind" | "created"))
        .collect();
    let form_json = serde_json::to_string(&typed).unwrap_or_default();
    let data = AsyncDerived::new(move || {
        let form_json = form_json.clone();
        async move {
            let sheets = list_score_sheets(kind.as_str().to_string()).await?;
            let problem = if refused {
                sheet_form_problem(kind.as_str().to_string(), form_json).await?
            } else {
                None
            };
            Ok::<_, crate::error::AppError>((sheets, problem))
        }
    });
    view! {
        <Layout current=Some(Section::Rules) path=path>
            <Title text=Msg::ScoreSheetsTitle.text(lang) />
            <h1>{Msg::ScoreSheetsTitle.text(lang)}</h1>
            {created.map(|v| view! {
                <p class="alert alert-info" role="status">{Msg::SheetSaved.text(lang)} " " {Msg::SheetVersion.text(lang)} " " {v}</p>
            })}
            <p class="muted">{Msg::ScoreSheetsHelp.text(lang)}</p>
            <nav class="link-list" aria-label=Msg::ScoreSheetsTitle.text(lang)>
                {KINDS.into_iter().map(|k| view! {
                    <a class="btn" href=format!("/admin/rules/sheets?kind={}", k.as_str())
                        aria-current=(k == kind).then_some("page")>{k.name().text(lang)}</a>
                }).collect_view()}
            </nav>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok((sheets, problem)) => {
                        let Some(latest) = sheets.iter().max_by_key(|s| s.version).cloned() else {
                            return error_view(crate::error::AppError::NotFound, lang);
                        };
                        view! {
                            <section class="card stack" aria-labelledby="versions-h">
                                <h2 id="versions-h">{Msg::SheetVersions.text(lang)}</h2>
                                <ul class="title-list">
                                    {sheets.iter().rev().map(|s| view! {
                                        <li>
                                            <strong>{Msg::SheetVersion.text(lang)} " " {s.version}</strong>
                                            " · " {Msg::EffectiveFrom.text(lang)} " " {s.effective_from.to_string()}
                                            " · " {Msg::PassMark.text(lang)} " " {points(s.pass_mark)}
                                            " · " {s.items.len()}
                                            <p class="small muted">{s.source.clone()}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            {form_view(kind, latest, typed.clone(), problem, lang)}
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}
