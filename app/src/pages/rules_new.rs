//! Admin: a new version of the market-check rules, made from the latest one. A plain form (no
//! script): what is left as it was keeps the latest version's value. A refused form comes back with
//! what was typed and the field at fault marked, its message worked out again by the server.

use crate::api::{list_rules, rules_form_problem};
use crate::components::{error_view, Layout};
use crate::ctx::PageCtx;
use crate::domain::fixture::{CategoryRule, RuleForm, RuleSet};
use crate::domain::market::FieldError;
use crate::domain::role::Section;
use crate::i18n::{Lang, Msg};
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// What a field shows: what was typed, else the latest version's value.
fn value(typed: &RuleForm, key: &str, base: String) -> String {
    typed.get(key).cloned().unwrap_or(base)
}

fn category_fields(
    c: &CategoryRule,
    typed: &RuleForm,
    problem: Option<&str>,
    lang: Lang,
) -> impl IntoView {
    let name = match lang {
        Lang::Zh => c.name_zh.clone(),
        Lang::En => c.name_en.clone(),
    };
    let k = |f: &str| format!("{}.{f}", c.slug);
    let invalid = move |key: &str| (problem == Some(key)).then_some("true");
    let unit = c
        .figure
        .as_ref()
        .map(|f| f.unit.clone())
        .unwrap_or_default();
    let unit2 = c
        .figure2
        .as_ref()
        .map(|f| f.unit.clone())
        .unwrap_or_default();
    let text_field = |key: String, label: String, v: String, kind: &'static str| {
        let inv = invalid(&key);
        view! {
            <label class="field">
                <span>{label}</span>
                <input type=if kind == "decimal" { "text" } else { kind } name=key.clone() value=v aria-invalid=inv
                    inputmode=(kind == "decimal").then_some("decimal") />
            </label>
        }
    };
    let grades = c
        .thresholds
        .iter()
        .enumerate()
        .map(|(g, (t, t2))| {
            let grade = g + 1;
            let one = text_field(
                k(&format!("t{grade}")),
                format!("{grade} {} ({unit})", Msg::GradeLimit.text(lang)),
                value(typed, &k(&format!("t{grade}")), num(*t)),
                "decimal",
            );
            let two = t2.map(|t2| {
                text_field(
                    k(&format!("u{grade}")),
                    format!(
                        "{grade} {}, {} ({unit2})",
                        Msg::GradeLimit.text(lang),
                        Msg::SecondFigure.text(lang)
                    ),
                    value(typed, &k(&format!("u{grade}")), num(t2)),
                    "decimal",
                )
            });
            view! { {one} {two} }
        })
        .collect_view();
    let label_from = c
        .label
        .map(|l| l.mandatory_from.to_string())
        .unwrap_or_default();
    let old_stock = c
        .label
        .and_then(|l| l.old_stock_until)
        .map(|d| d.to_string())
        .unwrap_or_default();
    view! {
        <fieldset class="card stack">
            <legend>{name} " " <span class="muted small">{c.slug.clone()}</span></legend>
            {text_field(k("standard"), Msg::RulesSource.text(lang).into(), value(typed, &k("standard"), c.standard.clone()), "text")}
            <label class="field">
                <span>{format!("{} (1–{})", Msg::SavingUpTo.text(lang), c.grades)}</span>
                <input type="number" min="1" max=c.grades.to_string() name=k("saving_up_to")
                    value=value(typed, &k("saving_up_to"), c.saving_up_to.to_string())
                    aria-invalid=invalid(&k("saving_up_to")) />
            </label>
            {grades}
            {text_field(k("label_from"), Msg::LabelFrom.text(lang).into(), value(typed, &k("label_from"), label_from), "date")}
            {text_field(k("old_stock_until"), Msg::OldStockUntil.text(lang).into(), value(typed, &k("old_stock_until"), old_stock), "date")}
            {text_field(
                k("phase_out"),
                format!("{} ({unit})", Msg::PhaseOutBeyond.text(lang)),
                value(typed, &k("phase_out"), c.phase_out_beyond.map(num).unwrap_or_default()),
                "decimal",
            )}
        </fieldset>
    }
}

