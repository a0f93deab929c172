use async_trait::async_trait;

/// Persistence of this capability; every change takes its audit event.
#[async_trait]
pub trait PartyStore: Send + Sync {}
