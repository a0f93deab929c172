//! Accounts, sessions, API tokens and login throttling.

pub mod model;
pub mod service;
pub mod store;
pub mod throttle;

pub use model::*;
pub use store::AuthStore;
