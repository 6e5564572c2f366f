//! Reusable pieces of the page: the frame with its navigation, and the status views.

pub mod layout;

pub use layout::{section_about, section_nav, section_title, Layout};
