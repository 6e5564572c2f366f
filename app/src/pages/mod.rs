//! One module per route.

pub mod account;
pub mod audit;
pub mod audit_sheet;
pub mod error;
pub mod inspection;
pub mod login;
pub mod photo;
pub mod rectifications;
pub mod review;
pub mod review_panel;
pub mod rules;
pub mod rules_new;
pub mod score_sheets;
pub mod section;
pub mod sites;
pub mod today;
pub mod users;
pub mod visit;
