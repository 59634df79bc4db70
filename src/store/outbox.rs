//! The outbox: events waiting for the webhook or the notify command, kept
//! in the state database with their attempts, so that a post not yet
//! delivered when prelist stops is delivered by the next instance, or by
//! another one running once its owner has been gone for [`LEASE_SECS`].
//!
//! Each post is held by one instance at a time under a lease its owner
//! renews while it runs; one released (at a clean stop) or run out (a
//! crash) is taken by the next instance that looks.

use rusqlite::{OptionalExtension, params};

use super::StoreError;
use super::db::StateDb;

/// How long a post stays with its owner without a renewal (seconds).
pub const LEASE_SECS: i64 = 60;

/// Which channel a post is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum Channel {
    Webhook,
    Command,
}

impl Channel {
    pub fn key(self) -> &'static str {
        self.into()
    }
}

/// A post of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: i64,
    /// The event, as its JSON (`Event::to_json`'s fields).
    pub payload: String,
    /// When it was put in (Unix seconds): its retry window counts from it.
    pub event_at: i64,
    /// The attempts made so far, by any instance.
    pub attempts: u32,
    /// When the next attempt is due (Unix seconds).
    pub next_at: i64,
}

/// What [`StateDb::outbox_take`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Taken {
    /// A post whose attempt is due now, held by this instance.
    Due(Post),
    /// Nothing due before this time (Unix seconds).
    Later(i64),
    /// Nothing this instance may deliver.
    Nothing,
}

impl StateDb {
    /// Puts `payload` in the outbox for `channel`, held by `owner`, due at
    /// once. `key` makes an event one post: the same event put twice (by
    /// two instances) is one post. Returns whether it was put.
    pub fn outbox_put(
        &self,
        channel: Channel,
        key: &str,
        payload: &str,
        owner: u64,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let put = tx
                .execute(
                    "INSERT OR IGNORE INTO outbox
                         (channel, claim_key, event_at, payload, attempts, next_at, owner,
                          lease_until)
                     VALUES (?1, ?2, ?3, ?4, 0, ?3, ?5, ?6)",
                    params![
                        channel.key(),
                        key,
                        now,
                        payload,
                        owner as i64,
                        now + LEASE_SECS
                    ],
                )
                .map_err(|e| self.error(e))?;
            Ok(put == 1)
        })
    }

    /// Renews `owner`'s leases, drops the posts of `channel` older than
    /// `window` seconds (returning how many), and takes the post of
    /// `channel` due first among those `owner` holds or nobody does.
    pub fn outbox_take(
        &self,
        channel: Channel,
        owner: u64,
        now: i64,
        window: i64,
    ) -> Result<(Taken, usize), StoreError> {
        self.write(|tx| {
            let err = |e| self.error(e);
            let owner = owner as i64;
            tx.execute(
                "UPDATE outbox SET lease_until = ?2 WHERE owner = ?1",
                params![owner, now + LEASE_SECS],
            )
            .map_err(err)?;
            let expired = tx
                .execute(
                    "DELETE FROM outbox WHERE channel = ?1 AND event_at < ?2
                         AND (owner = ?3 OR lease_until < ?4)",
                    params![channel.key(), now.saturating_sub(window), owner, now],
                )
                .map_err(err)?;
            let post = tx
                .query_row(
                    "SELECT id, payload, event_at, attempts, next_at FROM outbox
                     WHERE channel = ?1 AND (owner = ?2 OR lease_until < ?3)
                     ORDER BY next_at, id LIMIT 1",
                    params![channel.key(), owner, now],
                    |r| {
                        Ok(Post {
                            id: r.get(0)?,
                            payload: r.get(1)?,
                            event_at: r.get(2)?,
                            attempts: r.get::<_, i64>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
                            next_at: r.get(4)?,
                        })
                    },
                )
                .optional()
                .map_err(err)?;
            let Some(post) = post else {
                return Ok((Taken::Nothing, expired));
            };
            tx.execute(
                "UPDATE outbox SET owner = ?2, lease_until = ?3 WHERE id = ?1",
                params![post.id, owner, now + LEASE_SECS],
            )
            .map_err(err)?;
            if post.next_at > now {
                return Ok((Taken::Later(post.next_at), expired));
            }
            Ok((Taken::Due(post), expired))
        })
    }

    /// The post `id` is done with: delivered, refused for good, or given up.
    pub fn outbox_done(&self, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])
                .map_err(|e| self.error(e))?;
            Ok(())
        })
    }

    /// The post `id` failed its `attempts`-th attempt: the next is due at
    /// `next_at`.
    pub fn outbox_retry(&self, id: i64, attempts: u32, next_at: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET attempts = ?2, next_at = ?3 WHERE id = ?1",
                params![id, attempts, next_at],
            )
            .map_err(|e| self.error(e))?;
            Ok(())
        })
    }

    /// Lets go of every post `owner` holds, for the next instance to take
    /// at once; returns how many there were.
    pub fn outbox_release(&self, owner: u64) -> Result<usize, StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET lease_until = 0 WHERE owner = ?1",
                [owner as i64],
            )
            .map_err(|e| self.error(e))
        })
    }

    /// The posts in the outbox, of every instance.
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        Ok(self
            .read(|tx| {
                tx.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))
                    .map_err(|e| self.error(e))
            })?
            .map_or(0, |n| n.max(0) as usize))
    }
}
