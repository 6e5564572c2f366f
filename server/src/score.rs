//! `GET /api/score-sheets?kind=`: the audit score sheet in force today for a kind of site (a
//! public contract, documented in the README). Points are numbers of points (90.5), not tenths.

use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::score::{Direction, ScoreSheet, Scoring, Tenths};
use jieshui_app::domain::site::SiteKind;
use jieshui_app::i18n::Msg;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/score-sheets", get(get_sheet))
        .route("/checks/{id}/recommend", post(recommend_form))
        .route("/checks/{id}/title", post(title_form))
        .route("/admin/rules/sheets/{kind}", post(sheet_form))
}

/// `POST /admin/rules/sheets/{kind}` (admin, the sheet page's form): a new version of the kind's
/// sheet from the latest and the form. Saved → the sheet page with the new version; refused → the
/// form again with what was typed and the field at fault.
async fn sheet_form(
    State(state): State<AppState>,
    crate::pages_util::AdminUser(actor): crate::pages_util::AdminUser,
    Path(kind): Path<String>,
    axum::extract::Form(form): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    use crate::services::rules::NewVersionRefused;
    let Ok(site_kind) = kind.parse::<SiteKind>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let form: jieshui_app::domain::score::SheetForm = form.into_iter().take(2000).collect();
    let k = site_kind.as_str();
    match crate::services::score::new_version(&state, &actor, site_kind, &form).await {
        Ok(v) => axum::response::Redirect::to(&format!("/admin/rules/sheets?kind={k}&created={v}"))
            .into_response(),
        Err(NewVersionRefused::Field(f)) => {
            let mut pairs: Vec<(&String, &String)> = form.iter().collect();
            pairs.sort();
            let typed = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            axum::response::Redirect::to(&format!(
                "/admin/rules/sheets?kind={k}&{typed}&problem={}",
                crate::pages_util::urlencode(&f.field)
            ))
            .into_response()
        }
        Err(NewVersionRefused::Server(e)) => crate::pages_util::app_error_page(e),
    }
}

/// After a refused form: back to the audit's page with the reason, at the form.
fn back(id: &str, m: Msg, anchor: &str) -> Response {
    axum::response::Redirect::to(&format!(
        "/checks/{}?refused={}#{anchor}",
        crate::pages_util::urlencode(id),
        crate::pages_util::msg_code(m)
    ))
    .into_response()
}

#[derive(serde::Deserialize)]
struct LevelForm {
    #[serde(default)]
    level: String,
}

/// `POST /checks/{id}/recommend` (a supervisor covering the site): an approved, passing audit
/// recommended for a title at a level.
async fn recommend_form(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<LevelForm>,
) -> Response {
    use crate::services::market::MarketRefused;
    use crate::services::review::{recommend, refusal_msg, ReviewRefused};
    match recommend(&state, info.user.as_ref(), &id, &form.level).await {
        Ok(_) => axum::response::Redirect::to(&format!(
            "/checks/{}#title",
            crate::pages_util::urlencode(&id)
        ))
        .into_response(),
        Err(ReviewRefused::Market(MarketRefused::Internal(i))) => {
            crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &i)
        }
        Err(ReviewRefused::Market(MarketRefused::User(s, _))) if s == StatusCode::NOT_FOUND => {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(r) => back(&id, refusal_msg(&r), "title"),
    }
}

/// `POST /checks/{id}/title` (an administrator): the title awarded on an approved, passing audit,
/// recorded in the registry linked to it.
async fn title_form(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<jieshui_app::domain::site::TitleForm>,
) -> Response {
    use crate::services::audits::{record_title, TitleRefused};
    match record_title(&state, info.user.as_ref(), &id, &form).await {
        Ok(_) => axum::response::Redirect::to(&format!(
            "/checks/{}?titled=1#title",
            crate::pages_util::urlencode(&id)
        ))
        .into_response(),
        Err(TitleRefused::Internal(i)) => {
            crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &i)
        }
        Err(TitleRefused::User(s, _)) if s == StatusCode::NOT_FOUND => {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(TitleRefused::User(_, m)) | Err(TitleRefused::Field(_, m)) => back(&id, m, "title"),
    }
}

#[derive(serde::Deserialize, Default)]
struct KindQuery {
    kind: Option<String>,
}

fn points(t: Tenths) -> f64 {
    f64::from(t) / 10.0
}

/// A sheet as the contract gives it.
pub fn sheet_json(s: &ScoreSheet) -> Value {
    json!({
        "kind": s.kind.as_str(),
        "version": s.version,
        "effective_from": s.effective_from.to_string(),
        "source": s.source,
        "pass_mark": points(s.pass_mark),
        "max": points(s.max()),
        "groups": s.groups.iter().map(|g| json!({
            "id": g.id, "name_zh": g.name_zh, "name_en": g.name_en,
        })).collect::<Vec<_>>(),
        "items": s.items.iter().map(|i| json!({
            "id": i.id,
            "group": i.group,
            "requirement_zh": i.requirement_zh,
            "requirement_en": i.requirement_en,
            "max": points(i.max),
            "scoring": match &i.scoring {
                Scoring::Points => json!({ "type": "points" }),
                Scoring::PassFail => json!({ "type": "pass_fail" }),
                Scoring::Measured { target, direction, deduct, floor, unit } => json!({
                    "type": "measured",
                    "target": target,
                    "direction": match direction {
                        Direction::AtLeast => "at_least",
                        Direction::AtMost => "at_most",
                    },
                    "deduct_per_unit": points(*deduct),
                    "floor": floor,
                    "unit": unit,
                }),
            },
            "may_be_na": i.may_be_na,
            "photos": i.photos,
        })).collect::<Vec<_>>(),
    })
}

/// Signed in: the sheet in force on the city's today for `kind` (community, unit, enterprise,
/// public_building). Another kind, or none: 422 `{field: "kind"}`; no version in force yet: 404.
async fn get_sheet(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    q: Result<Query<KindQuery>, QueryRejection>,
) -> Response {
    if info.user.is_none() {
        return crate::pages_util::json_refusal(
            StatusCode::UNAUTHORIZED,
            Msg::NotSignedIn,
            info.lang,
        );
    }
    let kind = q
        .ok()
        .and_then(|Query(q)| q.kind)
        .and_then(|k| k.trim().parse::<SiteKind>().ok())
        .filter(|k| ScoreSheet::seed(*k).is_some());
    let Some(kind) = kind else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "field": "kind", "error": Msg::BadRequest.text(info.lang) })),
        )
            .into_response();
    };
    match crate::services::score::in_force(&state, kind, state.today()).await {
        Ok(Some(s)) => Json(sheet_json(&s)).into_response(),
        Ok(None) => {
            crate::pages_util::json_refusal(StatusCode::NOT_FOUND, Msg::NotFound, info.lang)
        }
        Err(jieshui_app::error::AppError::Internal { incident }) => {
            crate::pages_util::json_internal(&incident)
        }
        Err(e) => crate::pages_util::json_internal(&crate::services::incident(e)),
    }
}
