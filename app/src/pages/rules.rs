//! Admin: the market-check rules, version by version: for each fixture category its standard, grade
//! scheme, limits per grade, which grades are water-saving, its label duty and phased-out limit.
//! Server-rendered, no script.

use crate::api::list_rules;
use crate::components::{error_view, Layout};
use crate::ctx::PageCtx;
use crate::domain::fixture::{CategoryRule, RuleSet};
use crate::domain::role::Section;
use crate::i18n::{Lang, Msg};
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;

fn limits(c: &CategoryRule, lang: Lang) -> String {
    let unit = c.figure.as_ref().map(|f| f.unit.as_str()).unwrap_or("");
    let unit2 = c.figure2.as_ref().map(|f| f.unit.as_str()).unwrap_or("");
    let sign = |lower: bool| if lower { "≤" } else { "≥" };
    let lower = c.figure.as_ref().is_some_and(|f| f.lower_is_better);
    let lower2 = c.figure2.as_ref().is_some_and(|f| f.lower_is_better);
    c.thresholds
        .iter()
        .enumerate()
        .map(|(i, (t, t2))| {
            let mut s = format!("{} {} {t} {unit}", i + 1, sign(lower));
            if let Some(t2) = t2 {
                s.push_str(&format!(
                    "{}{} {t2} {unit2}",
                    if lang == Lang::Zh { "，" } else { ", " },
                    sign(lower2)
                ));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn category_card(c: CategoryRule, lang: Lang) -> impl IntoView {
    let name = match lang {
        Lang::Zh => c.name_zh.clone(),
        Lang::En => c.name_en.clone(),
    };
    let saving = format!("1–{} / {}", c.saving_up_to, c.grades);
    let limits_text = (!c.thresholds.is_empty()).then(|| limits(&c, lang));
    view! {
        <li class="card">
            <h3>{name} " " <span class="muted small">{c.slug.clone()}</span></h3>
            <dl class="facts">
                <dt>{Msg::RulesSource.text(lang)}</dt>
                <dd>{c.standard.clone()}</dd>
                <dt>{Msg::WaterSavingGrades.text(lang)}</dt>
                <dd>{saving}</dd>
                <dt>{Msg::GradeLimits.text(lang)}</dt>
                <dd>{limits_text.unwrap_or_else(|| Msg::NoGradeLimits.text(lang).to_string())}</dd>
                {match c.label {
                    Some(d) => view! {
                        <dt>{Msg::LabelFrom.text(lang)}</dt>
                        <dd>{d.mandatory_from.to_string()}</dd>
                        <dt>{Msg::OldStockUntil.text(lang)}</dt>
                        <dd>{d.old_stock_until.map(|u| u.to_string()).unwrap_or_else(|| "—".into())}</dd>
                    }.into_any(),
                    None => view! {
                        <dt>{Msg::LabelFrom.text(lang)}</dt>
                        <dd>{Msg::NoLabelDuty.text(lang)}</dd>
                    }.into_any(),
                }}
                {c.phase_out_beyond.map(|p| {
                    let unit = c.figure.as_ref().map(|f| f.unit.clone()).unwrap_or_default();
                    view! {
                        <dt>{Msg::PhaseOutBeyond.text(lang)}</dt>
                        <dd>{format!("{p} {unit}")}</dd>
                    }
                })}
            </dl>
        </li>
    }
}

fn version_section(r: RuleSet, in_force: bool, lang: Lang) -> impl IntoView {
    let heading = format!("{} {}", Msg::RulesVersion.text(lang), r.version);
    view! {
        <section class="stack" aria-label=heading.clone()>
            <h2>
                {heading.clone()}
                {in_force.then(|| view! { " " <span class="tag">{Msg::RulesInForce.text(lang)}</span> })}
            </h2>
            <dl class="facts card">
                <dt>{Msg::EffectiveFrom.text(lang)}</dt>
                <dd>{r.effective_from.to_string()}</dd>
                <dt>{Msg::RulesSource.text(lang)}</dt>
                <dd>{r.source.clone()}</dd>
            </dl>
            <ul class="stats-list">
                {r.categories.into_iter().map(|c| category_card(c, lang)).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn RulesPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    if !may_open(&ctx, Section::Rules) {
        return view! {
            <Layout current=Some(Section::Rules) path="/admin/rules".to_string()>
                <ForbiddenView />
            </Layout>
        }
        .into_any();
    }
    let rules = AsyncDerived::new(list_rules);
    let created = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("created")
        .and_then(|v| v.parse::<u32>().ok());
    view! {
        <Layout current=Some(Section::Rules) path="/admin/rules".to_string()>
            <Title text=Msg::TitleRules.text(lang) />
            <h1>{Msg::TitleRules.text(lang)}</h1>
            {created.map(|v| view! {
                <p class="alert alert-info" role="status">{Msg::RulesCreated.text(lang)} " " {Msg::RulesVersion.text(lang)} " " {v}</p>
            })}
            <p class="muted">{Msg::RulesHelp.text(lang)}</p>
            <p class="link-list">
                <a class="btn" href="/admin/rules/new">{Msg::NewRulesVersion.text(lang)}</a>
                <a class="btn" href="/admin/rules/sheets">{Msg::ScoreSheetsTitle.text(lang)}</a>
            </p>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || rules.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(view) => {
                        let today = format!("{} {}", Msg::RulesToday.text(lang), view.today);
                        let in_force = view.in_force;
                        view! {
                            <p class="muted small">{today}</p>
                            {view.versions.into_iter().map(|r| {
                                let current = Some(r.version) == in_force;
                                version_section(r, current, lang)
                            }).collect_view()}
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}
