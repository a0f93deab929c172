//! Shared vocabulary of Jiceng: identities, the acting person, errors, audit events,
//! time, paging, and the protection of personal data.

pub mod actor;
pub mod audit;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod i18n;
pub mod idcard;
pub mod mask;
pub mod paging;

pub use actor::{Actor, Role, Verb};
pub use audit::AuditEvent;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{DomainError, FieldError, Result};
pub use i18n::{Lang, Text};
pub use paging::{Page, PageRequest};
