//! The market spot check's JSON routes. `POST /api/verdict` is a public contract (other city systems
//! and scripts use it, and so does the phone): its names and shapes stay as the README documents.

use crate::services::rules::{judge, line_facts, NotJudged};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::fixture::{BadFact, Reason};
use jieshui_app::error::AppError;
use jieshui_app::i18n::{Lang, Msg};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/verdict", post(verdict))
}

fn said(r: &Reason, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &r.zh,
        Lang::En => &r.en,
    }
}

fn refuse_fact(b: &BadFact, lang: Lang) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "field": b.field, "error": said(&b.reason, lang) })),
    )
        .into_response()
}

/// `POST /api/verdict` (any signed-in user): `{category, label_present, grade, figure, figure2,
/// phased_out, date}` → `{verdict, reason, rules_version}`, the reason in the user's language; a
/// field that cannot be judged → 422 `{field, error}`.
async fn verdict(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    body: Bytes,
) -> Response {
    let lang = info.lang;
    if info.user.is_none() {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": Msg::NotSignedIn.text(lang) })),
        )
            .into_response();
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return refuse_fact(
            &BadFact {
                field: "body",
                reason: Reason {
                    zh: "请求应为 JSON 对象。".into(),
                    en: "The request must be a JSON object.".into(),
                },
            },
            lang,
        );
    };
    let facts = match line_facts(&value) {
        Ok(f) => f,
        Err(b) => return refuse_fact(&b, lang),
    };
    match judge(&state, &facts).await {
        Ok(j) => Json(json!({
            "verdict": j.verdict.as_str(),
            "reason": said(&j.reason, lang),
            "rules_version": j.rules_version,
        }))
        .into_response(),
        Err(NotJudged::Fact(b)) => refuse_fact(&b, lang),
        Err(NotJudged::NoRules(day)) => refuse_fact(
            &BadFact {
                field: "date",
                reason: Reason {
                    zh: format!("{day} 没有生效的判定规则。"),
                    en: format!("No rules were in force on {day}."),
                },
            },
            lang,
        ),
        Err(NotJudged::Server(e)) => {
            let incident = match e {
                AppError::Internal { incident } => incident,
                other => crate::services::incident(other.message(lang)),
            };
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "error": "internal error", "incident": incident })),
            )
                .into_response()
        }
    }
}
