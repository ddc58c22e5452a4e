//! The one HTTP server loop of the peaqOS services (the devnet's JSON-RPC, the MCR API, the Gas
//! Station), in place of `axum::serve`, which has no header-read or idle timeout and no
//! connection limit: a client could hold any number of half-open requests, and in `peaqos dev`
//! the three servers share one process's file descriptors.
//!
//! [`serve`] accepts on a tokio [`TcpListener`] and serves each connection with hyper's HTTP/1.1
//! server (HTTP/1.1 only, as `axum::serve` with axum's `http1` feature was: no h2c). Every
//! limit is a field of [`ServerLimits`] with a documented default:
//!
//! - **Header read** ([`DEFAULT_HEADER_READ_TIMEOUT`]): a request head (request line and
//!   headers) must arrive whole within this time, or the connection is closed. hyper starts the
//!   same timer when a keep-alive connection goes idle after a response, so this is also the
//!   **idle keep-alive timeout**: an idle connection is closed after it.
//! - **Body read** ([`DEFAULT_BODY_READ_TIMEOUT`]): the request body must arrive within this
//!   time of its head; a slower body fails as a body read error (the handler's extractor turns
//!   it into a 400 in the service's own error shape).
//! - **Write stall** ([`DEFAULT_WRITE_STALL_TIMEOUT`]): a response write that makes no progress
//!   for this long (a client that does not read its answer) closes the connection.
//! - **Connections** ([`DEFAULT_MAX_CONNECTIONS`]): when this many are open, a new connection
//!   takes the place of the one that has been **idle longest** (no request in progress: a
//!   half-open request head, or a keep-alive connection between requests), which is closed;
//!   only when every connection has a request in progress does the new one wait (in the
//!   kernel's listen backlog, behind the one accepted connection). So clients that open
//!   connections and send nothing cannot keep others out for the header timeout.
//! - **Connections per IP** ([`DEFAULT_MAX_CONNECTIONS_PER_IP`]): one more from a remote
//!   address that already has this many is accepted and closed at once (the address is known
//!   only after accepting; waiting would let one client block the queue). Loopback addresses
//!   are not capped unless [`ServerLimits::per_ip_includes_loopback`]: in `peaqos dev`, in the
//!   tests and behind a reverse proxy on the same host every client is `127.0.0.1`, and a burst
//!   of them must queue under the overall cap rather than be refused.
//! - **Shutdown grace** ([`DEFAULT_SHUTDOWN_GRACE`]): on the [`StopSignal`] the server stops
//!   accepting, lets each request in progress finish (idle connections close at once) and
//!   after this long closes whatever is left.
//!
//! - **Bare errors**: hyper answers a request it cannot parse itself, before any router, with
//!   an empty body (414 for a request target over 64 KiB, 431 for oversized headers, 400 for
//!   malformed HTTP). Such an answer is rewritten on its way out with a body in the service's
//!   documented error shape ([`ServerLimits::error_body`]).
//!
//! A limit being hit is logged at most once per [`LIMIT_LOG_INTERVAL`] per server, with the
//! number of refusals since the last line. There is no total per-request time limit: a
//! handler's own outbound calls carry their timeouts (the Gas Station waits up to its
//! `receipt_timeout` for a transfer), and the slow-client cases are covered above.
//!
//! Handlers can extract [`ConnectInfo<SocketAddr>`] (the peer address), as with
//! `Router::into_make_service_with_connect_info::<SocketAddr>()`, and [`ConnectionSlot`] (kept
//! by a WebSocket upgrade handler, so upgraded connections count against the caps).

use std::{
    collections::HashMap,
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use axum::{Router, body::Body, extract::ConnectInfo, http::StatusCode};
use hyper::{
    Request,
    body::{Bytes, Frame, Incoming, SizeHint},
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Notify, OwnedSemaphorePermit, Semaphore},
    task::JoinSet,
    time::Sleep,
};
use tower_service::Service;

use crate::StopSignal;

