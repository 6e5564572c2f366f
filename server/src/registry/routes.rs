//! Form routes of the registry's admin pages. Plain HTML forms (they work without JavaScript); each
//! answers with a redirect to the page that shows the result (post/redirect/get).

use super::import::{check_table, read_table, template_csv, FileError, MAX_FILE_BYTES};
use crate::db::{AuditEntry, CommitOutcome, NewBatch, ReflagScope, ResolvedSite};
use crate::evidence::reflag::reflag;
use crate::pages_util::{internal_page as internal, msg_code, AdminUser};
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Extension, Form, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::site::{check_site, parse_date, SiteFields, SiteKind};
use jieshui_app::i18n::Msg;
use jieshui_app::model::site::{RowProblem, Title, TitleLevel, YearlyStats};
use jieshui_app::model::CurrentUser;
use serde::Deserialize;
use std::collections::HashSet;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/sites/import",
            post(upload).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/admin/sites/import/{id}/commit", post(commit))
        .route("/admin/sites/template.csv", get(template))
        .route("/admin/sites/{id}/close", post(close))
        .route("/admin/sites/{id}/reopen", post(reopen))
        .route("/admin/sites/{id}/titles", post(add_title))
        .route("/admin/sites/stats", post(save_stats))
        .route("/admin/sites/new", post(create_site))
        .route("/admin/sites/{id}/edit", post(edit_site))
}

fn file_problem(msg: Msg) -> Vec<RowProblem> {
    vec![RowProblem {
        row: 0,
        column: String::new(),
        msg,
    }]
}

/// `POST /admin/sites/import` (multipart: `file`, optional `default_kind`): checks the whole file and
/// stages it; nothing reaches the registry until the preview is confirmed.
async fn upload(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    mut mp: Multipart,
) -> Response {
    let mut filename = String::new();
    let mut bytes: Option<Vec<u8>> = None;
    let mut default_kind: Option<SiteKind> = None;
    let mut too_large = false;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => {
                    filename = field.file_name().unwrap_or("").chars().take(200).collect();
                    match field.bytes().await {
                        Ok(b) => bytes = Some(b.to_vec()),
                        Err(_) => too_large = true,
                    }
                }
                Some("default_kind") => {
                    default_kind = field.text().await.ok().and_then(|t| t.parse().ok())
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                too_large = true;
                break;
            }
        }
    }
    let bytes = bytes.filter(|b| !b.is_empty() || !filename.is_empty());
    let checked: Result<Vec<ResolvedSite>, Vec<RowProblem>> = match (too_large, bytes) {
        (true, _) => Err(file_problem(Msg::FileTooLarge)),
        (false, None) => Err(file_problem(Msg::NoFileChosen)),
        (false, Some(bytes)) => {
            let districts = match state.store.list_districts().await {
                Ok(d) => d,
                Err(e) => return internal(e),
            };
            let venues: HashSet<String> = match state.store.site_codes().await {
                Ok(c) => c
                    .into_iter()
                    .filter(|(k, _)| k == "venue")
                    .map(|(_, c)| c)
                    .collect(),
                Err(e) => return internal(e),
            };
            let name = filename.clone();
            // Parsing and checking 10,000 rows is CPU work: keep it off the async runtime.
            let job = tokio::task::spawn_blocking(move || match read_table(&bytes, &name) {
                Ok(table) => check_table(&table, default_kind, &districts, &venues),
                Err(FileError::TooLarge) => Err(file_problem(Msg::FileTooLarge)),
                Err(FileError::Empty) => Err(file_problem(Msg::FileEmpty)),
                Err(FileError::Unreadable) => Err(file_problem(Msg::FileUnreadable)),
            });
            match job.await {
                Ok(r) => r,
                Err(e) => return internal(e),
            }
        }
    };
    let (status, row_count, payload) = match &checked {
        Ok(rows) => ("ready", rows.len() as i64, serde_json::to_string(rows)),
        Err(problems) => ("invalid", 0, serde_json::to_string(problems)),
    };
    let payload = match payload {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    let id = Uuid::now_v7();
    let batch = NewBatch {
        id,
        created_by: actor.id,
        filename,
        row_count,
        status,
        payload,
    };
    if let Err(e) = state.store.insert_batch(&batch).await {
        return internal(e);
    }
    Redirect::to(&format!("/admin/sites/import/{id}")).into_response()
}

