//! Work that must not hold up an async loop (a file or database write,
//! which may wait on a disk or another writer), run on tokio's blocking
//! pool: the one way the runner and the notifier's outbox do it.

/// Runs `f` on tokio's blocking pool. A panic there is a bug; it is passed
/// on rather than hidden.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
