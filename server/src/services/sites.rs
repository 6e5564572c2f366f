//! Changes to the site registry: one site from the form, closing and reopening, titles, the yearly
//! statistics, and spreadsheet imports (staged, then committed in one transaction).

use super::{internal, store_err};
use crate::db::{AuditEntry, CommitOutcome, NewBatch, ReflagScope, ResolvedSite, StoreError};
use crate::evidence::reflag::reflag;
use crate::registry::import::{check_table, read_table, FileError};
use crate::state::Core;
use jieshui_app::domain::site::{
    check_site, check_stats, check_title, SiteFields, SiteKind, StatsForm, TitleForm,
};
use jieshui_app::error::AppError;
use jieshui_app::i18n::Msg;
use jieshui_app::model::site::{BatchStatus, RowProblem};
use jieshui_app::model::CurrentUser;
use std::collections::HashSet;
use uuid::Uuid;

/// Why a site form was refused.
#[derive(Debug)]
pub enum SiteRefused {
    /// Every problem, by field, so the form can show them all at once.
    Problems(Vec<(&'static str, Msg)>),
    Other(AppError),
}

impl From<AppError> for SiteRefused {
    fn from(e: AppError) -> Self {
        SiteRefused::Other(e)
    }
}

/// Checks one site from the form and creates it (`id` None) or updates it. A site entered by hand
/// without a code is given one (written back into `f`, so a refused form shows it). After an edit
/// that moved the site or changed its geofence, its photos' distance flags are computed again.
pub async fn save_site(
    core: &Core,
    actor: &CurrentUser,
    id: Option<Uuid>,
    f: &mut SiteFields,
) -> Result<Uuid, SiteRefused> {
    if id.is_none() && f.external_code.trim().is_empty() {
        // Sites entered by hand need a stable code too, so a later spreadsheet can update them.
        // The random part of a UUIDv7, not its millisecond clock: two sites made in the same
        // millisecond would share the first twelve digits.
        let hex = Uuid::now_v7().simple().to_string();
        f.external_code = format!("M{}", &hex[hex.len() - 12..]).to_uppercase();
    }
    let districts = core.store.list_districts().await.map_err(store_err)?;
    let codes = core.store.site_codes().await.map_err(store_err)?;
    let d = f.district.trim();
    let district_id = districts
        .iter()
        .find(|x| x.code == d || x.name == d || x.id.to_string() == d)
        .map(|x| x.id);
    let mut problems: Vec<(&'static str, Msg)> = Vec::new();
    if district_id.is_none() && !d.is_empty() {
        problems.push(("district", Msg::DistrictUnknown));
    }
    let checked = check_site(f);
    if let Err(ps) = &checked {
        problems.extend(ps.iter().map(|p| (p.field, p.msg)));
    }
    let parent = f.parent_code.trim();
    if !parent.is_empty() && !codes.contains(&(SiteKind::Venue, parent.to_string())) {
        problems.push(("parent_code", Msg::ParentUnknown));
    }
    let (Ok(input), Some(district_id), true) = (checked, district_id, problems.is_empty()) else {
        return Err(SiteRefused::Problems(problems));
    };
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: if id.is_some() {
            "site_edit"
        } else {
            "site_create"
        },
        subject: String::new(),
        detail: serde_json::json!({ "kind": input.kind.as_str(), "external_code": input.external_code }),
    };
    match core
        .store
        .save_site(
            id,
            &ResolvedSite { input, district_id },
            core.clock.now(),
            &audit,
        )
        .await
    {
        Ok(Some(saved)) => {
            if saved.moved {
                refresh_flags(core, &ReflagScope::Site(saved.id)).await;
            }
            Ok(saved.id)
        }
        Ok(None) => Err(AppError::NotFound.into()),
        Err(StoreError::Unique(_)) => Err(SiteRefused::Problems(vec![(
            "external_code",
            Msg::ExternalCodeTaken,
        )])),
        Err(e) => Err(internal(e).into()),
    }
}

/// Closes (now, by the clock) or reopens a site.
pub async fn set_site_active(
    core: &Core,
    actor: &CurrentUser,
    id: Uuid,
    active: bool,
) -> Result<(), AppError> {
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: if active { "site_reopen" } else { "site_close" },
        subject: id.to_string(),
        detail: serde_json::json!({}),
    };
    match core
        .store
        .set_site_active(id, active, core.clock.now(), &audit)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(AppError::NotFound),
        Err(e) => Err(internal(e)),
    }
}

/// Records a title a site holds.
pub async fn add_title(
    core: &Core,
    actor: &CurrentUser,
    site_id: Uuid,
    f: &TitleForm,
) -> Result<(), AppError> {
    let title =
        check_title(f, Uuid::now_v7()).map_err(|(field, msg)| AppError::invalid(field, msg))?;
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "site_title_add",
        subject: site_id.to_string(),
        detail: serde_json::json!({ "level": title.level.as_str(), "document_no": title.document_no }),
    };
    match core.store.add_title(site_id, &title, &audit).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(AppError::NotFound),
        Err(e) => Err(internal(e)),
    }
}