/// `POST /admin/sites/import/{id}/commit`: writes a staged file in one transaction. Repeating it
/// (a double tap, a retry after a dropped connection) writes nothing more.
async fn commit(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
) -> Response {
    let batch = match state.store.batch(id).await {
        Ok(Some(b)) => b,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return internal(e),
    };
    if batch.status == "ready" {
        let rows: Vec<ResolvedSite> = match serde_json::from_str(&batch.payload) {
            Ok(r) => r,
            Err(e) => return internal(e),
        };
        let audit = AuditEntry {
            actor_id: Some(actor.id),
            action: "sites_import",
            subject: id.to_string(),
            detail: serde_json::json!({}),
        };
        match state.store.commit_batch(id, &rows, &audit).await {
            Ok(CommitOutcome::Committed { moved, .. }) => {
                // The photos at sites that moved get their distance flags again, after the answer:
                // an import of thousands of rows does not wait for it.
                if !moved.is_empty() {
                    let state = state.clone();
                    tokio::spawn(async move {
                        for site in moved {
                            refresh_flags(&state, &ReflagScope::Site(site)).await;
                        }
                    });
                }
            }
            Ok(CommitOutcome::AlreadyCommitted | CommitOutcome::NotReady) => {}
            Err(e) => return internal(e),
        }
    }
    Redirect::to(&format!("/admin/sites/import/{id}")).into_response()
}

#[derive(Deserialize)]
struct KindQuery {
    #[serde(default)]
    kind: String,
}

/// `GET /admin/sites/template.csv?kind=community`: an empty sheet with the right columns.
async fn template(
    _admin: AdminUser,
    Extension(info): Extension<RequestInfo>,
    Query(q): Query<KindQuery>,
) -> Response {
    let kind: SiteKind = q.kind.parse().unwrap_or(SiteKind::Shop);
    let body = template_csv(kind, info.lang);
    let disposition = format!("attachment; filename=\"jieshui-{}.csv\"", kind.as_str());
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

async fn set_active(state: AppState, actor: CurrentUser, id: Uuid, active: bool) -> Response {
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: if active { "site_reopen" } else { "site_close" },
        subject: id.to_string(),
        detail: serde_json::json!({}),
    };
    match state
        .store
        .set_site_active(id, active, state.clock.now(), &audit)
        .await
    {
        Ok(true) => Redirect::to(&format!("/admin/sites/{id}")).into_response(),
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => internal(e),
    }
}

async fn close(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
) -> Response {
    set_active(state, actor, id, false).await
}

async fn reopen(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
) -> Response {
    set_active(state, actor, id, true).await
}

/// The raw text of a title form.
#[derive(Deserialize)]
pub struct TitleForm {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub awarded_on: String,
    #[serde(default)]
    pub document_no: String,
    #[serde(default)]
    pub valid_until: String,
}

/// Checks a title form; the error names the field and says what is wrong.
pub fn check_title(f: &TitleForm) -> Result<Title, (&'static str, Msg)> {
    let level = TitleLevel::parse(&f.level).ok_or(("level", Msg::TitleLevelUnknown))?;
    let awarded_on = parse_date(&f.awarded_on).ok_or(("awarded_on", Msg::DateInvalid))?;
    let document_no = f.document_no.trim().to_string();
    if document_no.is_empty() {
        return Err(("document_no", Msg::DocumentNoRequired));
    }
    if document_no.chars().count() > 100 {
        return Err(("document_no", Msg::TooLong));
    }
    let valid_until = match f.valid_until.trim() {
        "" => None,
        s => Some(parse_date(s).ok_or(("valid_until", Msg::DateInvalid))?),
    };
    if valid_until.as_ref().is_some_and(|v| *v < awarded_on) {
        return Err(("valid_until", Msg::ValidUntilBeforeAward));
    }
    Ok(Title {
        id: Uuid::now_v7(),
        level,
        awarded_on,
        document_no,
        valid_until,
    })
}

