//! Waiting for the operator to stop a service: Ctrl-C (SIGINT) or, on Unix, SIGTERM (what
//! `kill`, systemd and container runtimes send). Every binary stops through here, so each
//! saves and closes the same way whichever signal it gets.

use std::future::Future;

/// The signal that asked for the shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

/// SIGINT and SIGTERM handlers, installed by [`ShutdownSignals::install`]: from then on these
/// signals are caught instead of killing the process. Install them before announcing that the
/// service is ready, so a signal sent right after the announcement is not fatal.
#[derive(Debug)]
pub struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Installs the handlers (needs a Tokio runtime).
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the next SIGINT or SIGTERM.
    pub async fn recv(&mut self) -> std::io::Result<Signal> {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Ok(Signal::Interrupt),
                _ = self.terminate.recv() => Ok(Signal::Terminate),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.map(|()| Signal::Interrupt)
        }
    }

    /// Waits for SIGINT or SIGTERM, then runs `shutdown` (the service's graceful stop: saving
    /// state, closing stores) and returns its output.
    pub async fn run_until_shutdown<F, Fut>(mut self, shutdown: F) -> std::io::Result<Fut::Output>
    where
        F: FnOnce(Signal) -> Fut,
        Fut: Future,
    {
        let signal = self.recv().await?;
        tracing::info!(?signal, "shutting down");
        Ok(shutdown(signal).await)
    }
}

/// Waits for SIGINT or SIGTERM (handlers installed now).
pub async fn shutdown_signal() -> std::io::Result<Signal> {
    ShutdownSignals::install()?.recv().await
}

/// [`ShutdownSignals::run_until_shutdown`] with handlers installed now.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let server = tokio::spawn(async { /* serve */ });
/// peaqos_service::run_until_shutdown(|signal| async move {
///     eprintln!("{signal:?}: stopping");
///     server.abort();
/// })
/// .await?;
/// # Ok(())
/// # }
/// ```
pub async fn run_until_shutdown<F, Fut>(shutdown: F) -> std::io::Result<Fut::Output>
where
    F: FnOnce(Signal) -> Fut,
    Fut: Future,
{
    ShutdownSignals::install()?
        .run_until_shutdown(shutdown)
        .await
}
