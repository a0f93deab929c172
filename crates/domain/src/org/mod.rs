//! Organisation & grid (组织体系与网格): district → sub-district/town → community/village →
//! grid → estate → building → unit; households hang below units (see `people`).

pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use model::*;
pub use store::OrgStore;
