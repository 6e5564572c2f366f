//! The photo pipeline. This part: receiving bytes with a cap while hashing them, and the
//! content-addressed store on disk (temp file → fsync → rename), with a sweep for leftovers of a
//! crash. The upload route, EXIF, thumbnails and the viewer build on it.

pub mod analyze;
pub mod reflag;
pub mod routes;
pub mod store;
