//! Audit score sheets: their versions per kind of site, and the one in force on a day. A store
//! without any gets each kind's first version (`ScoreSheet::seed`) the first time it is needed.

use super::rules::NewVersionRefused;
use super::store_err;
use crate::db::AuditEntry;
use crate::state::Core;
use jieshui_app::domain::fixture::Day;
use jieshui_app::domain::market::{field_error, FieldError};
use jieshui_app::domain::score::ScoreSheet;
use jieshui_app::domain::score::SheetForm;
use jieshui_app::domain::site::SiteKind;
use jieshui_app::error::AppError;
use jieshui_app::model::CurrentUser;

/// Every version of `kind`'s sheet, oldest first (empty for a kind that is not audited). A seed
/// racing a seed writes one version.
pub async fn sheets(core: &Core, kind: SiteKind) -> Result<Vec<ScoreSheet>, AppError> {
    let sheets = core.store.score_sheets(kind).await.map_err(store_err)?;
    if !sheets.is_empty() {
        return Ok(sheets);
    }
    let Some(seed) = ScoreSheet::seed(kind) else {
        return Ok(Vec::new());
    };
    let audit = AuditEntry {
        actor_id: None,
        action: "score_sheet_seed",
        subject: format!("score_sheet:{}:{}", kind.as_str(), seed.version),
        detail: serde_json::json!({ "source": seed.source }),
    };
    core.store
        .insert_score_sheet(&seed, &audit)
        .await
        .map_err(store_err)?;
    core.store.score_sheets(kind).await.map_err(store_err)
}

/// The version of `kind`'s sheet in force on `day`, if any.
pub async fn in_force(
    core: &Core,
    kind: SiteKind,
    day: Day,
) -> Result<Option<ScoreSheet>, AppError> {
    Ok(ScoreSheet::in_force(&sheets(core, kind).await?, day).cloned())
}

/// The latest version of `kind`'s sheet (the base of the next), or not found for a kind that is
/// not audited.
async fn latest(core: &Core, kind: SiteKind) -> Result<ScoreSheet, AppError> {
    sheets(core, kind)
        .await?
        .into_iter()
        .max_by_key(|s| s.version)
        .ok_or(AppError::NotFound)
}

/// Where the new-version form would be refused, if anywhere (nothing is written).
pub async fn check_form(
    core: &Core,
    kind: SiteKind,
    form: &SheetForm,
) -> Result<Option<FieldError>, AppError> {
    let base = latest(core, kind).await?;
    Ok(ScoreSheet::from_form(&base, form, base.version + 1, core.today()).err())
}

/// A new version of `kind`'s sheet from the latest and the administrator's form, with its audit
/// entry. Two administrators saving at once make one version; the second is told to look again.
pub async fn new_version(
    core: &Core,
    actor: &CurrentUser,
    kind: SiteKind,
    form: &SheetForm,
) -> Result<u32, NewVersionRefused> {
    let base = latest(core, kind)
        .await
        .map_err(NewVersionRefused::Server)?;
    let next = ScoreSheet::from_form(&base, form, base.version + 1, core.today())
        .map_err(NewVersionRefused::Field)?;
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "score_sheet_new",
        subject: format!("score_sheet:{}:{}", kind.as_str(), next.version),
        detail: serde_json::json!({
            "based_on": base.version,
            "effective_from": next.effective_from.to_string(),
            "source": next.source,
            "pass_mark": next.pass_mark,
            "items": next.items.len(),
        }),
    };
    match core.store.insert_score_sheet(&next, &audit).await {
        Ok(true) => Ok(next.version),
        Ok(false) => Err(NewVersionRefused::Field(field_error(
            "version",
            "另一位管理员刚刚保存了新版本，请查看后重新提交。",
            "Another administrator has just saved a version: look at it and submit again.",
        ))),
        Err(e) => Err(NewVersionRefused::Server(store_err(e))),
    }
}
