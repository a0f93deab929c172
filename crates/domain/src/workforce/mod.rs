//! Cadres and the community workforce (队伍): sub-district leadership and its structure
//! statistics, staff added to sub-districts, community secretaries promoted into
//! sub-district leadership, community workers on the 三岗十八级 pay scale with versioned
//! pay tables, allowances and monthly pay runs, the two-committees pay comparison, and
//! the reserve-talent pipeline.

pub mod demo;
pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use model::*;
pub use store::WorkforceStore;
