//! Cadres and the community workforce: leadership structure statistics, added staff, promotions, the 三岗十八级 pay scale and pay runs, reserve talents.

pub mod store;

pub use store::WorkforceStore;
