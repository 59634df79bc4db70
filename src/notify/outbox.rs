//! Delivering through the outbox (see [`crate::store::outbox`]): each event
//! for the webhook or the command is put in the state database first, then
//! delivered from there, one at a time per channel, under the same retry
//! rules as before. What is still there when prelist stops is delivered by
//! the next instance, within the same window from the event.

use crate::blocking::blocking;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::webhook::{Retry, WebhookClient};
use super::{Event, command};
use crate::store::StateDb;
use crate::store::outbox::{Channel, Post, Taken};

/// How often a channel looks for posts another instance left, at most
/// (seconds): well inside a lease, so a running owner keeps its own.
const LOOK_EVERY: Duration = Duration::from_secs(10);

/// How a channel delivers a post.
#[derive(Clone)]
pub enum Deliver {
    Webhook(WebhookClient, Retry),
    Command {
        argv: Vec<String>,
        timeout: Duration,
        /// Posts older than this are dropped unsent.
        window: Duration,
    },
}

impl Deliver {
    fn channel(&self) -> Channel {
        match self {
            Deliver::Webhook(..) => Channel::Webhook,
            Deliver::Command { .. } => Channel::Command,
        }
    }

    fn window(&self) -> Duration {
        match self {
            Deliver::Webhook(_, retry) => retry.give_up,
            Deliver::Command { window, .. } => *window,
        }
    }
}

/// The outbox's side of a notifier: a task that puts events in, and one
/// delivering task per channel.
pub struct Courier {
    db: Arc<StateDb>,
    owner: u64,
    put: mpsc::UnboundedSender<Event>,
    putter: JoinHandle<()>,
    wake: Arc<Notify>,
    closing: Arc<AtomicBool>,
    deliverers: Vec<JoinHandle<()>>,
}

