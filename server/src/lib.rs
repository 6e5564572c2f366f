//! The Jieshui backend: everything that touches the database, files, secrets or the network.

pub mod accounts;
pub mod audit_chain;
pub mod auth;
pub mod backend;
pub mod clock;
pub mod config;
pub mod db;
pub mod evidence;
pub mod limits;
pub mod market;
pub mod pages_util;
pub mod registry;
pub mod review;
pub mod score;
pub mod seed;
pub mod serve;
pub mod services;
pub mod startup;
pub mod state;
