//! Reusable pieces of the page: the frame with its navigation, and the status views.

pub mod district;
#[cfg(feature = "hydrate")]
pub mod geo;
pub mod layout;
pub mod status;

pub use district::DistrictOptions;
pub use layout::{section_about, section_nav, section_title, Layout};
pub use status::{error_view, msg_from_query};
