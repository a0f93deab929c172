//! The three lists (需求清单 · 资源清单 · 项目清单): needs recorded by residents, grid
//! workers and staff (or turned from appeals), resources of units, merchants, social
//! organisations, volunteers and party members' commitments, an optimal matching
//! engine (min-cost flow) and the projects accepted matches become, with milestones,
//! results, residents' ratings, coverage and gaps.

pub mod demo;
pub mod matching;
pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use model::*;
pub use store::ListsStore;
