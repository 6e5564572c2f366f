//! The districts as `<option>`s of a form's `<select>`, once they have loaded.

use crate::error::AppError;
use crate::model::District;
use leptos::prelude::*;

/// Districts for a `<select>`: `selected` names the chosen one by id, code or name; each option
/// submits the district's code when `by_code` is set (the site form, whose rows may also come from a
/// spreadsheet) and its id otherwise (filters, the users page).
#[component]
pub fn DistrictOptions(
    districts: AsyncDerived<Result<Vec<District>, AppError>>,
    #[prop(into)] selected: String,
    #[prop(optional)] by_code: bool,
) -> impl IntoView {
    view! {
        <Suspense>
            {move || {
                let selected = selected.clone();
                Suspend::new(async move {
                    districts.await.ok().map(move |ds| {
                        ds.into_iter()
                            .map(|d| {
                                let sel = d.id.to_string() == selected || d.code == selected
                                    || d.name == selected;
                                let value = if by_code { d.code.clone() } else { d.id.to_string() };
                                view! { <option value=value selected=sel>{d.name}</option> }
                            })
                            .collect_view()
                    })
                })
            }}
        </Suspense>
    }
}