/// Default [`ServerLimits::header_read_timeout`]: 10 s for a request head, and the idle
/// keep-alive timeout.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`ServerLimits::body_read_timeout`]: 30 s for a request body after its head.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`ServerLimits::write_stall_timeout`]: 30 s without progress writing a response.
pub const DEFAULT_WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`ServerLimits::max_connections`]: 256 open connections per server, so the three
/// servers of `peaqos dev` (768) stay under the common 1,024 soft file-descriptor limit with
/// room for database and RPC connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// Default [`ServerLimits::max_connections_per_ip`]: 64 open connections per remote client
/// address (loopback is not capped by default). Behind a reverse proxy on another host every
/// client has the proxy's address: raise it to `max_connections` there.
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 64;
/// Default [`ServerLimits::shutdown_grace`]: 10 s for requests in progress at shutdown.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// A hit limit is logged at most once per this interval per server.
pub const LIMIT_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The limits of one server; [`ServerLimits::default`] gives the documented defaults
/// (`DEFAULT_*`), and a service's configuration can change any field.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ServerLimits {
    /// Time for a whole request head; also the idle keep-alive timeout.
    pub header_read_timeout: Duration,
    /// Time for a request body, counted from its head.
    pub body_read_timeout: Duration,
    /// Time a response write may make no progress before the connection is closed.
    pub write_stall_timeout: Duration,
    /// Open connections at most; more wait in the listen backlog (at least 1).
    pub max_connections: usize,
    /// Open connections per client IP address at most; more are closed at once (at least 1).
    pub max_connections_per_ip: usize,
    /// Whether [`ServerLimits::max_connections_per_ip`] also caps loopback clients (default
    /// `false`: local clients share only [`ServerLimits::max_connections`]).
    pub per_ip_includes_loopback: bool,
    /// Time requests in progress get to finish once the server is stopping.
    pub shutdown_grace: Duration,
    /// The status and JSON body replacing an error hyper answers itself (414, 431, 400 before
    /// any router): the service's documented error shape (default [`default_error_body`]).
    pub error_body: ErrorBody,
}

/// The status and JSON body of the answer to a request refused before any router, from
/// hyper's status (see [`ServerLimits::error_body`]).
pub type ErrorBody = fn(StatusCode) -> (StatusCode, String);

/// hyper's status and `{"error": "<reason phrase>"}`: the default [`ErrorBody`].
pub fn default_error_body(status: StatusCode) -> (StatusCode, String) {
    let reason = status.canonical_reason().unwrap_or("Bad Request");
    (status, format!(r#"{{"error":"{reason}"}}"#))
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            write_stall_timeout: DEFAULT_WRITE_STALL_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
            per_ip_includes_loopback: false,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            error_body: default_error_body,
        }
    }
}

/// Serves `router` on `listener` within `limits` until `stop`, then shuts down gracefully
/// (requests in progress get [`ServerLimits::shutdown_grace`]). Accept errors (a full
/// file-descriptor table) are logged and retried, so this only returns after `stop`.
pub async fn serve(listener: TcpListener, router: Router, limits: ServerLimits, stop: StopSignal) {
    let local = listener.local_addr().ok();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_ip = PerIp::new(limits);
    let open = Registry::default();
    let mut log = LimitLog::default();
    let mut connections = JoinSet::new();
    let stopped = stop.clone().stopped();
    tokio::pin!(stopped);

    loop {
        while connections.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            () = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !is_connection_error(&e) {
                        // Most likely out of file descriptors: give connections time to close.
                        log.hit(local, &format!("accept failed: {e}"));
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
            },
        };
        let Some(ip_slot) = per_ip.claim(peer.ip()) else {
            log.hit(
                local,
                &format!("per-IP connection limit reached for {}: closed", peer.ip()),
            );
            drop(stream);
            continue;
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // Full: the longest-idle connection makes room; with none idle, wait for one
                // to end (further connections wait in the backlog meanwhile).
                if open.evict_longest_idle() {
                    log.hit(
                        local,
                        "connection limit reached: closing the longest-idle connections",
                    );
                } else {
                    log.hit(
                        local,
                        "connection limit reached, every connection busy: new ones wait",
                    );
                }
                tokio::select! {
                    () = &mut stopped => break,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break, // never closed
                    },
                }
            }
        };
        let tracked = open.insert();
        connections.spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            limits,
            stop.clone(),
            tracked,
            (slot, ip_slot),
        ));
    }

    drop(listener);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            addr = ?local,
            open = connections.len(),
            "shutdown grace over: closing the connections left"
        );
        connections.shutdown().await;
    }
}