/// Sets one year's denominators, each with its source; returns the year.
pub async fn save_stats(core: &Core, actor: &CurrentUser, f: &StatsForm) -> Result<i32, AppError> {
    let stats = check_stats(f).map_err(|(field, msg)| AppError::invalid(field, msg))?;
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "yearly_stats_set",
        subject: stats.year.to_string(),
        detail: serde_json::to_value(&stats).unwrap_or_default(),
    };
    core.store
        .upsert_stats(&stats, &audit)
        .await
        .map_err(internal)?;
    Ok(stats.year)
}

/// A spreadsheet as it arrived.
pub enum Upload {
    File {
        filename: String,
        bytes: Vec<u8>,
    },
    /// The form held no file.
    Missing,
    /// The file was larger than the form's limit (or the body broke off).
    TooLarge {
        filename: String,
    },
}

fn file_problem(msg: Msg) -> Vec<RowProblem> {
    vec![RowProblem {
        row: 0,
        column: String::new(),
        msg,
    }]
}

/// Checks a whole spreadsheet and stages it, with every problem by row and column or with the rows
/// ready to write; nothing reaches the registry until [`commit_import`]. Returns the batch's id.
pub async fn stage_import(
    core: &Core,
    actor: &CurrentUser,
    upload: Upload,
    default_kind: Option<SiteKind>,
) -> Result<Uuid, AppError> {
    let (filename, checked): (String, Result<Vec<ResolvedSite>, Vec<RowProblem>>) = match upload {
        Upload::TooLarge { filename } => (filename, Err(file_problem(Msg::FileTooLarge))),
        Upload::Missing => (String::new(), Err(file_problem(Msg::NoFileChosen))),
        Upload::File { filename, bytes } => {
            let districts = core.store.list_districts().await.map_err(store_err)?;
            let venues: HashSet<String> = core
                .store
                .site_codes()
                .await
                .map_err(store_err)?
                .into_iter()
                .filter(|(k, _)| *k == SiteKind::Venue)
                .map(|(_, c)| c)
                .collect();
            let name = filename.clone();
            // Parsing and checking 10,000 rows is CPU work: keep it off the async runtime.
            let job = tokio::task::spawn_blocking(move || match read_table(&bytes, &name) {
                Ok(table) => check_table(&table, default_kind, &districts, &venues),
                Err(FileError::TooLarge) => Err(file_problem(Msg::FileTooLarge)),
                Err(FileError::Empty) => Err(file_problem(Msg::FileEmpty)),
                Err(FileError::Unreadable) => Err(file_problem(Msg::FileUnreadable)),
            });
            (filename, job.await.map_err(internal)?)
        }
    };
    let (status, row_count, payload) = match &checked {
        Ok(rows) => (
            BatchStatus::Ready,
            rows.len() as i64,
            serde_json::to_string(rows),
        ),
        Err(problems) => (BatchStatus::Invalid, 0, serde_json::to_string(problems)),
    };
    let id = Uuid::now_v7();
    let batch = NewBatch {
        id,
        created_by: actor.id,
        filename,
        row_count,
        status,
        payload: payload.map_err(internal)?,
    };
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "sites_import_stage",
        subject: id.to_string(),
        detail: serde_json::json!({ "filename": batch.filename, "rows": row_count,
                                    "ready": status == BatchStatus::Ready }),
    };
    core.store
        .insert_batch(&batch, &audit)
        .await
        .map_err(internal)?;
    Ok(id)
}

/// Writes a staged, ready spreadsheet in one transaction. Repeating it (a double tap, a retry after
/// a dropped connection) writes nothing more; a batch with problems writes nothing. The photos at
/// sites that moved get their distance flags again after the answer: an import of thousands of
/// rows does not wait for that.
pub async fn commit_import(core: &Core, actor: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    let batch = core
        .store
        .batch(id)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    if batch.status != BatchStatus::Ready {
        return Ok(());
    }
    let rows: Vec<ResolvedSite> = serde_json::from_str(&batch.payload).map_err(internal)?;
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "sites_import",
        subject: id.to_string(),
        detail: serde_json::json!({}),
    };
    match core
        .store
        .commit_batch(id, &rows, core.clock.now(), &audit)
        .await
        .map_err(internal)?
    {
        CommitOutcome::Committed { moved, .. } if !moved.is_empty() => {
            let store = core.store.clone();
            let policy = core.config.flag_policy;
            let rules = super::rules::evidence(core).await;
            tokio::spawn(async move {
                for site in moved {
                    let scope = ReflagScope::Site(site);
                    if let Err(e) = reflag(&*store, &policy, &rules, &scope).await {
                        tracing::error!(error = %e, ?scope, "photo flags not recomputed after an import");
                    }
                }
            });
        }
        _ => {}
    }
    Ok(())
}

/// Recomputes photo flags after a site change. The change itself is saved already; a failure here
/// is logged and leaves the old flags, which the next change recomputes.
async fn refresh_flags(core: &Core, scope: &ReflagScope) {
    let rules = super::rules::evidence(core).await;
    if let Err(e) = reflag(&*core.store, &core.config.flag_policy, &rules, scope).await {
        tracing::error!(error = %e, ?scope, "photo flags not recomputed after a site change");
    }
}
