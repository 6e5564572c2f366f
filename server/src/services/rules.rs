//! The market-check rules: their versions, and the verdict on one product line by the version in
//! force on its day. The server always judges for itself; a verdict a phone sends is never trusted.

use super::fields::Fields;
use super::store_err;
use crate::db::AuditEntry;
use crate::state::Core;
use jieshui_app::domain::fixture::RuleForm;
use jieshui_app::domain::fixture::{Day, EvidenceRules, Judgement, LineFacts, RuleSet};
use jieshui_app::domain::market::{field_error, FieldError};
use jieshui_app::error::AppError;
use jieshui_app::model::CurrentUser;
use serde_json::Value;

/// Every version of the rules, oldest first. A store without any gets the first version (from
/// `RuleSet::seed`) the first time rules are needed, whatever the mode: a city cannot check shops
/// without them. A seed racing a seed writes one version.
pub async fn rule_sets(core: &Core) -> Result<Vec<RuleSet>, AppError> {
    let sets = core.store.rule_sets().await.map_err(store_err)?;
    if !sets.is_empty() {
        return Ok(sets);
    }
    let seed = RuleSet::seed();
    let audit = AuditEntry {
        actor_id: None,
        action: "fixture_rules_seed",
        subject: format!("fixture_rules:{}", seed.version),
        detail: serde_json::json!({ "source": seed.source }),
    };
    core.store
        .insert_rule_set(&seed, &audit)
        .await
        .map_err(store_err)?;
    core.store.rule_sets().await.map_err(store_err)
}

/// The evidence rules of the version in force today (the city's calendar day). The first version's
/// when the rules cannot be read (logged): evidence is still taken, and flags follow the next change.
pub async fn evidence(core: &Core) -> EvidenceRules {
    match rule_sets(core).await {
        Ok(sets) => RuleSet::in_force(&sets, core.today())
            .map(|r| r.evidence.clone())
            .unwrap_or_default(),
        Err(e) => {
            tracing::error!(error = ?e, "rules unreadable; the first version's evidence rules apply");
            EvidenceRules::default()
        }
    }
}

/// Why a line could not be judged: its facts (by field), or the server.
#[derive(Debug)]
pub enum NotJudged {
    Fact(FieldError),
    /// No version of the rules was in force on the line's day.
    NoRules(Day),
    Server(AppError),
}

/// Judges one line by the version in force on its day.
pub async fn judge(core: &Core, facts: &LineFacts) -> Result<Judgement, NotJudged> {
    let sets = rule_sets(core).await.map_err(NotJudged::Server)?;
    let rules = RuleSet::in_force(&sets, facts.date).ok_or(NotJudged::NoRules(facts.date))?;
    rules.judge(facts).map_err(|b| {
        NotJudged::Fact(FieldError {
            field: b.field.into(),
            reason: b.reason,
        })
    })
}

/// The facts of `POST /api/verdict`, field by field, each refused with its own message:
/// `{category, label_present, grade, figure, figure2, phased_out, date}`; `grade`, `figure` and
/// `figure2` may be null or absent, `label_present` and `phased_out` default to false.
pub fn line_facts(v: &Value) -> Result<LineFacts, FieldError> {
    let f = Fields::of(v, "", "body")?;
    Ok(LineFacts {
        category: f.category()?,
        label_present: f.flag("label_present")?,
        grade: f.grade()?,
        figure: f.figure("figure")?,
        figure2: f.figure("figure2")?,
        phased_out: f.flag("phased_out")?,
        date: f
            .day("date")?
            .ok_or_else(|| field_error("date", "日期应为 YYYY-MM-DD。", "A date is YYYY-MM-DD."))?,
    })
}

/// Why a new version was not made.
#[derive(Debug)]
pub enum NewVersionRefused {
    Field(FieldError),
    Server(AppError),
}

/// The newest version, which a new one starts from.
fn latest(sets: &[RuleSet]) -> RuleSet {
    sets.iter()
        .max_by_key(|s| s.version)
        .cloned()
        .unwrap_or_else(RuleSet::seed)
}

/// Checks the rules page's form against the latest version without writing: the field it would be
/// refused at, if any.
pub async fn check_form(core: &Core, form: &RuleForm) -> Result<Option<FieldError>, AppError> {
    let base = latest(&rule_sets(core).await?);
    Ok(RuleSet::from_form(&base, form, base.version + 1, core.today()).err())
}

/// Makes a new version from the latest and the administrator's form, with its audit entry. Two
/// administrators saving at once make one version; the second is told to look again.
pub async fn new_version(
    core: &Core,
    actor: &CurrentUser,
    form: &RuleForm,
) -> Result<u32, NewVersionRefused> {
    let base = latest(&rule_sets(core).await.map_err(NewVersionRefused::Server)?);
    let next = RuleSet::from_form(&base, form, base.version + 1, core.today())
        .map_err(NewVersionRefused::Field)?;
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "fixture_rules_new",
        subject: format!("fixture_rules:{}", next.version),
        detail: serde_json::json!({
            "based_on": base.version,
            "effective_from": next.effective_from.to_string(),
            "source": next.source,
        }),
    };
    match core.store.insert_rule_set(&next, &audit).await {
        Ok(true) => Ok(next.version),
        Ok(false) => Err(NewVersionRefused::Field(field_error(
            "version",
            "另一位管理员刚刚保存了新版本，请查看后重新提交。",
            "Another administrator has just saved a version: look at it and submit again.",
        ))),
        Err(e) => Err(NewVersionRefused::Server(store_err(e))),
    }
}
