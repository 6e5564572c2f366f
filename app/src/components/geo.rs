//! The phone's position, asked for once: the "nearest to me" list and the photo capture both start
//! here, so both ask the same way (high accuracy, a bounded wait, a recent fix accepted).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// One fix: WGS-84 degrees, accuracy in metres, and when it was measured (RFC 3339). A cached fix
/// can be older than the moment it was asked for; callers keep both times.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub at: String,
}

/// Why there is no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPosition {
    /// The user (or the browser's settings) said no.
    Denied,
    /// No geolocation here, no signal, or no answer in time.
    Unavailable,
}

/// Asks for the position and calls `then` exactly once with the answer. `timeout_ms` bounds the
/// wait; a fix up to `max_age_ms` old is good enough.
pub fn current_position(
    timeout_ms: i32,
    max_age_ms: i32,
    then: impl FnOnce(Result<Position, NoPosition>) + 'static,
) {
    let Some(geo) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
        then(Err(NoPosition::Unavailable));
        return;
    };
    // Whichever callback comes first answers; the browser calls at most one of them, but a failed
    // request below must not answer twice either.
    let cell = std::rc::Rc::new(std::cell::RefCell::new(Some(then)));
    let (c_ok, c_err, c_fail) = (cell.clone(), cell.clone(), cell);
    let ok = Closure::once_into_js(move |pos: web_sys::Position| {
        let c = pos.coords();
        let at: String = js_sys::Date::new(&pos.timestamp().into())
            .to_iso_string()
            .into();
        if let Some(f) = c_ok.borrow_mut().take() {
            f(Ok(Position {
                lat: c.latitude(),
                lon: c.longitude(),
                accuracy_m: c.accuracy(),
                at,
            }));
        }
    });
    let err = Closure::once_into_js(move |e: web_sys::PositionError| {
        if let Some(f) = c_err.borrow_mut().take() {
            f(Err(if e.code() == 1 {
                NoPosition::Denied
            } else {
                NoPosition::Unavailable
            }));
        }
    });
    let opts = web_sys::PositionOptions::new();
    opts.set_enable_high_accuracy(true);
    opts.set_timeout(timeout_ms.max(0) as u32);
    opts.set_maximum_age(max_age_ms.max(0) as u32);
    if geo
        .get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(err.unchecked_ref()),
            &opts,
        )
        .is_err()
    {
        if let Some(f) = c_fail.borrow_mut().take() {
            f(Err(NoPosition::Unavailable));
        }
    }
}