/// Serves one connection; it holds its slots until it ends.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ServerLimits,
    stop: StopSignal,
    tracked: Tracked,
    slots: (OwnedSemaphorePermit, IpSlot),
) {
    let slot = ConnectionSlot(Arc::new(slots));
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(StallGuard::new(
        stream,
        limits.write_stall_timeout,
        limits.error_body,
    ));
    let body_timeout = limits.body_read_timeout;
    let activity = tracked.activity.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let mut req = req.map(|body| Body::new(TimedBody::new(body, body_timeout)));
        req.extensions_mut().insert(ConnectInfo(peer));
        req.extensions_mut().insert(slot.clone());
        let busy = activity.begin();
        let answer = router.clone().call(req);
        async move {
            let answer = answer.await;
            drop(busy);
            answer
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    // Upgrades (WebSocket): the upgraded stream is handed to the handler, which keeps the
    // connection's slot (`ConnectionSlot`) for as long as it serves it.
    let conn = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = stop.stopped() => {
            // Finish the request in progress (if any), then close.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
        () = tracked.evicted.notified() => {
            tracing::debug!(%peer, "closed to make room: idle longest at the connection limit");
            return;
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection closed");
    }
}

/// The place a connection takes under [`ServerLimits::max_connections`] (and its address's
/// under [`ServerLimits::max_connections_per_ip`]), in every request's extensions. The slot is
/// free once the connection and every clone of this are gone: a handler that takes over the
/// connection (a WebSocket upgrade) keeps a clone while it serves it, so upgraded connections
/// count against the same cap.
#[derive(Clone)]
pub struct ConnectionSlot(#[allow(dead_code)] Arc<(OwnedSemaphorePermit, IpSlot)>);

impl std::fmt::Debug for ConnectionSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionSlot")
    }
}

/// Whether an accept error concerns only the one connection (retry at once).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Open connections per client address.
struct PerIp {
    max: usize,
    loopback_too: bool,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PerIp {
    fn new(limits: ServerLimits) -> Self {
        Self {
            max: limits.max_connections_per_ip.max(1),
            loopback_too: limits.per_ip_includes_loopback,
            open: Arc::default(),
        }
    }

    /// A slot for one more connection from `ip`, if it has fewer than the maximum (loopback
    /// always has one unless it is capped too).
    fn claim(&self, ip: IpAddr) -> Option<IpSlot> {
        if ip.to_canonical().is_loopback() && !self.loopback_too {
            return Some(IpSlot { ip, open: None });
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            ip,
            open: Some(self.open.clone()),
        })
    }
}

/// One open connection of an address; released on drop (the map keeps only open addresses).
struct IpSlot {
    ip: IpAddr,
    /// `None` for an uncapped (loopback) address.
    open: Option<Arc<Mutex<HashMap<IpAddr, usize>>>>,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let Some(open) = &self.open else { return };
        let mut open = open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Logs a hit limit at most once per [`LIMIT_LOG_INTERVAL`], counting the ones in between.
#[derive(Default)]
struct LimitLog {
    last: Option<Instant>,
    suppressed: u64,
}

impl LimitLog {
    fn hit(&mut self, addr: Option<SocketAddr>, what: &str) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < LIMIT_LOG_INTERVAL)
        {
            self.suppressed += 1;
            return;
        }
        tracing::warn!(
            addr = ?addr,
            suppressed = self.suppressed,
            "{what} (logged at most every {}s; suppressed: lines since the last)",
            LIMIT_LOG_INTERVAL.as_secs()
        );
        self.last = Some(now);
        self.suppressed = 0;
    }
}

/// Each open connection's activity and its eviction signal, by connection number.
type OpenConnections = Arc<Mutex<HashMap<u64, (Arc<Activity>, Arc<Notify>)>>>;

/// The open connections of a server, for closing the longest-idle one at the limit.
#[derive(Default)]
struct Registry {
    next: AtomicU64,
    open: OpenConnections,
}

/// Whether a connection has requests in progress, and since when it has had none.
struct Activity {
    busy: AtomicUsize,
    /// Milliseconds since `epoch` when it last became idle.
    idle_since_ms: AtomicU64,
    epoch: Instant,
}