/// `POST /admin/sites/{id}/titles`.
async fn add_title(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
    Form(f): Form<TitleForm>,
) -> Response {
    let title = match check_title(&f) {
        Ok(t) => t,
        Err((field, msg)) => {
            return Redirect::to(&format!(
                "/admin/sites/{id}?title_error={}&field={field}#titles",
                msg_code(msg)
            ))
            .into_response()
        }
    };
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "site_title_add",
        subject: id.to_string(),
        detail: serde_json::json!({ "level": title.level.as_str(), "document_no": title.document_no }),
    };
    match state.store.add_title(id, &title, &audit).await {
        Ok(true) => {
            Redirect::to(&format!("/admin/sites/{id}?title_added=1#titles")).into_response()
        }
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct StatsForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    urban_households: String,
    #[serde(default)]
    urban_households_source: String,
    #[serde(default)]
    nonres_water_m3: String,
    #[serde(default)]
    nonres_water_source: String,
    #[serde(default)]
    industrial_water_m3: String,
    #[serde(default)]
    industrial_water_source: String,
}

fn figure<T: std::str::FromStr + PartialOrd + Default>(
    s: &str,
    source: &str,
    field: &'static str,
) -> Result<Option<T>, (&'static str, Msg)> {
    let s = s.trim().replace([',', '，'], "");
    if s.is_empty() {
        return Ok(None);
    }
    let v: T = s.parse().map_err(|_| (field, Msg::FigureInvalid))?;
    if v < T::default() {
        return Err((field, Msg::FigureInvalid));
    }
    if source.trim().is_empty() {
        return Err((field, Msg::SourceRequired));
    }
    Ok(Some(v))
}

fn check_stats(f: &StatsForm) -> Result<YearlyStats, (&'static str, Msg)> {
    let year: i32 = f
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or(("year", Msg::YearInvalid))?;
    Ok(YearlyStats {
        year,
        urban_households: figure::<i64>(
            &f.urban_households,
            &f.urban_households_source,
            "urban_households",
        )?,
        urban_households_source: f.urban_households_source.trim().to_string(),
        nonres_water_m3: figure::<f64>(
            &f.nonres_water_m3,
            &f.nonres_water_source,
            "nonres_water_m3",
        )?,
        nonres_water_source: f.nonres_water_source.trim().to_string(),
        industrial_water_m3: figure::<f64>(
            &f.industrial_water_m3,
            &f.industrial_water_source,
            "industrial_water_m3",
        )?,
        industrial_water_source: f.industrial_water_source.trim().to_string(),
    })
}

/// `POST /admin/sites/stats`: sets one year's denominators, each with its source.
async fn save_stats(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Form(f): Form<StatsForm>,
) -> Response {
    let stats = match check_stats(&f) {
        Ok(s) => s,
        Err((field, msg)) => {
            return Redirect::to(&format!(
                "/admin/sites/stats?error={}&field={field}",
                msg_code(msg)
            ))
            .into_response()
        }
    };
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "yearly_stats_set",
        subject: stats.year.to_string(),
        detail: serde_json::to_value(&stats).unwrap_or_default(),
    };
    match state.store.upsert_stats(&stats, &audit).await {
        Ok(()) => Redirect::to(&format!("/admin/sites/stats?saved={}", stats.year)).into_response(),
        Err(e) => internal(e),
    }
}

async fn create_site(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Form(f): Form<SiteFields>,
) -> Response {
    save_site(state, actor, None, f).await
}

async fn edit_site(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
    Form(f): Form<SiteFields>,
) -> Response {
    save_site(state, actor, Some(id), f).await
}

