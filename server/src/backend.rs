//! The server's side of the contract the app's server functions call: validation that needs the
//! database, password hashing, and the audit trail.

use crate::db::ResolvedSite;
use crate::evidence::analyze::ExifFacts;
use crate::services;
use crate::state::SharedCore;
use async_trait::async_trait;
use jieshui_app::backend::Backend;
use jieshui_app::domain::evidence::Flag;
use jieshui_app::domain::geo::{distance_m, LatLon};
use jieshui_app::domain::site::SiteKind;
use jieshui_app::error::AppError;
use jieshui_app::model::evidence::{InspectionView, PhotoView};
use jieshui_app::model::site::{
    BatchStatus, ImportBatchView, NearbySite, RowProblem, SiteDetail, SiteFilter, SitePage,
    YearlyStats, SITES_PER_PAGE,
};
use jieshui_app::model::{CurrentUser, District, NewUser, UserSummary};
use uuid::Uuid;

pub struct ServerBackend {
    pub core: SharedCore,
}

pub use crate::services::internal;
use crate::services::store_err;

/// An RFC 3339 instant as the calendar day it is in at `offset` (`YYYY-MM-DD`); other text as it is.
pub fn local_date(instant: &str, offset: time::UtcOffset) -> String {
    time::OffsetDateTime::parse(instant, &time::format_description::well_known::Rfc3339)
        .map(|t| t.to_offset(offset).date().to_string())
        .unwrap_or_else(|_| instant.to_string())
}

#[async_trait]
impl Backend for ServerBackend {
    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError> {
        self.core.store.list_users().await.map_err(store_err)
    }

    async fn create_user(
        &self,
        actor: &CurrentUser,
        new: NewUser,
    ) -> Result<UserSummary, AppError> {
        services::users::create(&self.core, actor, new).await
    }

    async fn reset_password(
        &self,
        actor: &CurrentUser,
        user_id: Uuid,
        pw: String,
    ) -> Result<(), AppError> {
        services::users::reset_password(&self.core, actor, user_id, pw).await
    }

    async fn set_user_active(
        &self,
        actor: &CurrentUser,
        user_id: Uuid,
        active: bool,
    ) -> Result<(), AppError> {
        services::users::set_active(&self.core, actor, user_id, active).await
    }

    async fn list_districts(&self) -> Result<Vec<District>, AppError> {
        self.core.store.list_districts().await.map_err(store_err)
    }

    async fn list_sites(&self, filter: SiteFilter) -> Result<SitePage, AppError> {
        let listed = self
            .core
            .store
            .list_sites(&filter, SITES_PER_PAGE)
            .await
            .map_err(store_err)?;
        Ok(SitePage {
            items: listed.items,
            total: listed.total,
            page: filter.page,
        })
    }

    async fn site_detail(&self, id: Uuid) -> Result<SiteDetail, AppError> {
        let mut d = self
            .core
            .store
            .site_detail(id)
            .await
            .map_err(store_err)?
            .ok_or(AppError::NotFound)?;
        // Stored as an instant; shown as the city's calendar day.
        d.closed_at = d
            .closed_at
            .map(|t| local_date(&t, self.core.config.utc_offset));
        Ok(d)
    }

    async fn nearby_sites(
        &self,
        at: Option<LatLon>,
        kind: Option<SiteKind>,
        q: String,
        limit: usize,
    ) -> Result<Vec<NearbySite>, AppError> {
        let Some(at) = at else {
            // No position: by name, the first `limit` only.
            let filter = SiteFilter {
                q,
                kind,
                district_id: None,
                state: jieshui_app::model::site::SiteState::Active,
                page: 0,
            };
            let listed = self
                .core
                .store
                .list_sites(&filter, limit.min(10_000) as u32)
                .await
                .map_err(store_err)?;
            return Ok(listed
                .items
                .into_iter()
                .map(|site| NearbySite {
                    distance_m: None,
                    site,
                })
                .collect());
        };
        // A box around the phone, widened until it holds `limit` sites within its inner circle
        // (only those are sure to be the nearest), so a city of thousands of sites is not read
        // and sorted whole for every look at "today".
        let mut radius_m = 2_000.0;
        let mut out: Vec<NearbySite> = loop {
            let sites = if radius_m > 300_000.0 {
                self.core
                    .store
                    .active_sites(kind, &q)
                    .await
                    .map_err(store_err)?
            } else {
                let dlat = radius_m / 111_320.0;
                let dlon = radius_m / (111_320.0 * at.lat.to_radians().cos().max(0.01));
                let bbox = [at.lat - dlat, at.lat + dlat, at.lon - dlon, at.lon + dlon];
                self.core
                    .store
                    .active_sites_within(kind, &q, bbox)
                    .await
                    .map_err(store_err)?
            };
            let found: Vec<NearbySite> = sites
                .into_iter()
                .map(|site| NearbySite {
                    distance_m: Some(distance_m(at, site.position)),
                    site,
                })
                .collect();
            let inside = found
                .iter()
                .filter(|n| n.distance_m.unwrap_or(f64::MAX) <= radius_m)
                .count();
            if inside >= limit || radius_m > 300_000.0 {
                break found;
            }
            radius_m *= 4.0;
        };
        out.sort_by(|a, b| {
            a.distance_m
                .unwrap_or(f64::MAX)
                .total_cmp(&b.distance_m.unwrap_or(f64::MAX))
        });
        out.truncate(limit);
        Ok(out)
    }

