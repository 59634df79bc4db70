//! Events, and the channels that take them to the user: the terminal's own
//! notifications, a command, a webhook.
//!
//! # Using it
//!
//! ```text
//! let settings = config::load(&flags, &env)?;             // [notify] and PRELIST_WEBHOOK_URL
//! let notifier = Notifier::new(&settings.notify.config(), notify::terminal_env())?;
//! // for each flip the poll reports (`listing::apply_poll`):
//! let event = Event::listed(&listed, coin.ticker.as_deref(), "coingecko", Timestamp::now());
//! let bytes = notifier.notify(&event);                     // command and webhook queued
//! // the screen writes `bytes` to the terminal (they may be empty);
//! // a headless watcher prints `event.message` or `event.to_json()` instead.
//! ...
//! notifier.shutdown(Duration::from_secs(5)).await;         // on exit: let queued work finish
//! ```
//!
//! - [`Event`] is the one form of an event, with constructors from what the
//!   app knows: [`Event::listed`], [`Event::scheduled`], [`Event::alert`],
//!   [`Event::source_down`]; its JSON ([`Event::to_json`]) is what the
//!   command reads on stdin and the `json` webhook posts.
//! - [`Notifier::new`] must be called inside a tokio runtime (with the time
//!   and process drivers, as `Builder::enable_all` gives) when a command or
//!   a webhook is configured: each gets a background task fed by a bounded
//!   queue. A full queue refuses the new event with a log line rather than
//!   block the caller or grow without end.
//! - [`Notifier::notify`] never blocks and never fails: it returns the
//!   terminal's bytes ([`terminal::sequence`], with `auto` resolved from
//!   the environment given to `new`) and queues the event for the command
//!   and the webhook, whose failures are logged with `tracing`.
//! - [`Notifier::terminal_bytes`] gives the bytes alone, for a caller that
//!   sends the other channels itself or not at all.
//! - Commands run one at a time, each in a process group of its own that
//!   is killed after [`command::TIMEOUT`] or when the notifier is dropped;
//!   webhooks are retried with backoff for up to ten minutes after the
//!   event was queued ([`webhook::Retry`]).

pub mod command;
pub mod event;
pub mod outbox;
pub mod terminal;
pub mod webhook;

use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use event::{CoinRef, Event, EventKind};
pub use terminal::{TerminalMode, terminal_env};
pub use webhook::{Retry, WebhookClient, WebhookError, WebhookFormat};

use crate::config::{Env, SecretUrl};

/// Events waiting for the command, at most.
pub const COMMAND_QUEUE: usize = 64;
/// Events waiting for the webhook, at most.
pub const WEBHOOK_QUEUE: usize = 256;

/// What the channels are: `[notify]` of the settings in effect
/// (`Settings::notify.config()`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyConfig {
    pub terminal: TerminalMode,
    /// The program and its arguments; empty for no command.
    pub command: Vec<String>,
    pub webhook: Option<SecretUrl>,
    pub webhook_format: WebhookFormat,
}

/// How long the background channels wait and retry; the defaults are the
/// documented ones, tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub command_timeout: Duration,
    pub retry: Retry,
    pub command_queue: usize,
    pub webhook_queue: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            command_timeout: command::TIMEOUT,
            retry: Retry::default(),
            command_queue: COMMAND_QUEUE,
            webhook_queue: WEBHOOK_QUEUE,
        }
    }
}

/// Why a [`Notifier`] could not be made.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("notifications by command or webhook need a running tokio runtime")]
    NoRuntime,
    #[error(transparent)]
    Webhook(#[from] WebhookError),
}

/// A background task taking items from a bounded queue, one at a time.
struct Worker<T> {
    name: &'static str,
    tx: mpsc::Sender<T>,
    task: JoinHandle<()>,
}

impl<T: Send + 'static> Worker<T> {
    fn spawn<F, Fut>(
        runtime: &tokio::runtime::Handle,
        name: &'static str,
        capacity: usize,
        mut handle: F,
    ) -> Worker<T>
    where
        F: FnMut(T) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<T>(capacity.max(1));
        let task = runtime.spawn(async move {
            while let Some(item) = rx.recv().await {
                handle(item).await;
            }
        });
        Worker { name, tx, task }
    }

    /// Queues `item`; when the queue is full the item is dropped and said
    /// so in the log, so a burst (the first poll of a long list) or a dead
    /// receiver never holds up the caller.
    fn send(&self, item: T) {
        match self.tx.try_send(item) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => tracing::warn!(
                "{}: {} events are waiting already; this one is not sent",
                self.name,
                self.tx.max_capacity()
            ),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::warn!(
                    "{}: the channel has stopped; the event is not sent",
                    self.name
                )
            }
        }
    }
}

/// Sends events to every configured channel. Its `Debug` never shows the
/// webhook URL.
pub struct Notifier {
    terminal: TerminalMode,
    env: Env,
    command: Option<Worker<Event>>,
    webhook: Option<Worker<(Event, Instant)>>,
    /// With a state database, the command's and the webhook's events go
    /// through its outbox instead of the two workers.
    courier: Option<outbox::Courier>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("terminal", &self.terminal)
            .field("command", &self.command.is_some())
            .field("webhook", &self.webhook.is_some())
            .field("outbox", &self.courier.is_some())
            .finish()
    }
}

