use async_trait::async_trait;
use jiceng_domain::network::NetworkStore;

use crate::SqlStore;

#[async_trait]
impl NetworkStore for SqlStore {}
