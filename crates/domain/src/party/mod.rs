//! Party organisations, members, in-service members reporting to their home community (双报到), service commitments (党员服务清单), the two committees, alliances.

pub mod demo;
pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use model::*;
pub use store::PartyStore;
