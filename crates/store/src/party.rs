use async_trait::async_trait;
use jiceng_domain::party::PartyStore;

use crate::SqlStore;

#[async_trait]
impl PartyStore for SqlStore {}
