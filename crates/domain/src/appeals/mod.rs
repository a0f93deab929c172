//! Residents' appeals (民有所呼、我有所应): intake on every channel, routing by place and
//! category, the case workflow with deadlines on a working-day calendar, escalation and
//! 吹哨报到, red property, the rotating secretary, and the three rates.

pub mod calendar;
pub mod demo;
pub mod metrics;
pub mod model;
pub mod notify;
pub mod routing;
pub mod service;
pub mod store;
pub mod workflow;

pub use model::*;
pub use store::AppealStore;
