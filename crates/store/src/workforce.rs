use async_trait::async_trait;
use jiceng_domain::workforce::WorkforceStore;

use crate::SqlStore;

#[async_trait]
impl WorkforceStore for SqlStore {}