    async fn import_batch(
        &self,
        actor: &CurrentUser,
        id: Uuid,
    ) -> Result<ImportBatchView, AppError> {
        let b = self
            .core
            .store
            .batch(id)
            .await
            .map_err(store_err)?
            .ok_or(AppError::NotFound)?;
        let _ = actor;
        let status = b.status;
        let mut view = ImportBatchView {
            id: b.id,
            filename: b.filename,
            status,
            row_count: b.row_count,
            problems: vec![],
            new_count: 0,
            update_count: 0,
            by_kind: vec![],
            inserted: b.inserted,
            updated: b.updated,
        };
        if status == BatchStatus::Invalid {
            view.problems =
                serde_json::from_str::<Vec<RowProblem>>(&b.payload).map_err(internal)?;
        } else {
            let rows: Vec<ResolvedSite> = serde_json::from_str(&b.payload).map_err(internal)?;
            let existing = self.core.store.site_codes().await.map_err(store_err)?;
            for r in &rows {
                if existing.contains(&(r.input.kind, r.input.external_code.clone())) {
                    view.update_count += 1;
                } else {
                    view.new_count += 1;
                }
            }
            for k in SiteKind::ALL {
                let n = rows.iter().filter(|r| r.input.kind == k).count() as i64;
                if n > 0 {
                    view.by_kind.push((k, n));
                }
            }
        }
        Ok(view)
    }

    async fn list_stats(&self) -> Result<Vec<YearlyStats>, AppError> {
        self.core.store.list_stats().await.map_err(store_err)
    }

    async fn rules(&self) -> Result<jieshui_app::model::rules::RulesView, AppError> {
        use jieshui_app::domain::fixture::RuleSet;
        let mut versions = services::rules::rule_sets(&self.core).await?;
        let today = self.core.today();
        let in_force = RuleSet::in_force(&versions, today).map(|r| r.version);
        versions.reverse();
        Ok(jieshui_app::model::rules::RulesView {
            versions,
            in_force,
            today: today.to_string(),
        })
    }

    async fn rules_form_problem(
        &self,
        form: jieshui_app::domain::fixture::RuleForm,
    ) -> Result<Option<jieshui_app::domain::market::FieldError>, AppError> {
        services::rules::check_form(&self.core, &form).await
    }

    async fn score_sheets(
        &self,
        kind: SiteKind,
    ) -> Result<Vec<jieshui_app::domain::score::ScoreSheet>, AppError> {
        services::score::sheets(&self.core, kind).await
    }

    async fn sheet_form_problem(
        &self,
        kind: SiteKind,
        form: jieshui_app::domain::score::SheetForm,
    ) -> Result<Option<jieshui_app::domain::market::FieldError>, AppError> {
        services::score::check_form(&self.core, kind, &form).await
    }

