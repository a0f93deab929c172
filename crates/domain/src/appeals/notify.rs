//! Outbound notices (SMS, e-mail …) go through a pluggable channel. Notices are first
//! written to an outbox in the same transaction as the change that caused them, then
//! delivered by a loop; the default channel writes them to the log.

use async_trait::async_trait;
use jiceng_core::Result;

use super::model::Notice;

#[async_trait]
pub trait NoticeChannel: Send + Sync {
    fn name(&self) -> &'static str;
    async fn send(&self, n: &Notice) -> Result<()>;
}

/// Writes each notice to the log (the default: no SMS gateway is configured).
#[derive(Debug, Default)]
pub struct LogChannel;

#[async_trait]
impl NoticeChannel for LogChannel {
    fn name(&self) -> &'static str {
        "log"
    }
    async fn send(&self, n: &Notice) -> Result<()> {
        tracing::debug!(recipient = %n.recipient, case_id = ?n.case_id, text = %n.text, "notice");
        Ok(())
    }
}

/// Notices claimed per write transaction. Each claim takes the one write connection from
/// intake for a moment (an UPDATE and a commit), and the intakes arriving meanwhile wait:
/// with a round every second (see `serve`), claims of 500 are ~2 ms pauses, 24 a second
/// at 6 k intakes/s, where claims of 2,000 paused intake four times as long. (Measured at
/// a steady 6.1 k intakes/s: p99 26 ms against 31–32 ms in two alternated pairs of runs,
/// but later runs of either size spread over 22–64 ms — this machine's noise; see
/// BENCHMARKS.md. At one round every 5 s, 500 a claim had meant 100 k notices in a burst
/// of claims; 2,000 was the cure then.)
pub const CLAIM_BATCH: i64 = 500;

/// Delivers what is waiting in the outbox; returns how many went out.
pub async fn deliver(ctx: &crate::Ctx, channel: &dyn NoticeChannel) -> Result<usize> {
    deliver_in_batches(ctx, channel, CLAIM_BATCH).await
}

/// [`deliver`] claiming `batch` notices at a time.
pub async fn deliver_in_batches(
    ctx: &crate::Ctx,
    channel: &dyn NoticeChannel,
    batch: i64,
) -> Result<usize> {
    // Batch after batch until one comes back short: at one batch per call (and a call
    // every few seconds) the outbox fell behind any intake above a few dozen a second.
    // Each claim after the first looks only above the last id the one before took.
    // On PostgreSQL a notice marked sent stays in the index of unsent ones until the
    // outbox is vacuumed, and a claim from the start walked every such entry again: with
    // 711 k of them, each of a round's ~18 claims read the same ~2,000 index pages (its
    // look-up 7.9 ms; 0.28 ms from the last id). The round's first claim still starts
    // from 0, so a notice whose transaction committed after a later id was claimed goes
    // out in the next round.
    let mut sent = 0;
    let mut after = 0;
    loop {
        let claimed = ctx
            .appeals
            .claim_notices(ctx.now_ms(), after, batch)
            .await?;
        if let Some(last) = claimed.iter().map(|n| n.id).max() {
            after = last;
        }
        for n in &claimed {
            if let Err(e) = channel.send(n).await {
                tracing::warn!(error = %e, id = n.id, "notice not delivered");
            }
        }
        sent += claimed.len();
        if (claimed.len() as i64) < batch {
            return Ok(sent);
        }
    }
}
