//! The site registry: imports, and the form routes of the admin pages.

pub mod import;
pub mod routes;