fn form_view(
    base: RuleSet,
    typed: RuleForm,
    problem: Option<FieldError>,
    lang: Lang,
) -> impl IntoView {
    let field = problem.as_ref().map(|p| p.field.clone());
    let invalid = |key: &str| (field.as_deref() == Some(key)).then_some("true");
    let apps = value(
        &typed,
        "editing_apps",
        base.evidence.editing_apps.join("\n"),
    );
    let offset = value(&typed, "exif_offset", base.evidence.offset_text());
    let based_on = format!(
        "{} {} {}",
        Msg::BasedOnVersion.text(lang),
        Msg::RulesVersion.text(lang),
        base.version
    );
    // Where the problem is, as a person finds it on the page: the category's name, then the field.
    let place = |field: &str| {
        let category = field
            .split_once('.')
            .and_then(|(slug, _)| base.category(slug))
            .map(|c| match lang {
                Lang::Zh => c.name_zh.clone(),
                Lang::En => c.name_en.clone(),
            });
        match category {
            Some(name) => format!("{name} ({field})"),
            None => field.to_string(),
        }
    };
    view! {
        {problem.map(|p| {
            let text = match lang { Lang::Zh => p.reason.zh, Lang::En => p.reason.en };
            view! { <p class="alert alert-error" role="alert">{Msg::RulesFormProblem.text(lang)} " " {place(&p.field)} " — " {text}</p> }
        })}
        <p class="muted small">{based_on}</p>
        <form method="post" action="/admin/rules/new" class="stack">
            <section class="card stack">
                <label class="field">
                    <span>{Msg::EffectiveFrom.text(lang)}</span>
                    <input type="date" name="effective_from" required
                        value=value(&typed, "effective_from", String::new())
                        aria-invalid=invalid("effective_from") />
                </label>
                <label class="field">
                    <span>{Msg::RulesSource.text(lang)}</span>
                    <input type="text" name="source" required maxlength="500"
                        value=value(&typed, "source", String::new())
                        aria-invalid=invalid("source") />
                </label>
            </section>
            {base.categories.iter().map(|c| category_fields(c, &typed, field.as_deref(), lang)).collect_view()}
            <fieldset class="card stack">
                <legend>{Msg::EvidenceRulesTitle.text(lang)}</legend>
                <label class="field">
                    <span>{Msg::EditingApps.text(lang)}</span>
                    <textarea name="editing_apps" rows="8" aria-invalid=invalid("editing_apps")>{apps}</textarea>
                </label>
                <label class="field">
                    <span>{Msg::ExifOffset.text(lang)}</span>
                    <input type="text" name="exif_offset" value=offset aria-invalid=invalid("exif_offset") />
                </label>
            </fieldset>
            <button type="submit" class="btn btn-primary btn-block">{Msg::SaveRulesVersion.text(lang)}</button>
        </form>
    }
}

#[component]
pub fn RulesNewPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let path = "/admin/rules/new".to_string();
    if !may_open(&ctx, Section::Rules) {
        return view! { <Layout current=Some(Section::Rules) path=path><ForbiddenView /></Layout> }
            .into_any();
    }
    let q = use_query_map().get_untracked();
    let refused = q.get("problem").is_some();
    let typed: RuleForm = q
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .filter(|(k, _)| k != "problem")
        .collect();
    let form_json = serde_json::to_string(&typed).unwrap_or_default();
    let data = AsyncDerived::new(move || {
        let form_json = form_json.clone();
        async move {
            let rules = list_rules().await?;
            let problem = if refused {
                rules_form_problem(form_json).await?
            } else {
                None
            };
            Ok::<_, crate::error::AppError>((rules, problem))
        }
    });
    view! {
        <Layout current=Some(Section::Rules) path=path>
            <Title text=Msg::NewRulesVersion.text(lang) />
            <h1>{Msg::NewRulesVersion.text(lang)}</h1>
            <p class="muted">{Msg::NewRulesHelp.text(lang)}</p>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok((rules, problem)) => match rules.versions.into_iter().next() {
                        Some(base) => form_view(base, typed.clone(), problem, lang).into_any(),
                        None => error_view(crate::error::AppError::NotFound, lang),
                    },
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}