    async fn photo_view(&self, actor: &CurrentUser, id: Uuid) -> Result<PhotoView, AppError> {
        use jieshui_app::domain::role::Role;
        let p = self
            .core
            .store
            .photo(id)
            .await
            .map_err(store_err)?
            .ok_or(AppError::NotFound)?;
        let i = self
            .core
            .store
            .inspection(p.inspection_id)
            .await
            .map_err(store_err)?
            .ok_or(AppError::NotFound)?;
        if !(matches!(actor.role, Role::Supervisor | Role::Admin) || i.inspector_id == actor.id) {
            // Someone else's evidence is not even confirmed to exist.
            return Err(AppError::NotFound);
        }
        let site = self
            .core
            .store
            .site_detail(i.site_id)
            .await
            .map_err(store_err)?;
        let exif: ExifFacts = serde_json::from_value(p.exif.clone()).unwrap_or_default();
        let shanghai = self.core.config.utc_offset;
        let fmt =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        let show = |t: time::OffsetDateTime| t.to_offset(shanghai).format(&fmt).unwrap_or_default();
        let device = p.device_lat.zip(p.device_lon);
        let exif_pos = exif.lat.zip(exif.lon);
        let distance = site.as_ref().and_then(|s| {
            device
                .or(exif_pos)
                .map(|(a, b)| distance_m(LatLon::new(a, b), s.summary.position))
        });
        let camera = match (exif.make.clone(), exif.model.clone()) {
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            (a, b) => a.or(b),
        };
        Ok(PhotoView {
            id: p.id,
            inspection_id: p.inspection_id,
            site_id: i.site_id,
            site_name: site.map(|s| s.summary.name).unwrap_or_default(),
            sha256: p.sha256,
            original_sha256: p.original_sha256,
            bytes: p.bytes,
            mime: p.mime,
            size: p.width.zip(p.height),
            taken_at: exif
                .taken_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .map(show),
            taken_offset_assumed: exif.offset_assumed,
            exif_from_phone: exif.from_phone,
            captured_at: p.captured_at.map(show),
            fix_at: p.fix_at.map(show),
            received_at: show(p.received_at),
            exif_position: exif_pos,
            device_position: device,
            accuracy_m: p.accuracy_m,
            distance_to_site_m: distance,
            camera,
            software: exif.software,
            flags: serde_json::from_value::<Vec<Flag>>(p.flags).map_err(internal)?,
        })
    }

    async fn inspection_view(
        &self,
        actor: &CurrentUser,
        id: Uuid,
    ) -> Result<InspectionView, AppError> {
        use jieshui_app::domain::role::Role;
        let rec = self
            .core
            .store
            .market_record(id)
            .await
            .map_err(store_err)?
            .ok_or(AppError::NotFound)?;
        let i = &rec.inspection;
        if !(matches!(actor.role, Role::Supervisor | Role::Admin) || i.inspector_id == actor.id) {
            return Err(AppError::NotFound);
        }
        let site = self
            .core
            .store
            .site_detail(i.site_id)
            .await
            .map_err(store_err)?
            .ok_or(AppError::NotFound)?;
        let photos = self
            .core
            .store
            .inspection_photos(id)
            .await
            .map_err(store_err)?;
        let review = Some(
            services::review::panel(&self.core, actor, &rec, &site)
                .await
                .map_err(store_err)?,
        );
        let (market, audit) = match i.kind {
            jieshui_app::domain::inspection::InspectionKind::MarketCheck => {
                (Some(services::market::view(&self.core, &rec).await?), None)
            }
            jieshui_app::domain::inspection::InspectionKind::Audit => {
                (None, Some(self.audit_view(actor, &rec, &site).await?))
            }
        };
        Ok(InspectionView {
            id,
            site_id: i.site_id,
            site_name: site.summary.name,
            site_address: site.summary.address,
            started_at: self.core.local_minute(i.started_at),
            photos,
            capture: self.core.config.capture,
            market,
            review,
            audit,
            editable: i.inspector_id == actor.id
                && actor.role == Role::Inspector
                && i.status.editable(),
        })
    }

    async fn inspection_list(
        &self,
        actor: &CurrentUser,
        site: Option<Uuid>,
    ) -> Result<Vec<jieshui_app::model::market::InspectionBrief>, AppError> {
        use jieshui_app::domain::role::Role;
        /// Enough for a day's work and the weeks before it; older checks are in the ledgers.
        const LISTED: u32 = 100;
        let inspector = match (site, actor.role) {
            (Some(_), Role::Supervisor | Role::Admin) => None,
            _ => Some(actor.id),
        };
        let today = self.core.today();
        let rows = self
            .core
            .store
            .inspection_list(inspector, site, LISTED)
            .await
            .map_err(store_err)?;
        Ok(rows
            .into_iter()
            .map(|r| jieshui_app::model::market::InspectionBrief {
                id: r.id,
                kind: r.kind,
                status: r.status,
                site_id: r.site_id,
                site_name: r.site_name,
                started_at: self.core.local_minute(r.started_at),
                submitted_at: r.submitted_at.map(|t| self.core.local_minute(t)),
                today: self.core.day_of(r.started_at) == today,
                lines: r.lines,
                violations: r.violations,
            })
            .collect())
    }

