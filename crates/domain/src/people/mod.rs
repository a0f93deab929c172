//! People (人): households and residents, with personal data encrypted at rest and
//! masked on screen; whole values only for roles allowed to, each view audited.

pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use model::*;
pub use service::{HouseholdInput, ResidentInput};
pub use store::PeopleStore;
