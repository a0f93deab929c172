//! The service network and the sub-district after its reform: party-mass service centres and stations (1+7+41), joint meetings with their resolutions, sub-district functions, rights, organs and integrated stations.

pub mod demo;
pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use model::*;
pub use store::NetworkStore;