impl Activity {
    fn new() -> Self {
        Self {
            busy: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// A request starts; it ends when the guard drops.
    fn begin(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }
}

/// A request in progress on a connection.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let ms = u64::try_from(self.0.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.idle_since_ms.store(ms, Ordering::SeqCst);
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection's entry in the [`Registry`]; removed on drop.
struct Tracked {
    id: u64,
    activity: Arc<Activity>,
    evicted: Arc<Notify>,
    open: OpenConnections,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl Registry {
    fn insert(&self) -> Tracked {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (activity, evicted) = (Arc::new(Activity::new()), Arc::new(Notify::new()));
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, (activity.clone(), evicted.clone()));
        Tracked {
            id,
            activity,
            evicted,
            open: self.open.clone(),
        }
    }

    /// Closes the connection without a request in progress that has been idle longest (it
    /// leaves the registry at once, so it is not picked twice); whether there was one.
    fn evict_longest_idle(&self) -> bool {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let oldest = open
            .iter()
            .filter(|(_, (a, _))| a.busy.load(Ordering::SeqCst) == 0)
            .max_by_key(|(_, (a, _))| {
                let since = a.epoch + Duration::from_millis(a.idle_since_ms.load(Ordering::SeqCst));
                now.saturating_duration_since(since)
            })
            .map(|(id, _)| *id);
        let Some(id) = oldest else { return false };
        if let Some((_, evicted)) = open.remove(&id) {
            evicted.notify_one();
        }
        true
    }
}

/// A request body that fails once its deadline passes before it has all arrived.
struct TimedBody {
    inner: Incoming,
    timeout: Duration,
    deadline: tokio::time::Instant,
    /// Armed the first time the body has to wait (a body already read costs no timer).
    sleep: Option<Pin<Box<Sleep>>>,
}

impl TimedBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: tokio::time::Instant::now() + timeout,
            sleep: None,
        }
    }
}

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
enum BodyError {
    /// The connection failed.
    #[error("request body: {0}")]
    Read(#[from] hyper::Error),
    /// The body did not arrive in time.
    #[error("request body did not arrive within {} s", .0.as_secs())]
    Timeout(Duration),
}

impl hyper::body::Body for TimedBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(BodyError::from)));
        }
        let deadline = this.deadline;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(sleep.as_mut().poll(cx));
        Poll::Ready(Some(Err(BodyError::Timeout(this.timeout))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A connection whose writes fail once one has made no progress for the stall timeout (a
/// client that stopped reading its response). Reads are hyper's to time.
struct StallGuard {
    io: TcpStream,
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
    armed: bool,
    error_body: ErrorBody,
    /// A bare error answer being replaced: the replacement, how much of it is written, and
    /// the length of hyper's original (reported as written once the replacement is).
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl StallGuard {
    const fn new(io: TcpStream, timeout: Duration, error_body: ErrorBody) -> Self {
        Self {
            io,
            timeout,
            sleep: None,
            armed: false,
            error_body,
            replacing: None,
        }
    }

    /// Writes the replacement of a bare error answer; `Ready(Ok(original length))` once all
    /// of it is out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, original)) = &mut self.replacing {
            if *written == bytes.len() {
                let original = *original;
                self.replacing = None;
                return Poll::Ready(Ok(original));
            }
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(0))
    }

    /// Passes a ready write result through (disarming the timer); a pending one arms it and
    /// turns into an error once it fires.
    fn guard<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.armed = false;
            return poll;
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !self.armed {
            sleep.as_mut().reset(deadline);
            self.armed = true;
        }
        ready!(sleep.as_mut().poll(cx));
        self.armed = false;
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client stopped reading the response",
        )))
    }
}

impl AsyncRead for StallGuard {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for StallGuard {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replacing.is_none()
            && let Some(status) = bare_error_status(buf)
        {
            let (status, body) = (this.error_body)(status);
            this.replacing = Some((error_answer(status, &body), 0, buf.len()));
        }
        let poll = if this.replacing.is_some() {
            this.poll_replacement(cx)
        } else {
            Pin::new(&mut this.io).poll_write(cx, buf)
        };
        this.guard(cx, poll)
    }

    /// Not vectored: hyper then writes each answer's head (and a small body) in one buffer,
    /// where a bare error answer can be recognised whole.
    fn is_write_vectored(&self) -> bool {
        false
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_flush(cx);
        this.guard(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_shutdown(cx);
        this.guard(cx, poll)
    }
}

/// The status of a bare error answer hyper writes itself (a 4xx head with `content-length: 0`
/// and nothing after it; every router answer of the services has a JSON body), if `buf` is one.
fn bare_error_status(buf: &[u8]) -> Option<StatusCode> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    let status = StatusCode::from_bytes(rest.get(..3)?).ok()?;
    if !status.is_client_error() || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?.to_ascii_lowercase();
    let empty = head.contains("\r\ncontent-length: 0\r\n") && !head.contains("\r\ncontent-type:");
    // One head only: the blank line that ends it is the end of the buffer.
    (empty && head.find("\r\n\r\n")? + 4 == head.len()).then_some(status)
}

/// A complete answer with `status` and a JSON `body`, closing the connection (hyper closes it
/// after a parse error anyway).
fn error_answer(status: StatusCode, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_client_errors_are_recognised() {
        let bare = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(bare_error_status(bare), Some(StatusCode::URI_TOO_LONG));
        let with_body =
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(bare_error_status(with_body), None);
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(bare_error_status(ok), None);
        let answer = String::from_utf8(error_answer(StatusCode::URI_TOO_LONG, "{}")).expect("utf8");
        assert!(answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(answer.ends_with("content-length: 2\r\nconnection: close\r\n\r\n{}"));
    }
}
