//! Audit score sheets: their versions per kind of site, and the one in force on a day. A store
//! without any gets each kind's first version (`ScoreSheet::seed`) the first time it is needed.

use super::store_err;
use crate::db::AuditEntry;
use crate::state::Core;
use jieshui_app::domain::fixture::Day;
use jieshui_app::domain::score::ScoreSheet;
use jieshui_app::domain::site::SiteKind;
use jieshui_app::error::AppError;

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
