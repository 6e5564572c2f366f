//! Pure rules of the product: no IO, no Leptos. The same code runs on the phone and on the server.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod evidence;
pub mod fixture;
pub mod geo;
pub mod inspection;
pub mod market;
pub mod review;
pub mod role;
pub mod score;
pub mod site;
pub mod throttle;