impl Courier {
    pub fn spawn(
        runtime: &tokio::runtime::Handle,
        db: Arc<StateDb>,
        deliver: Vec<Deliver>,
    ) -> Courier {
        let owner = crate::told::instance_id();
        let wake = Arc::new(Notify::new());
        let closing = Arc::new(AtomicBool::new(false));
        let channels: Vec<Channel> = deliver.iter().map(Deliver::channel).collect();
        let (put, mut events) = mpsc::unbounded_channel::<Event>();
        let putter = {
            let (db, wake, channels) = (Arc::clone(&db), Arc::clone(&wake), channels.clone());
            runtime.spawn(async move {
                let mut n = 0u64;
                while let Some(event) = events.recv().await {
                    n += 1;
                    // Events each instance tells of itself have no claim:
                    // one of their own makes each one post.
                    let key = event
                        .claim_key()
                        .unwrap_or_else(|| format!("own:{owner}:{n}"));
                    let payload = event.to_json().to_string();
                    let (db, channels) = (Arc::clone(&db), channels.clone());
                    let put = blocking(move || {
                        let now = jiff::Timestamp::now().as_second();
                        channels
                            .iter()
                            .map(|&c| db.outbox_put(c, &key, &payload, owner, now))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .await;
                    match put {
                        Ok(_) => wake.notify_waiters(),
                        Err(e) => tracing::warn!(
                            event = %event.event,
                            "the event could not be kept for the webhook or command, and is not \
                             sent: {e}"
                        ),
                    }
                }
            })
        };
        let deliverers = deliver
            .into_iter()
            .map(|d| {
                runtime.spawn(run(
                    Arc::clone(&db),
                    owner,
                    d,
                    Arc::clone(&wake),
                    Arc::clone(&closing),
                ))
            })
            .collect();
        Courier {
            db,
            owner,
            put,
            putter,
            wake,
            closing,
            deliverers,
        }
    }

    /// Puts `event` in the outbox, off the caller's thread.
    pub fn send(&self, event: &Event) {
        let _ = self.put.send(event.clone());
    }

    /// Puts in every event sent, delivers what is due until `deadline`,
    /// then lets go of the rest for the next instance; returns how many
    /// posts were kept for later.
    pub async fn shutdown(self, deadline: tokio::time::Instant) -> usize {
        drop(self.put);
        let _ = self.putter.await;
        self.closing.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
        for mut task in self.deliverers {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                // An attempt under way (a command running) ends here; its
                // post stays, to be tried again.
                task.abort();
                let _ = task.await;
            }
        }
        let db = Arc::clone(&self.db);
        let owner = self.owner;
        match blocking(move || db.outbox_release(owner)).await {
            Ok(kept) => kept,
            Err(e) => {
                tracing::warn!("the posts left in the outbox could not be counted: {e}");
                0
            }
        }
    }
}

/// One channel's delivery: the post due first, one at a time; between
/// them, a wait for a new post, the next due time or the next look.
async fn run(
    db: Arc<StateDb>,
    owner: u64,
    deliver: Deliver,
    wake: Arc<Notify>,
    closing: Arc<AtomicBool>,
) {
    let channel = deliver.channel();
    let window = deliver.window().as_secs() as i64;
    loop {
        // Registered before the look, so a post put during it is not missed.
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let db2 = Arc::clone(&db);
        let now = jiff::Timestamp::now().as_second();
        let taken = blocking(move || db2.outbox_take(channel, owner, now, window)).await;
        let wait = match taken {
            Ok((taken, expired)) => {
                if expired > 0 {
                    tracing::warn!(
                        "{}: {expired} events were older than {} minutes and are not sent",
                        channel.key(),
                        window / 60
                    );
                }
                match taken {
                    Taken::Due(post) => {
                        attempt(&db, &deliver, post).await;
                        continue;
                    }
                    Taken::Later(at) => {
                        Duration::from_secs(at.saturating_sub(now).max(1) as u64).min(LOOK_EVERY)
                    }
                    Taken::Nothing => LOOK_EVERY,
                }
            }
            Err(e) => {
                tracing::warn!("{}: the outbox cannot be read: {e}", channel.key());
                LOOK_EVERY
            }
        };
        // Closing, with nothing due now: what is left is kept for later.
        if closing.load(Ordering::SeqCst) {
            return;
        }
        tokio::select! {
            () = &mut woken => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// One attempt at `post`, and what it leaves in the outbox.
async fn attempt(db: &Arc<StateDb>, deliver: &Deliver, post: Post) {
    let event: Event = match serde_json::from_str(&post.payload) {
        Ok(event) => event,
        Err(e) => {
            tracing::warn!("a post in the outbox is not an event ({e}); it is dropped");
            finish(db, post.id, None).await;
            return;
        }
    };
    let attempts = post.attempts.saturating_add(1);
    let retry_at = match deliver {
        Deliver::Command { argv, timeout, .. } => {
            // A command is run once, as before the outbox: it may have
            // done its work before failing.
            if let Err(e) = command::run(argv, &event, *timeout).await {
                tracing::warn!(event = %event.event, "{e}");
            }
            None
        }
        Deliver::Webhook(client, retry) => match client.send(&event).await {
            Ok(()) => None,
            Err(e) if !e.is_retryable() => {
                tracing::warn!(event = %event.event, "webhook not delivered: {e}");
                None
            }
            Err(e) => {
                let wait = retry.backoff.wait(attempts, fastrand::f64());
                let now = jiff::Timestamp::now().as_second();
                let next = now.saturating_add(wait.as_secs().max(1) as i64);
                if next > post.event_at.saturating_add(retry.give_up.as_secs() as i64) {
                    tracing::warn!(
                        event = %event.event,
                        "webhook not delivered: gave up after {attempts} attempts in {} s: {e}",
                        now.saturating_sub(post.event_at)
                    );
                    None
                } else {
                    tracing::warn!(
                        event = %event.event,
                        "webhook: {e}; trying again in {:.1} s",
                        wait.as_secs_f64()
                    );
                    Some(next)
                }
            }
        },
    };
    finish(db, post.id, retry_at.map(|at| (attempts, at))).await;
}

/// Records an attempt's end: the post is gone, or due again.
async fn finish(db: &Arc<StateDb>, id: i64, retry: Option<(u32, i64)>) {
    let db = Arc::clone(db);
    let done = blocking(move || match retry {
        None => db.outbox_done(id),
        Some((attempts, at)) => db.outbox_retry(id, attempts, at),
    })
    .await;
    if let Err(e) = done {
        tracing::warn!("the outbox could not be updated: {e}");
    }
}