    async fn review_queue(
        &self,
        actor: &CurrentUser,
        query: jieshui_app::model::review::QueueQuery,
    ) -> Result<jieshui_app::model::review::QueuePage, AppError> {
        use crate::services::review::{queue, QUEUE_LIMIT};
        use jieshui_app::domain::inspection::InspectionKind;
        use jieshui_app::domain::role::Role;
        let id = |s: &str| Uuid::parse_str(s.trim()).ok();
        let days = query
            .older_than_days
            .trim()
            .parse::<u32>()
            .ok()
            .map(|d| d.min(36_500));
        let filter = crate::db::QueueFilter {
            kind: InspectionKind::parse(query.kind.trim()),
            district: id(&query.district),
            inspector: id(&query.inspector),
            submitted_before: days
                .map(|d| self.core.clock.now() - time::Duration::days(i64::from(d))),
            flagged_only: query.flagged,
            limit: QUEUE_LIMIT,
        };
        let items = queue(&self.core, Some(actor), filter)
            .await
            .map_err(review_app_error)?;
        let users = self.core.store.list_users().await.map_err(store_err)?;
        let inspectors = users
            .into_iter()
            .filter(|u| u.role == Role::Inspector && u.active)
            .filter(|u| {
                actor.district_id.is_none()
                    || u.district_id.is_none()
                    || u.district_id == actor.district_id
            })
            .map(|u| (u.id, u.display_name))
            .collect();
        let districts = if actor.district_id.is_none() {
            self.core
                .store
                .list_districts()
                .await
                .map_err(store_err)?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect()
        } else {
            Vec::new()
        };
        Ok(jieshui_app::model::review::QueuePage {
            items: items
                .into_iter()
                .map(|i| jieshui_app::model::market::QueueBrief {
                    id: i.id,
                    kind: i.kind,
                    site_name: i.site_name,
                    inspector_name: i.inspector_name,
                    submitted_at: i
                        .submitted_at
                        .map(|t| self.core.local_minute(t))
                        .unwrap_or_default(),
                    round: i.round,
                    lines: i.lines,
                    violations: i.violations,
                    flagged_photos: i.flagged_photos,
                })
                .collect(),
            inspectors,
            districts,
        })
    }

    async fn review_waiting(&self, actor: &CurrentUser) -> Result<i64, AppError> {
        services::review::waiting(&self.core, actor)
            .await
            .map_err(store_err)
    }

    async fn rectification_list(
        &self,
        actor: &CurrentUser,
        all: bool,
    ) -> Result<Vec<jieshui_app::model::review::OrderBrief>, AppError> {
        let list = services::review::rectifications(&self.core, Some(actor), !all)
            .await
            .map_err(review_app_error)?;
        Ok(list
            .iter()
            .map(|o| services::review::order_brief(&self.core, o))
            .collect())
    }

    async fn audit_view(
        &self,
        actor: &CurrentUser,
    ) -> Result<jieshui_app::model::review::AuditView, AppError> {
        use jieshui_app::model::review::{AuditBreak, AuditView};
        /// The newest entries the page lists; the CSV has them all.
        const LATEST: usize = 100;
        if actor.role != jieshui_app::domain::role::Role::Admin {
            return Err(AppError::Forbidden);
        }
        let rows = self.core.store.audit_chain().await.map_err(store_err)?;
        let entries = rows.len() as i64;
        let (head, broken) = match crate::audit_chain::verify(rows.iter().cloned()) {
            Ok(i) => (Some(i.head).filter(|h| !h.is_empty()), None),
            Err(b) => {
                let (seq, kind) = match b {
                    crate::audit_chain::Break::Altered { seq } => (seq, "altered"),
                    crate::audit_chain::Break::Removed { seq } => (seq.to_string(), "removed"),
                    crate::audit_chain::Break::Inserted { seq } => (seq, "inserted"),
                };
                (
                    None,
                    Some(AuditBreak {
                        seq: seq.parse().unwrap_or(0),
                        kind: kind.into(),
                    }),
                )
            }
        };
        let names = self.audit_names().await?;
        let latest = rows
            .iter()
            .rev()
            .take(LATEST)
            .map(|r| self.audit_line(r, &names))
            .collect();
        Ok(AuditView {
            entries,
            head,
            broken,
            latest,
        })
    }
}

/// A review refusal as a server function's error.
fn review_app_error(e: services::review::ReviewRefused) -> AppError {
    use crate::services::market::MarketRefused;
    use crate::services::review::ReviewRefused;
    match e {
        ReviewRefused::Market(MarketRefused::User(s, _)) if s.as_u16() == 401 => {
            AppError::Unauthenticated
        }
        ReviewRefused::Market(MarketRefused::User(..)) => AppError::Forbidden,
        ReviewRefused::Market(MarketRefused::Internal(incident)) => AppError::Internal { incident },
        _ => AppError::Internal {
            incident: crate::services::incident("review refused"),
        },
    }
}

