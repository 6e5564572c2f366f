//! Inspector: one check at a site. Photos are taken here; each uploads on its own with its progress,
//! retries by itself after a dropped connection (same id, so never twice), and links to its evidence.
//!
//! The page has no island: while the check is open to its inspector, its script is `visit.js` with
//! the domain module built from `src/phone.rs` (see README, "Bundle budget"), started from the data
//! this page embeds. Everything else is server-rendered HTML.

use crate::api::get_inspection;
use crate::components::error_view;
use crate::components::Layout;
use crate::ctx::PageCtx;
use crate::domain::market::Outcome;
use crate::domain::role::Section;
use crate::i18n::{Lang, Msg};
use crate::model::evidence::InspectionView;
use crate::pages::visit::{outcome_text, verdict_text, RecordedVisit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InspectionPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    // Any signed-in role may ask; the server decides per check who sees it (others: not found).
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let path = format!("/checks/{id}");
    // A refused decision comes back here with its reason.
    let refused = crate::components::status::msg_from_query(
        leptos_router::hooks::use_query_map()
            .get_untracked()
            .get("refused"),
    );
    let titled = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("titled")
        .is_some();
    let data = AsyncDerived::new(move || get_inspection(id.clone()));
    view! {
        <Layout current=Some(Section::Checks) path=path>
            <Title text=Msg::InspectionTitle.text(lang) />
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(i) => {
                        use crate::domain::review::Action;
                        use crate::pages::review_panel::{DecisionForms, EvidenceCheck, History, OrderCard, ReturnedNote};
                        let review = i.review.clone();
                        // The comments of the last return, beside their lines (the inspector's
                        // fixes, and on a resubmission what the supervisor asked for).
                        let comments = review
                            .as_ref()
                            .and_then(|r| r.history.iter().rev().find(|e| e.action == Action::Return))
                            .map(|e| e.line_comments.clone())
                            .unwrap_or_default();
                        let deciding = review.as_ref().is_some_and(|r| r.may_decide);
                        // A market check still open to its inspector: the server's record is shown
                        // until the page's script takes over with the editor.
                        let market = i.market.clone().map(|m| {
                            if i.editable {
                                view! { <div id="visit" class="stack visit"><RecordedVisit lang visit=m comments /></div> }.into_any()
                            } else {
                                view! { <RecordedVisit lang visit=m comments comment_fields=deciding /> }.into_any()
                            }
                        });
                        // An audit: its sheet and score; the editor while it is open to its auditor.
                        let audit = i.audit.clone().map(|a| {
                            use crate::pages::audit_sheet::RecordedAudit;
                            if i.editable {
                                view! { <div id="audit" class="stack visit"><RecordedAudit lang audit=a /></div> }.into_any()
                            } else {
                                view! { <RecordedAudit lang audit=a /> }.into_any()
                            }
                        });
                        let title = i.audit.clone().map(|a| view! {
                            <crate::pages::audit_sheet::TitleSection lang id=i.id audit=a refused titled />
                        }.into_any());
                        let src = if i.audit.is_some() { "/pkg/audit.js" } else { "/pkg/visit.js" };
                        let script = i.editable.then(|| view! { <PhoneScript data=phone_data(&i, lang) src /> }.into_any());
                        let returned = review.as_ref().and_then(|r| r.returned.clone())
                            .map(|entry| view! { <ReturnedNote lang entry /> }.into_any());
                        let reinspects = review.as_ref().and_then(|r| r.reinspects.clone())
                            .map(|order| view! { <OrderCard lang order title=Msg::ReinspectionOf /> }.into_any());
                        let evidence = review.as_ref().filter(|_| !i.editable)
                            .map(|r| view! { <EvidenceCheck lang start=r.start photos=r.photos.clone() /> }.into_any());
                        let decide = review.as_ref().filter(|r| r.may_decide || r.may_correct).map(|r| {
                            let (outcome, by) = i.market.as_ref()
                                .map(|m| (m.draft.outcome, m.draft.rectify_by.map(|d| d.to_string())))
                                .unwrap_or((None, None));
                            view! { <DecisionForms lang id=i.id panel=r.clone() outcome rectify_by=by refused /> }.into_any()
                        });
                        let order = review.as_ref().and_then(|r| r.order.clone())
                            .map(|order| view! { <OrderCard lang order title=Msg::RectificationOrder /> }.into_any());
                        let history = review.as_ref()
                            .map(|r| view! { <History lang id=i.id history=r.history.clone() audit=r.audit.clone() /> }.into_any());
                        let show_grid = i.editable || review.is_none();
                        view! {
                        <h1>{i.site_name.clone()}</h1>
                        <p class="muted small">{i.site_address.clone()} " · " {Msg::StartedAt.text(lang)} " " {i.started_at.clone()}</p>
                        {returned}
                        {reinspects}
                        {evidence}
                        {show_grid.then(|| view! {
                        <section class="card stack" aria-labelledby="capture-h">
                            <h2 id="capture-h">{if i.market.is_some() { Msg::ShopFrontPhotos.text(lang) } else { Msg::PhotosTitle.text(lang) }}</h2>
                            {i.editable.then(|| view! { <div id="capture" class="capture"></div> })}
                            {if i.photos.is_empty() {
                                view! { <p class="muted no-photos">{Msg::NoPhotos.text(lang)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="photo-grid" aria-label=Msg::PhotosTitle.text(lang)>
                                        {i.photos.iter().map(|p| view! {
                                            <li>
                                                <crate::pages::review_panel::PhotoLink lang id=p.id preview=p.preview />
                                                {(p.flags > 0).then(|| view! {
                                                    <span class="tag tag-warn">{p.flags} " " {Msg::FlagsCount.text(lang)}</span>
                                                })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                        }.into_any())}
                        {market}
                        {audit}
                        {decide}
                        {title}
                        {order}
                        {history}
                        {script}
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}

/// The page's script and what it starts from. The data is JSON in a non-executed script element
/// (`<` escaped, so no text in it can close the element); the script carries this response's nonce.
#[component]
fn PhoneScript(data: String, src: &'static str) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <script type="application/json" id="visit-data" inner_html=data></script>
        <script type="module" src=src nonce=nonce></script>
    }
}

/// The words the page's script shows, by key, in `lang`.
const PHONE_TEXTS: &[(&str, Msg)] = &[
    ("take_photo", Msg::TakePhoto),
    ("preparing_photo", Msg::PreparingPhoto),
    ("uploading_photo", Msg::UploadingPhoto),
    ("uploaded_photo", Msg::UploadedPhoto),
    ("upload_failed", Msg::UploadFailed),
    ("retrying_upload", Msg::RetryingUpload),
    ("upload_stalled", Msg::UploadStalled),
    ("tap_to_retry", Msg::TapToRetry),
    ("locating", Msg::Locating),
    ("bad_request", Msg::BadRequest),
    ("draft_saved", Msg::DraftSaved),
    ("draft_saving", Msg::DraftSaving),
    ("draft_on_phone", Msg::DraftOnPhone),
    ("lines_waiting", Msg::LinesWaiting),
    ("photos_waiting", Msg::PhotosWaiting),
    ("draft_merged", Msg::DraftMerged),
    ("product_lines", Msg::ProductLines),
    ("add_line", Msg::AddLine),
    ("edit_line", Msg::EditLine),
    ("done_editing", Msg::DoneEditing),
    ("brand", Msg::Brand),
    ("model", Msg::Model),
    ("manufacturer", Msg::Manufacturer),
    ("label_present", Msg::LabelPresent),
    ("grade_shown", Msg::GradeShown),
    ("quantity_on_display", Msg::QuantityOnDisplay),
    ("phased_out_type", Msg::PhasedOutType),
    ("filing_no", Msg::FilingNo),
    ("scan_filing_no", Msg::ScanFilingNo),
    ("line_note", Msg::LineNote),
    ("line_photo", Msg::LinePhoto),
    ("line_photos_saved", Msg::LinePhotosSaved),
    ("remove_line", Msg::RemoveLine),
    ("confirm_remove_line", Msg::ConfirmRemoveLine),
    ("not_a_number", Msg::NotANumber),
    ("no_rules_in_force", Msg::NoRulesInForce),
    ("outcome_title", Msg::OutcomeTitle),
    ("suggested_outcome", Msg::SuggestedOutcome),
    ("confirm_outcome", Msg::ConfirmOutcome),
    ("rectify_by", Msg::RectifyBy),
    ("outcome_note", Msg::OutcomeNote),
    ("submit_check", Msg::SubmitCheck),
    ("submit_needs_connection", Msg::SubmitNeedsConnection),
    ("supervisor_says", Msg::SupervisorSays),
    ("score_sheet", Msg::ScoreSheetTitle),
    ("sheet_version", Msg::SheetVersion),
    ("total_score", Msg::TotalScore),
    ("normalised_score", Msg::NormalisedScore),
    ("pass_mark", Msg::PassMark),
    ("audit_passed", Msg::AuditPassed),
    ("audit_failed", Msg::AuditFailed),
    ("not_applicable", Msg::NotApplicable),
    ("item_met", Msg::ItemMet),
    ("item_not_met", Msg::ItemNotMet),
    ("points_of", Msg::PointsOf),
    ("measured_value", Msg::MeasuredValue),
    ("target", Msg::Target),
    ("item_note", Msg::ItemNote),
    ("item_photos", Msg::ItemPhotos),
    ("needs_evidence", Msg::NeedsEvidence),
    ("unanswered", Msg::Unanswered),
    ("fixture_counts", Msg::FixtureCounts),
    ("fixtures_installed", Msg::FixturesInstalled),
    ("fixtures_saving", Msg::FixturesSaving),
    ("fixture_rate", Msg::FixtureRate),
    ("add_fixture_count", Msg::AddFixtureCount),
    ("count_from_label", Msg::CountFromLabel),
    ("count_judged", Msg::CountJudged),
    ("remove_count", Msg::RemoveCount),
    ("site_facts", Msg::SiteFacts),
    ("households_found", Msg::HouseholdsFound),
    ("water_use_found", Msg::WaterUseFound),
    ("registry_has", Msg::RegistryHas),
    ("fact_photo", Msg::FactPhoto),
    ("submit_audit", Msg::SubmitAudit),
    ("full_marks", Msg::FullMarks),
    ("audit_incomplete", Msg::AuditIncomplete),
    ("water_use_photo_needed", Msg::WaterUsePhotoNeeded),
];

/// What `visit.js` starts from: the check's id, the photo settings, the words, and for a market
/// check its draft (the deadline as `YYYY-MM-DD`, as the draft contract writes it), the rules in
/// force on the visit's day and the brands to suggest.
pub fn phone_data(i: &InspectionView, lang: Lang) -> String {
    use crate::domain::fixture::Verdict;
    let mut t = serde_json::Map::new();
    for (k, m) in PHONE_TEXTS {
        t.insert((*k).into(), m.text(lang).into());
    }
    t.insert(
        "grade".into(),
        match lang {
            Lang::Zh => "{g}级",
            Lang::En => "Grade {g}",
        }
        .into(),
    );
    let verdicts: serde_json::Map<String, serde_json::Value> = Verdict::ALL
        .into_iter()
        .map(|v| (v.as_str().to_string(), verdict_text(v, lang).into()))
        .collect();
    let outcomes: Vec<serde_json::Value> = Outcome::ALL
        .into_iter()
        .map(|o| serde_json::json!({ "slug": o.as_str(), "text": outcome_text(o, lang) }))
        .collect();
    let mut line_photos = serde_json::Map::new();
    for p in &i.photos {
        if let Some(l) = p.line_id {
            let n = line_photos
                .get(&l.to_string())
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            line_photos.insert(l.to_string(), (n + 1).into());
        }
    }
    let market = i.market.as_ref().map(|m| {
        serde_json::json!({
            "visit_day": m.visit_day,
            "rules": m.rules,
            "brands": m.brands,
            "draft": {
                "lines": m.draft.lines,
                "outcome": m.draft.outcome.map(Outcome::as_str),
                "outcome_note": m.draft.outcome_note,
                "rectify_by": m.draft.rectify_by.map(|d| d.to_string()),
            },
        })
    });
    // The decision that sent the check back, its comments by line.
    let returned = i
        .review
        .as_ref()
        .and_then(|r| r.returned.as_ref())
        .map(|e| {
            let lines: serde_json::Map<String, serde_json::Value> = e
                .line_comments
                .iter()
                .map(|c| (c.line_id.to_string(), c.text.clone().into()))
                .collect();
            serde_json::json!({
                "comment": e.comment,
                "reviewer": e.reviewer,
                "at": e.at,
                "lines": lines,
            })
        });
    let audit = i.audit.as_ref().map(|a| {
        serde_json::json!({
            "sheet": a.sheet,
            "draft": crate::domain::audit::draft_json(&a.draft),
            "photos": a.photos,
            "line_ids": a.line_ids,
            "rules": a.rules,
            "visit_day": a.visit_day,
            "households": a.site_kind.needs_households(),
            "water_use": a.site_kind.needs_water_use(),
            "registry": {
                "households": a.registry_households,
                "annual_water_m3": a.registry_water_m3,
            },
        })
    });
    serde_json::json!({
        "id": i.id,
        "lang": lang.cookie_value(),
        "audit": audit,
        "returned": returned,
        "settings": i.capture,
        "t": t,
        "verdicts": verdicts,
        "outcomes": outcomes,
        "line_photos": line_photos,
        "market": market,
    })
    .to_string()
    .replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::evidence::CaptureSettings;

    #[test]
    fn the_pages_data_cannot_close_its_script_element_and_carries_every_word() {
        let i = InspectionView {
            id: uuid::Uuid::nil(),
            site_id: uuid::Uuid::nil(),
            site_name: String::new(),
            site_address: String::new(),
            started_at: String::new(),
            photos: Vec::new(),
            capture: CaptureSettings::default(),
            // A brand someone typed at another shop, hostile.
            market: Some(crate::model::market::MarketView {
                status: crate::domain::market::InspectionStatus::Draft,
                visit_day: "2026-06-01".into(),
                rules: None,
                draft: Default::default(),
                judgements: Vec::new(),
                submitted_at: None,
                brands: vec!["</script><script>alert(1)</script>".into()],
            }),
            review: None,
            audit: None,
            editable: true,
        };
        let json = phone_data(&i, Lang::Zh);
        assert!(!json.contains('<'));
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["t"]["take_photo"], "拍照");
        assert_eq!(v["outcomes"][1]["slug"], "rectify");
        assert_eq!(v["verdicts"]["label_violation"], "标识违规");
        assert_eq!(v["lang"], "zh");
        assert_eq!(
            v["market"]["brands"][0],
            "</script><script>alert(1)</script>"
        );
        let en: serde_json::Value = serde_json::from_str(&phone_data(&i, Lang::En)).expect("json");
        assert_eq!(en["t"]["submit_check"], "Submit the check");
        assert_eq!(en["grade"], serde_json::Value::Null);
        assert_eq!(en["t"]["grade"], "Grade {g}");
    }
}
