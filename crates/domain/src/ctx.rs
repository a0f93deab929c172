use std::sync::Arc;

use jiceng_core::crypto::Cipher;
use jiceng_core::{AuditEvent, Clock};

use crate::appeals::AppealStore;
use crate::appeals::routing::GridCache;
use crate::audit::AuditStore;
use crate::auth::AuthStore;
use crate::auth::throttle::Throttle;
use crate::org::OrgStore;
use crate::people::PeopleStore;

/// Everything a use case needs: the stores, the clock and the personal-data cipher.
#[derive(Clone)]
pub struct Ctx {
    pub org: Arc<dyn OrgStore>,
    pub people: Arc<dyn PeopleStore>,
    pub auth: Arc<dyn AuthStore>,
    pub audit: Arc<dyn AuditStore>,
    pub appeals: Arc<dyn AppealStore>,
    pub party: Arc<dyn crate::party::PartyStore>,
    pub network: Arc<dyn crate::network::NetworkStore>,
    pub workforce: Arc<dyn crate::workforce::WorkforceStore>,
    pub lists: Arc<dyn crate::lists::ListsStore>,
    /// Grid polygons for placing points; invalidated when boundaries change.
    pub grids: Arc<GridCache>,
    pub clock: Arc<dyn Clock>,
    pub cipher: Cipher,
    pub throttle: Arc<Throttle>,
}

impl Ctx {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn event(
        &self,
        actor: &jiceng_core::Actor,
        action: &str,
        entity_type: &str,
        entity_id: impl ToString,
        scope_path: &str,
    ) -> AuditEvent {
        AuditEvent::new(
            actor,
            self.now_ms(),
            action,
            entity_type,
            entity_id,
            scope_path,
        )
    }
}