impl Notifier {
    /// The channels of `config`; `env` is what `auto` and the tmux check
    /// look at ([`terminal_env`] in the program).
    pub fn new(config: &NotifyConfig, env: Env) -> Result<Notifier, NotifyError> {
        Notifier::with_options(config, env, Options::default())
    }

    /// The channels of `config`, the command's and the webhook's events
    /// kept in `db`'s outbox until they are delivered (see
    /// [`outbox::Courier`]): a stop loses none.
    pub fn with_outbox(
        config: &NotifyConfig,
        env: Env,
        db: std::sync::Arc<crate::store::StateDb>,
    ) -> Result<Notifier, NotifyError> {
        Notifier::build(config, env, Options::default(), Some(db))
    }

    pub fn with_options(
        config: &NotifyConfig,
        env: Env,
        options: Options,
    ) -> Result<Notifier, NotifyError> {
        Notifier::build(config, env, options, None)
    }

    /// The channels of `config`, through `db`'s outbox when one is given.
    pub fn build(
        config: &NotifyConfig,
        env: Env,
        options: Options,
        db: Option<std::sync::Arc<crate::store::StateDb>>,
    ) -> Result<Notifier, NotifyError> {
        let background = !config.command.is_empty() || config.webhook.is_some();
        let runtime = match tokio::runtime::Handle::try_current() {
            Ok(handle) => Some(handle),
            Err(_) if background => return Err(NotifyError::NoRuntime),
            Err(_) => None,
        };
        let mut notifier = Notifier {
            terminal: config.terminal,
            env,
            command: None,
            webhook: None,
            courier: None,
        };
        let Some(runtime) = runtime else {
            return Ok(notifier);
        };
        if let Some(db) = db {
            let mut deliver = Vec::new();
            if let Some(url) = &config.webhook {
                let client = WebhookClient::new(url.clone(), config.webhook_format, options.retry)?;
                deliver.push(outbox::Deliver::Webhook(client, options.retry));
            }
            if !config.command.is_empty() {
                deliver.push(outbox::Deliver::Command {
                    argv: config.command.clone(),
                    timeout: options.command_timeout,
                    window: options.retry.give_up,
                });
            }
            if !deliver.is_empty() {
                notifier.courier = Some(outbox::Courier::spawn(&runtime, db, deliver));
            }
            return Ok(notifier);
        }
        if !config.command.is_empty() {
            let argv = config.command.clone();
            let timeout = options.command_timeout;
            notifier.command = Some(Worker::spawn(
                &runtime,
                "notify command",
                options.command_queue,
                move |event: Event| {
                    let argv = argv.clone();
                    async move {
                        if let Err(e) = command::run(&argv, &event, timeout).await {
                            tracing::warn!(event = %event.event, "{e}");
                        }
                    }
                },
            ));
        }
        if let Some(url) = &config.webhook {
            let client = WebhookClient::new(url.clone(), config.webhook_format, options.retry)?;
            notifier.webhook = Some(Worker::spawn(
                &runtime,
                "notify webhook",
                options.webhook_queue,
                move |(event, queued): (Event, Instant)| {
                    let client = client.clone();
                    async move {
                        if let Err(e) = client.deliver(&event, queued).await {
                            tracing::warn!(event = %event.event, "webhook not delivered: {e}");
                        }
                    }
                },
            ));
        }
        Ok(notifier)
    }

    /// Sends `event`: queues it for the command and the webhook, and
    /// returns the bytes for the terminal (empty when `terminal = "off"`).
    pub fn notify(&self, event: &Event) -> Vec<u8> {
        if let Some(courier) = &self.courier {
            courier.send(event);
        }
        if let Some(command) = &self.command {
            command.send(event.clone());
        }
        if let Some(webhook) = &self.webhook {
            webhook.send((event.clone(), Instant::now()));
        }
        self.terminal_bytes(event)
    }

    /// The terminal's bytes for `event` alone.
    pub fn terminal_bytes(&self, event: &Event) -> Vec<u8> {
        terminal::sequence(self.terminal, &self.env, event.title(), &event.message)
    }

    /// Stops taking events and waits, at most `grace`, for the queued ones
    /// to be sent. Through an outbox, what is left then is kept there for
    /// the next instance, and counted in `kept`; without one it is dropped
    /// (a command running is killed).
    pub async fn shutdown(self, grace: Duration) -> Shutdown {
        let tasks: Vec<JoinHandle<()>> =
            [self.command.map(|w| w.task), self.webhook.map(|w| w.task)]
                .into_iter()
                .flatten()
                .collect();
        let deadline = Instant::now() + grace;
        let mut done = true;
        for mut task in tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
                done = false;
            }
        }
        let kept = match self.courier {
            Some(courier) => courier.shutdown(deadline).await,
            None => 0,
        };
        Shutdown {
            sent: done && kept == 0,
            kept,
        }
    }
}

/// How a notifier's shutdown ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown {
    /// Everything queued was sent in time.
    pub sent: bool,
    /// Events kept in the outbox for the next instance to deliver.
    pub kept: usize,
}
