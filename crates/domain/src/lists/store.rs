use async_trait::async_trait;

/// Persistence of the three lists; every change takes its audit event.
#[async_trait]
pub trait ListsStore: Send + Sync {}
