//! Who is asking: sessions (server-side, in the database), the sign-in and sign-out routes, the
//! language cookie, and the layer that turns away requests for pages the user may not open.

pub mod password;
pub mod routes;
pub mod session;

pub use session::{session_layer, SESSION_COOKIE};