impl ServerBackend {
    /// Users' names by the audit log's actor text (the id's bytes in upper-case hex).
    pub async fn audit_names(&self) -> Result<std::collections::HashMap<String, String>, AppError> {
        Ok(self
            .core
            .store
            .list_users()
            .await
            .map_err(store_err)?
            .into_iter()
            .map(|u| {
                (
                    u.id.simple().to_string().to_uppercase(),
                    format!("{} ({})", u.display_name, u.username),
                )
            })
            .collect())
    }

    /// One chain entry as the page lists it, its time in the city's zone.
    pub fn audit_line(
        &self,
        r: &crate::audit_chain::ChainRow,
        names: &std::collections::HashMap<String, String>,
    ) -> jieshui_app::model::review::AuditLine {
        jieshui_app::model::review::AuditLine {
            seq: r.seq.parse().unwrap_or(0),
            at: stored_time_local(&r.at, self.core.config.utc_offset),
            actor: names
                .get(&r.actor)
                .cloned()
                .unwrap_or_else(|| r.actor.clone()),
            action: r.action.clone(),
            subject: r.subject.clone(),
            detail: r.detail.clone(),
        }
    }
}

/// A time as SQLite holds it (`YYYY-MM-DD HH:MM:SS[.f]+00:00`) in the city's zone to the second;
/// other text as it is.
pub fn stored_time_local(at: &str, offset: time::UtcOffset) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory]:[offset_minute]"
    );
    let show = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::parse(at, &fmt)
        .ok()
        .and_then(|t| t.to_offset(offset).format(&show).ok())
        .unwrap_or_else(|| at.to_string())
}

impl ServerBackend {
    /// An audit's page data: its sheet, answers and score, and where it stands towards a title.
    async fn audit_view(
        &self,
        actor: &CurrentUser,
        rec: &crate::db::MarketRecord,
        site: &jieshui_app::model::site::SiteDetail,
    ) -> Result<jieshui_app::model::audit::AuditView, AppError> {
        use jieshui_app::domain::fixture::RuleSet;
        use jieshui_app::domain::market::InspectionStatus;
        use jieshui_app::domain::role::Role;
        use jieshui_app::model::audit::{AuditView, FactCorrection};
        let a = services::audits::view(&self.core, rec.clone())
            .await
            .map_err(|r| match r {
                services::market::MarketRefused::Internal(incident) => {
                    AppError::Internal { incident }
                }
                other => AppError::Internal {
                    incident: services::incident(format!("{other:?}")),
                },
            })?;
        let id = rec.inspection.id;
        let sets = services::rules::rule_sets(&self.core).await?;
        let day = self.core.day_of(rec.inspection.started_at);
        let rules = RuleSet::in_force(&sets, day).cloned();
        let store = &self.core.store;
        let recommended = store.recommended_level(id).await.map_err(store_err)?;
        let title = store.title_of_audit(id).await.map_err(store_err)?;
        let corrections = store
            .fact_changes(site.summary.id)
            .await
            .map_err(store_err)?
            .into_iter()
            .filter(|c| c.inspection_id == id)
            .map(|c| FactCorrection {
                fact: c.fact,
                old_value: c.old_value,
                new_value: c.new_value,
            })
            .collect();
        let approved_pass = rec.inspection.status == InspectionStatus::Approved && a.score.passed;
        let covers =
            actor.role == Role::Supervisor && services::review::covers(actor, site.district_id);
        let mut line_ids: std::collections::BTreeMap<String, uuid::Uuid> = a
            .sheet
            .items
            .iter()
            .map(|it| (it.id.clone(), a.line_id(&it.id)))
            .collect();
        for key in [services::audits::FACTS_KEY, services::audits::FIXTURES_KEY] {
            line_ids.insert(key.to_string(), a.line_id(key));
        }
        Ok(AuditView {
            status: rec.inspection.status,
            site_kind: a.site_kind,
            may_recommend: covers && approved_pass && recommended.is_none(),
            may_record_title: actor.role == Role::Admin && approved_pass && title.is_none(),
            sheet: a.sheet,
            draft: a.draft,
            score: a.score,
            photos: a.photos.into_iter().collect(),
            line_ids,
            registry_households: a.registry_households,
            registry_water_m3: a.registry_water_m3,
            rules,
            visit_day: day.to_string(),
            recommended,
            title,
            corrections,
        })
    }
}
