//! Starting an inspection at a site.

use super::incident;
use crate::db::{AuditEntry, InspectionRow, StoreError};
use crate::state::Core;
use axum::http::StatusCode;
use jieshui_app::domain::geo::LatLon;
use jieshui_app::domain::inspection::{Fix, InspectionKind};
use jieshui_app::domain::market::InspectionStatus;
use jieshui_app::domain::role::Role;
use jieshui_app::i18n::Msg;
use jieshui_app::model::CurrentUser;
use serde::Deserialize;
use uuid::Uuid;

/// The start form as sent by "nearest to me" (or a script): the id was made on the phone.
#[derive(Debug, Clone, Deserialize)]
pub struct StartForm {
    pub id: String,
    pub site_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub accuracy_m: String,
    /// A re-inspection: the open rectification order (at this site) it checks.
    #[serde(default)]
    pub reinspects: String,
}

/// A finite number from a form field.
pub fn num(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Why a write was refused: a status and a message for the user, or an internal failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    User(StatusCode, Msg),
    /// Logged under this incident number.
    Internal(String),
}

/// Starts (or, for a retry with the same id, finds) an inspection at an open site. A closed site
/// takes no new inspections; a retry of one begun before it closed still opens.
pub async fn start(
    core: &Core,
    user: Option<&CurrentUser>,
    f: &StartForm,
) -> Result<InspectionRow, Refused> {
    use Refused::User;
    let user = user.ok_or(User(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    if user.role != Role::Inspector {
        return Err(User(StatusCode::FORBIDDEN, Msg::Forbidden));
    }
    let (Ok(id), Ok(site_id)) = (
        Uuid::parse_str(f.id.trim()),
        Uuid::parse_str(f.site_id.trim()),
    ) else {
        return Err(User(StatusCode::UNPROCESSABLE_ENTITY, Msg::PhotoBadField));
    };
    let internal_err = |e: StoreError| Refused::Internal(incident(e));
    let kind = InspectionKind::parse(f.kind.trim()).unwrap_or(InspectionKind::MarketCheck);
    let existing = core.store.inspection(id).await.map_err(internal_err)?;
    if existing.is_none() {
        match core
            .store
            .site_detail(site_id)
            .await
            .map_err(internal_err)?
        {
            Some(site) if !site.summary.active => {
                return Err(User(StatusCode::CONFLICT, Msg::SiteClosedNoInspection))
            }
            // An audit is of a community, unit, enterprise or public building only.
            Some(site) if kind == InspectionKind::Audit && !site.summary.kind.audited() => {
                return Err(User(StatusCode::UNPROCESSABLE_ENTITY, Msg::NotAuditable))
            }
            Some(_) => {}
            None => return Err(User(StatusCode::UNPROCESSABLE_ENTITY, Msg::SiteUnknown)),
        }
    }
    let reinspects = match f.reinspects.trim() {
        "" => None,
        s => {
            let order = Uuid::parse_str(s)
                .map_err(|_| User(StatusCode::UNPROCESSABLE_ENTITY, Msg::RectificationUnknown))?;
            match core
                .store
                .rectification(order)
                .await
                .map_err(internal_err)?
            {
                Some(o) if o.open && o.site_id == site_id => Some(order),
                _ => {
                    return Err(User(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Msg::RectificationUnknown,
                    ))
                }
            }
        }
    };
    let start = num(&f.lat)
        .zip(num(&f.lon))
        .map(|(a, b)| LatLon::new(a, b))
        .filter(|p| p.is_valid())
        .map(|position| Fix {
            position,
            accuracy_m: num(&f.accuracy_m),
        });
    let row = InspectionRow {
        id,
        kind,
        site_id,
        inspector_id: user.id,
        started_at: core.clock.now(),
        start,
        status: InspectionStatus::Draft,
    };
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "inspection_start",
        subject: id.to_string(),
        detail: serde_json::json!({ "site": site_id.to_string(), "kind": kind.as_str() }),
    };
    match core.store.upsert_inspection(&row, &audit).await {
        Ok(stored) if stored.inspector_id == user.id && stored.site_id == site_id => {
            if let Some(order) = reinspects {
                let audit = AuditEntry {
                    actor_id: Some(user.id),
                    action: "reinspection_link",
                    subject: id.to_string(),
                    detail: serde_json::json!({ "rectification": order }),
                };
                core.store
                    .link_reinspection(id, order, &audit)
                    .await
                    .map_err(internal_err)?;
            }
            Ok(stored)
        }
        Ok(_) => Err(User(StatusCode::CONFLICT, Msg::PhotoIdTaken)),
        Err(e) => Err(internal_err(e)),
    }
}
