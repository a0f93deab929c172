//! PostgreSQL: what other instances change in the tables this one keeps in memory.
//!
//! Migration 0020 has every statement that changes `org_units`, `appeal_categories`,
//! `calendar_days` or `departments` notify the channel [`CHANNEL`] with its schema and
//! table, at commit. [`SqlStore::follow_changes`] listens: for each change to its own
//! schema it drops the store's copies of that table; a change to the units also
//! advances the tree's generation (`OrgStore::tree_generation`), which retires the grid
//! index and the API's token holders read before it. Without it, another instance's
//! change showed when the copy expired: 30 s, the grid index 60 s.
//!
//! A notification is lost when the listening connection is; the listener then drops
//! everything it keeps, and reconnects.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use jiceng_core::Result;

use crate::{Backend, SqlStore, db_err};

/// The channel the triggers of migration 0020 notify.
pub const CHANNEL: &str = "jiceng_changed";

/// The "table" whose copies are dropped when every kept copy must go (the listener
/// lost its connection, and with it any notification sent meanwhile).
pub const EVERYTHING: &str = "*";

/// The listener's state, shared by the store and its task.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    heard: AtomicU64,
    following: AtomicBool,
}

impl SqlStore {
    /// Changes to cached tables heard so far (PostgreSQL; this instance's own too).
    pub fn changes_heard(&self) -> u64 {
        self.changes.heard.load(Ordering::Acquire)
    }

    /// PostgreSQL: listens for changes to the cached tables (see the module), from when
    /// this returns. Once per store; nothing on SQLite, which one instance serves.
    pub async fn follow_changes(&self, url: &str) -> Result<()> {
        if self.backend != Backend::Postgres || self.changes.following.swap(true, Ordering::AcqRel)
        {
            return Ok(());
        }
        let started = self.start_listening(url).await;
        if started.is_err() {
            self.changes.following.store(false, Ordering::Release);
        }
        started
    }

    async fn start_listening(&self, url: &str) -> Result<()> {
        let (schema,): (String,) = sqlx::query_as("SELECT CAST(current_schema() AS TEXT)")
            .fetch_one(&self.r)
            .await
            .map_err(db_err)?;
        let mut listener = sqlx::postgres::PgListener::connect(url)
            .await
            .map_err(db_err)?;
        listener.listen(CHANNEL).await.map_err(db_err)?;
        let prefix = format!("{schema} ");
        let cache = self.cache.clone();
        let changes = self.changes.clone();
        tokio::spawn(async move {
            loop {
                let table = match listener.try_recv().await {
                    Ok(Some(n)) => match n.payload().strip_prefix(&prefix) {
                        Some(t) => t.to_string(),
                        // Another schema's (tests give each run its own).
                        None => continue,
                    },
                    // The connection was lost, and any notification sent meanwhile; the
                    // next call connects again.
                    Ok(None) => EVERYTHING.to_string(),
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for changes to cached tables failed; retrying in 1 s");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        EVERYTHING.to_string()
                    }
                };
                cache.forget_table(&table);
                changes.heard.fetch_add(1, Ordering::AcqRel);
            }
        });
        Ok(())
    }
}
