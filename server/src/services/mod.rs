//! Writes, one function per change a user can make: each checks, stores and writes its audit entry
//! in one transaction through the store, and is what both the plain form routes and the server
//! functions call. (Moving the older writes here is under way; see the README.)

pub mod accounts;
