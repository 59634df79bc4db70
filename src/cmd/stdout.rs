//! `prelist watch`'s stdout, written off the runtime: its event lines go
//! through a bounded queue to a thread of their own, so a reader that
//! stops reading (a pipe nobody drains) never holds up polling or the
//! signals that end it. Past the queue's bound lines are dropped and
//! counted; a closed stdout is noticed as the thread's write fails.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::Duration;

use tokio::sync::Notify;

/// Event lines waiting for stdout, at most: a burst (the first poll of a
/// long list) fits, a reader stopped for good does not grow memory.
pub const QUEUE_LINES: usize = 1024;

/// How long the lines still queued at the end may take to be written.
pub const GRACE: Duration = Duration::from_secs(2);

/// What the writer and its thread share.
#[derive(Default)]
struct Shared {
    /// Lines dropped because the queue was full.
    dropped: AtomicU64,
    /// Lines queued and not yet written.
    waiting: AtomicU64,
    /// The sink refused a write: stdout is closed.
    closed: AtomicBool,
    /// Told once the sink is closed.
    closed_notice: Notify,
}

/// The queue's sending end, as a [`Write`] the runner prints through.
/// Writing never blocks: each line is queued or, when the queue is full,
/// dropped and counted. It fails once the sink is closed.
pub struct Queued {
    tx: SyncSender<Vec<u8>>,
    shared: Arc<Shared>,
    /// Said once, when the first line is dropped.
    on_first_drop: fn(),
}

/// The owner's handle: tells when stdout is closed, and at the end how
/// many lines did not go out.
pub struct Handle {
    shared: Arc<Shared>,
    done: Receiver<()>,
}

/// Starts the thread writing to `sink`, with room for `capacity` lines;
/// `on_first_drop` is called when the queue first overflows.
pub fn spawn<W: Write + Send + 'static>(
    mut sink: W,
    capacity: usize,
    on_first_drop: fn(),
) -> io::Result<(Queued, Handle)> {
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(capacity.max(1));
    let (done_tx, done) = mpsc::channel();
    let shared = Arc::new(Shared::default());
    let theirs = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("stdout".into())
        .spawn(move || {
            for line in rx {
                let written = sink.write_all(&line).and_then(|()| sink.flush());
                theirs.waiting.fetch_sub(1, Ordering::Relaxed);
                if written.is_err() {
                    theirs.closed.store(true, Ordering::Relaxed);
                    theirs.closed_notice.notify_one();
                    break;
                }
            }
            let _ = done_tx.send(());
        })?;
    let queued = Queued {
        tx,
        shared: Arc::clone(&shared),
        on_first_drop,
    };
    Ok((queued, Handle { shared, done }))
}

fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "stdout is closed")
}

impl Write for Queued {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.shared.closed.load(Ordering::Relaxed) {
            return Err(closed_error());
        }
        for line in buf.split_inclusive(|&b| b == b'\n') {
            // Counted before it is sent, so the thread never counts below 0.
            self.shared.waiting.fetch_add(1, Ordering::Relaxed);
            match self.tx.try_send(line.to_vec()) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    self.shared.waiting.fetch_sub(1, Ordering::Relaxed);
                    if self.shared.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                        (self.on_first_drop)();
                    }
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.shared.waiting.fetch_sub(1, Ordering::Relaxed);
                    return Err(closed_error());
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.shared.closed.load(Ordering::Relaxed) {
            return Err(closed_error());
        }
        Ok(())
    }
}

/// What became of the lines at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    /// Dropped because the queue was full.
    pub dropped: u64,
    /// Still queued when the grace ran out or stdout closed.
    pub unwritten: u64,
    pub closed: bool,
}

impl Handle {
    /// Resolves once stdout has refused a write.
    pub async fn closed(&self) {
        if !self.shared.closed.load(Ordering::Relaxed) {
            self.shared.closed_notice.notified().await;
        }
    }

    /// Waits, at most `grace`, for the queued lines to be written, once
    /// the [`Queued`] end has been dropped; a reader stopped for good is
    /// not waited for longer.
    pub fn finish(self, grace: Duration) -> Ended {
        let _ = self.done.recv_timeout(grace);
        Ended {
            dropped: self.shared.dropped.load(Ordering::Relaxed),
            unwritten: self.shared.waiting.load(Ordering::Relaxed),
            closed: self.shared.closed.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A sink that writes only when let through, then records the bytes.
    struct Gate {
        open: Receiver<()>,
        got: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            // Blocks as a full pipe does, until the sender is dropped.
            let _ = self.open.recv();
            self.got.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stuck_reader_drops_lines_past_the_bound_and_counts_them() {
        let (open, gate) = mpsc::channel();
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Gate {
            open: gate,
            got: Arc::clone(&got),
        };
        let (mut queued, handle) = spawn(sink, 4, || {}).unwrap();
        let lines: String = (0..10).map(|i| format!("line {i}\n")).collect();
        // Returns at once although the sink blocks.
        queued.write_all(lines.as_bytes()).unwrap();
        queued.flush().unwrap();
        drop(open);
        drop(queued);
        let ended = handle.finish(Duration::from_secs(10));
        let got = String::from_utf8(got.lock().unwrap().clone()).unwrap();
        let written = got.lines().count() as u64;
        // The thread may have taken the first line off the queue already.
        assert!((5..=6).contains(&ended.dropped), "{ended:?}");
        assert_eq!(written + ended.dropped, 10, "{got}");
        assert!(got.starts_with("line 0\nline 1\nline 2\nline 3\n"), "{got}");
        assert_eq!((ended.unwritten, ended.closed), (0, false));
    }

    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_closed_sink_is_told_and_refuses_further_lines() {
        let (mut queued, handle) = spawn(Closed, 4, || {}).unwrap();
        queued.write_all(b"first\n").unwrap();
        tokio::time::timeout(Duration::from_secs(10), handle.closed())
            .await
            .unwrap();
        assert!(queued.write_all(b"second\n").is_err());
        drop(queued);
        assert!(handle.finish(Duration::from_secs(10)).closed);
    }
}
