//! Form routes of the registry's admin pages. Plain HTML forms (they work without JavaScript); each
//! answers with a redirect to the page that shows the result (post/redirect/get).

use super::import::{template_csv, MAX_FILE_BYTES};
use crate::pages_util::{app_error_page, msg_code, AdminUser};
use crate::services::sites::{self, SiteRefused, Upload};
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Extension, Form, Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::site::{SiteFields, SiteKind, StatsForm, TitleForm};
use jieshui_app::error::AppError;
use jieshui_app::model::CurrentUser;
use serde::Deserialize;
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
    let upload = match (too_large, bytes) {
        (true, _) => Upload::TooLarge { filename },
        (false, Some(bytes)) if !bytes.is_empty() || !filename.is_empty() => {
            Upload::File { filename, bytes }
        }
        (false, _) => Upload::Missing,
    };
    match sites::stage_import(&state, &actor, upload, default_kind).await {
        Ok(id) => Redirect::to(&format!("/admin/sites/import/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}

/// `POST /admin/sites/import/{id}/commit`: writes a staged file in one transaction. Repeating it
/// (a double tap, a retry after a dropped connection) writes nothing more.
async fn commit(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
) -> Response {
    match sites::commit_import(&state, &actor, id).await {
        Ok(()) => Redirect::to(&format!("/admin/sites/import/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
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
    match sites::set_site_active(&state, &actor, id, active).await {
        Ok(()) => Redirect::to(&format!("/admin/sites/{id}")).into_response(),
        Err(e) => app_error_page(e),
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

/// A refusal that names a field goes back to the form (`base`, with `key` for the message);
/// anything else is a status page.
fn back_to_form(base: &str, key: &str, anchor: &str, e: AppError) -> Response {
    match (e.field(), &e) {
        (Some(field), AppError::Invalid { msg, .. } | AppError::Conflict { msg, .. }) => {
            Redirect::to(&format!(
                "{base}?{key}={}&field={field}{anchor}",
                msg_code(*msg)
            ))
            .into_response()
        }
        _ => app_error_page(e),
    }
}

/// `POST /admin/sites/{id}/titles`.
async fn add_title(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
    Form(f): Form<TitleForm>,
) -> Response {
    match sites::add_title(&state, &actor, id, &f).await {
        Ok(()) => Redirect::to(&format!("/admin/sites/{id}?title_added=1#titles")).into_response(),
        Err(e) => back_to_form(&format!("/admin/sites/{id}"), "title_error", "#titles", e),
    }
}

/// `POST /admin/sites/stats`: sets one year's denominators, each with its source.
async fn save_stats(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Form(f): Form<StatsForm>,
) -> Response {
    match sites::save_stats(&state, &actor, &f).await {
        Ok(year) => Redirect::to(&format!("/admin/sites/stats?saved={year}")).into_response(),
        Err(e) => back_to_form("/admin/sites/stats", "error", "", e),
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

/// Saves one site from the form; a refusal goes back to the form with what was typed and every
/// problem, so nothing has to be typed twice.
async fn save_site(
    state: AppState,
    actor: CurrentUser,
    id: Option<Uuid>,
    mut f: SiteFields,
) -> Response {
    match sites::save_site(&state, &actor, id, &mut f).await {
        Ok(site) => Redirect::to(&format!("/admin/sites/{site}?saved=1")).into_response(),
        Err(SiteRefused::Problems(problems)) => {
            let list: Vec<String> = problems
                .iter()
                .map(|(field, m)| format!("{field}:{}", msg_code(*m)))
                .collect();
            let form = serde_urlencoded::to_string(&f).unwrap_or_default();
            let base = match id {
                Some(id) => format!("/admin/sites/{id}/edit"),
                None => "/admin/sites/new".to_string(),
            };
            Redirect::to(&format!(
                "{base}?{form}&problems={}",
                crate::pages_util::urlencode(&list.join(";"))
            ))
            .into_response()
        }
        Err(SiteRefused::Other(e)) => app_error_page(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jieshui_app::i18n::Msg;

    #[test]
    fn message_codes_are_variant_names() {
        assert_eq!(msg_code(Msg::DateInvalid), "DateInvalid");
    }
}
