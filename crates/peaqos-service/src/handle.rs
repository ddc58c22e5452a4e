//! A service's background tasks, owned in one place: one stop signal for all of them, a
//! graceful [`ServiceHandle::shutdown`] that waits for each, and a stop on drop.

use std::future::Future;

use tokio::{sync::watch, task::JoinHandle};

/// The tasks of a running service (servers, indexers, relayers, timers).
///
/// Every task sees the same [`StopSignal`]: servers pass it to their graceful shutdown, loops
/// select on it. [`ServiceHandle::shutdown`] raises it and waits for every task; dropping the
/// handle raises it too, so nothing outlives its service (the tasks finish on their own).
#[derive(Debug)]
pub struct ServiceHandle {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// The stop signal of a [`ServiceHandle`], for its tasks.
#[derive(Debug, Clone)]
pub struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    /// Resolves once the service is stopping (at once if it already is, or if the handle is
    /// gone).
    pub async fn stopped(mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    /// Whether the service is stopping.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// The underlying watch channel (`true` once stopping), for loops written against it.
    pub fn into_receiver(self) -> watch::Receiver<bool> {
        self.0
    }
}

impl Default for ServiceHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl ServiceHandle {
    /// A handle with no tasks yet.
    pub fn new() -> Self {
        Self {
            stop: watch::Sender::new(false),
            tasks: Vec::new(),
        }
    }

    /// The stop signal, to hand to a task before spawning it.
    pub fn stop_signal(&self) -> StopSignal {
        StopSignal(self.stop.subscribe())
    }

    /// Spawns a task that watches the [`StopSignal`] itself and ends soon after it (a server
    /// with graceful shutdown, a loop that selects on it).
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(task));
    }

    /// Spawns a task that knows nothing of stopping (a timer loop): it is cancelled at its next
    /// `.await` once the service stops.
    pub fn spawn_until_stopped(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        let stopped = self.stop_signal().stopped();
        self.spawn(async move {
            tokio::select! {
                () = task => {}
                () = stopped => {}
            }
        });
    }

    /// Raises the stop signal without waiting.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Raises the stop signal and waits for every task (a server lets the requests in progress
    /// finish). A task that panicked is logged, not propagated.
    pub async fn shutdown(mut self) {
        self.stop();
        for task in std::mem::take(&mut self.tasks) {
            if let Err(e) = task.await
                && e.is_panic()
            {
                tracing::error!(error = %e, "a service task panicked");
            }
        }
    }
}

impl Drop for ServiceHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    use super::*;

    #[tokio::test]
    async fn shutdown_stops_and_waits_for_every_task() {
        let mut handle = ServiceHandle::new();
        let graceful = Arc::new(AtomicBool::new(false));
        let (stop, done) = (handle.stop_signal(), graceful.clone());
        handle.spawn(async move {
            stop.stopped().await;
            done.store(true, Ordering::SeqCst);
        });
        handle.spawn_until_stopped(std::future::pending());
        handle.shutdown().await;
        assert!(graceful.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn drop_raises_the_stop_signal() {
        let handle = ServiceHandle::new();
        let stop = handle.stop_signal();
        assert!(!stop.is_stopped());
        drop(handle);
        assert!(stop.is_stopped());
        stop.stopped().await;
    }
}
