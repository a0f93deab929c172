use async_trait::async_trait;
use jiceng_domain::lists::ListsStore;

use crate::SqlStore;

#[async_trait]
impl ListsStore for SqlStore {}