/// Checks one site from the form and saves it; a refusal goes back to the form with what was typed
/// and every problem, so nothing has to be typed twice.
async fn save_site(
    state: AppState,
    actor: CurrentUser,
    id: Option<Uuid>,
    mut f: SiteFields,
) -> Response {
    if id.is_none() && f.external_code.trim().is_empty() {
        // Sites entered by hand need a stable code too, so a later spreadsheet can update them.
        // The random part of a UUIDv7, not its millisecond clock: two sites made in the same
        // millisecond would share the first twelve digits.
        let hex = Uuid::now_v7().simple().to_string();
        f.external_code = format!("M{}", &hex[hex.len() - 12..]).to_uppercase();
    }
    let districts = match state.store.list_districts().await {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    let codes = match state.store.site_codes().await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let d = f.district.trim();
    let district_id = districts
        .iter()
        .find(|x| x.code == d || x.name == d || x.id.to_string() == d)
        .map(|x| x.id);
    let mut problems: Vec<(&'static str, Msg)> = Vec::new();
    if district_id.is_none() && !d.is_empty() {
        problems.push(("district", Msg::DistrictUnknown));
    }
    let checked = check_site(&f);
    if let Err(ps) = &checked {
        problems.extend(ps.iter().map(|p| (p.field, p.msg)));
    }
    let parent = f.parent_code.trim();
    if !parent.is_empty() && !codes.contains(&("venue".to_string(), parent.to_string())) {
        problems.push(("parent_code", Msg::ParentUnknown));
    }
    let back = |problems: &[(&str, Msg)], f: &SiteFields| -> Response {
        let list: Vec<String> = problems
            .iter()
            .map(|(field, m)| format!("{field}:{}", msg_code(*m)))
            .collect();
        let form = serde_urlencoded::to_string(f).unwrap_or_default();
        let base = match id {
            Some(id) => format!("/admin/sites/{id}/edit"),
            None => "/admin/sites/new".to_string(),
        };
        Redirect::to(&format!(
            "{base}?{form}&problems={}",
            crate::pages_util::urlencode(&list.join(";"))
        ))
        .into_response()
    };
    let (Ok(input), Some(district_id), true) = (checked, district_id, problems.is_empty()) else {
        return back(&problems, &f);
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
    match state
        .store
        .save_site(id, &ResolvedSite { input, district_id }, &audit)
        .await
    {
        Ok(Some(site)) => {
            if id.is_some() {
                // The position or geofence may have changed: its photos' distance flags follow.
                refresh_flags(&state, &ReflagScope::Site(site)).await;
            }
            Redirect::to(&format!("/admin/sites/{site}?saved=1")).into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(crate::db::StoreError::Unique(_)) => {
            back(&[("external_code", Msg::ExternalCodeTaken)], &f)
        }
        Err(e) => internal(e),
    }
}

/// Recomputes photo flags after a site change. The change itself is saved already; a failure here
/// is logged and leaves the old flags, which the next change recomputes.
async fn refresh_flags(state: &AppState, scope: &ReflagScope) {
    if let Err(e) = reflag(&*state.store, &state.config.flag_policy, scope).await {
        tracing::error!(error = %e, ?scope, "photo flags not recomputed after a site change");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tf(level: &str, a: &str, d: &str, v: &str) -> TitleForm {
        TitleForm {
            level: level.into(),
            awarded_on: a.into(),
            document_no: d.into(),
            valid_until: v.into(),
        }
    }

    #[test]
    fn titles_are_checked_field_by_field() {
        assert!(check_title(&tf("provincial", "2022-06-30", "鲁节水办〔2022〕3号", "")).is_ok());
        assert_eq!(
            check_title(&tf("county", "2022-06-30", "x", ""))
                .err()
                .map(|e| e.0),
            Some("level")
        );
        assert_eq!(
            check_title(&tf("city", "2022-02-30", "x", ""))
                .err()
                .map(|e| e.0),
            Some("awarded_on")
        );
        assert_eq!(
            check_title(&tf("city", "2022-06-30", " ", ""))
                .err()
                .map(|e| e.0),
            Some("document_no")
        );
        assert_eq!(
            check_title(&tf("city", "2022-06-30", "x", "2021-01-01")).err(),
            Some(("valid_until", Msg::ValidUntilBeforeAward))
        );
    }

    #[test]
    fn stats_need_sources_for_their_figures() {
        let f = StatsForm {
            year: "2024".into(),
            urban_households: "412,000".into(),
            urban_households_source: "".into(),
            nonres_water_m3: "".into(),
            nonres_water_source: "".into(),
            industrial_water_m3: "".into(),
            industrial_water_source: "".into(),
        };
        assert_eq!(
            check_stats(&f).err(),
            Some(("urban_households", Msg::SourceRequired))
        );
        let f = StatsForm {
            urban_households_source: "2024 年统计年鉴".into(),
            ..f
        };
        assert_eq!(
            check_stats(&f).map(|s| s.urban_households).ok(),
            Some(Some(412_000))
        );
        let f = StatsForm {
            year: "1999".into(),
            ..f
        };
        assert_eq!(check_stats(&f).err().map(|e| e.0), Some("year"));
    }

    #[test]
    fn message_codes_are_variant_names() {
        assert_eq!(msg_code(Msg::DateInvalid), "DateInvalid");
    }
}
