//! JSON-RPC over WebSocket on the HTTP port (a `GET /` with `Upgrade: websocket`, as geth and
//! anvil serve it), with `eth_subscribe` / `eth_unsubscribe`.
//!
//! Every HTTP method answers the same over a WebSocket (the same dispatch, [`super::answer`],
//! with the same batch bounds), and a message may be as large as an HTTP body
//! ([`MAX_MESSAGE_BYTES`]). A connection is served by three parts: the reader (requests, one at
//! a time, on the chain thread), the forwarder (chain events to this connection's
//! subscriptions) and the writer (owns the socket's sending half). Both of the first two only
//! queue messages for the writer; the queue is bounded ([`MAX_OUTBOUND_MESSAGES`],
//! [`MAX_OUTBOUND_BYTES`]), and a client that does not read fast enough to keep it under the
//! bounds is disconnected (close code 1008) instead of growing the devnet's memory.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    extract::{
        FromRequestParts, Request, State,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
    },
    http::{StatusCode, header},
    response::Response,
};
use futures_util::{SinkExt, StreamExt, stream::SplitSink};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::{
    MAX_BATCH_LEN, MAX_BODY_BYTES, RpcError, access, codes,
    subscriptions::{ChainEvent, SubscriptionKind, Subscriptions},
};
use crate::node::Node;

/// Largest message (and frame) taken: [`MAX_BODY_BYTES`], as an HTTP body. A larger one closes
/// the connection with code 1009.
pub const MAX_MESSAGE_BYTES: usize = MAX_BODY_BYTES;
/// Most messages waiting to be sent on one connection (answers and notifications; geth's
/// client-side subscription buffer is 20,000); past it the connection is closed (1008).
pub const MAX_OUTBOUND_MESSAGES: usize = 20_000;
/// Most bytes waiting to be sent on one connection (a whole batch answer, 25 MB, fits); past it
/// the connection is closed (1008).
pub const MAX_OUTBOUND_BYTES: usize = 32 * 1024 * 1024;
/// A ping is sent after this long without a message from the client.
pub const PING_INTERVAL: Duration = Duration::from_secs(30);
/// A connection whose client sends nothing (not even the pong to a ping) for this long is
/// closed (1001).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the close frame may take to be written before the socket is dropped anyway.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// Most queued messages written before one flush.
const MAX_MESSAGES_PER_FLUSH: usize = 256;

/// Close code 1001: going away (shutdown, idle).
const GOING_AWAY: u16 = 1001;
/// Close code 1008: policy violation (a consumer too slow for the bounds).
const POLICY: u16 = 1008;
/// Close code 1009: message too big.
const TOO_BIG: u16 = 1009;
/// Close code 1011: unexpected condition.
const INTERNAL: u16 = 1011;

/// `GET /`: a WebSocket upgrade (the same `Origin` rule as a POST); a GET without the upgrade
/// headers is refused as before (405).
pub(super) async fn upgrade(State(node): State<Arc<Node>>, request: Request) -> Response {
    let foreign = request
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|o| !o.to_str().is_ok_and(|o| node.allowed_origins().allows(o)));
    if foreign {
        return access::Refused::Origin.into_response();
    }
    let slot = request
        .extensions()
        .get::<peaqos_service::http::ConnectionSlot>()
        .cloned();
    let (mut parts, _body) = request.into_parts();
    let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &()).await else {
        return super::http_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "only POST (JSON-RPC) or a WebSocket upgrade",
        );
    };
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            // Held while the connection is served: it counts against the server's cap.
            let _slot = slot;
            serve(node, socket).await;
        })
}

/// The outbound queue of one connection: bounded in messages and bytes.
struct Outbound {
    queue: mpsc::Sender<Message>,
    bytes: Arc<AtomicUsize>,
}

/// The queue is full: the client does not read fast enough.
struct SlowConsumer;

impl Outbound {
    fn push(&self, text: String) -> Result<(), SlowConsumer> {
        let len = text.len();
        if self.bytes.fetch_add(len, Ordering::SeqCst) + len > MAX_OUTBOUND_BYTES {
            return Err(SlowConsumer);
        }
        self.queue
            .try_send(Message::Text(Utf8Bytes::from(text)))
            .map_err(|_| SlowConsumer)
    }
}

/// Why a connection ends (the close frame sent, if any).
type Closing = Option<CloseFrame>;

fn close(code: u16, reason: &str) -> Closing {
    Some(CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    })
}

fn slow_consumer() -> Closing {
    close(
        POLICY,
        "slow consumer: too many messages waiting to be sent (see MAX_OUTBOUND_MESSAGES)",
    )
}

async fn serve(node: Arc<Node>, socket: WebSocket) {
    let events = node.chain_feed().subscribe();
    let (sink, mut stream) = socket.split();
    let (queue, outbound) = mpsc::channel(MAX_OUTBOUND_MESSAGES);
    let bytes = Arc::new(AtomicUsize::new(0));
    let (close_tx, close_rx) = oneshot::channel();
    let writer = tokio::spawn(write(sink, outbound, Arc::clone(&bytes), close_rx));
    let out = Outbound { queue, bytes };
    let subscriptions = Mutex::new(Subscriptions::default());

    let closing = tokio::select! {
        closing = read(&node, &mut stream, &out, &subscriptions) => closing,
        closing = forward(events, &out, &subscriptions) => closing,
    };
    let _ = close_tx.send(closing);
    drop(out);
    let _ = writer.await;
}

/// Takes the client's messages: requests are answered in order; pings are answered by the
/// socket itself. Ends with the reason to close.
async fn read(
    node: &Arc<Node>,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    out: &Outbound,
    subscriptions: &Mutex<Subscriptions>,
) -> Closing {
    let mut pinged = false;
    loop {
        let wait = if pinged {
            IDLE_TIMEOUT - PING_INTERVAL
        } else {
            PING_INTERVAL
        };
        let message = match tokio::time::timeout(wait, stream.next()).await {
            Err(_) if pinged => return close(GOING_AWAY, "idle: no pong to the ping"),
            Err(_) => {
                pinged = true;
                if out
                    .queue
                    .try_send(Message::Ping(Default::default()))
                    .is_err()
                {
                    return slow_consumer();
                }
                continue;
            }
            Ok(None) => return None,
            Ok(Some(Err(e))) => return read_error(&e),
            Ok(Some(Ok(message))) => message,
        };
        pinged = false;
        let body = match message {
            Message::Text(text) => axum::body::Bytes::from(text),
            Message::Binary(bytes) => bytes,
            Message::Close(_) => return None,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let Some(reply) = answer(node, body, subscriptions, out).await else {
            continue;
        };
        let reply = match String::from_utf8(reply) {
            Ok(reply) => reply,
            Err(_) => return close(INTERNAL, "answer is not UTF-8"),
        };
        if out.push(reply).is_err() {
            return slow_consumer();
        }
    }
}

/// The close frame for a failed read: 1009 for a message past [`MAX_MESSAGE_BYTES`].
fn read_error(e: &axum::Error) -> Closing {
    let text = e.to_string();
    if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
        close(
            TOO_BIG,
            &format!("message too large: at most {MAX_MESSAGE_BYTES} bytes"),
        )
    } else {
        tracing::debug!(error = %text, "websocket read failed");
        None
    }
}

/// Sends the chain's changes to this connection's subscriptions, until the node stops or the
/// connection falls too far behind.
async fn forward(
    mut events: broadcast::Receiver<ChainEvent>,
    out: &Outbound,
    subscriptions: &Mutex<Subscriptions>,
) -> Closing {
    loop {
        let event = match events.recv().await {
            Ok(ChainEvent::Stopping) | Err(broadcast::error::RecvError::Closed) => {
                return close(GOING_AWAY, "the devnet is shutting down");
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                return close(POLICY, "slow consumer: fell behind the chain's events");
            }
            Ok(event) => event,
        };
        let subs = subscriptions.lock().unwrap_or_else(PoisonError::into_inner);
        for text in subs.notifications(&event) {
            if out.push(text).is_err() {
                return slow_consumer();
            }
        }
    }
}

/// Owns the sending half: writes what is queued until told to close, then sends the close
/// frame (bounded in time: the client may not be reading).
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut outbound: mpsc::Receiver<Message>,
    bytes: Arc<AtomicUsize>,
    closing: oneshot::Receiver<Closing>,
) {
    tokio::pin!(closing);
    let reason = loop {
        tokio::select! {
            biased;
            reason = &mut closing => break reason.unwrap_or(None),
            message = outbound.recv() => {
                let Some(first) = message else { break None };
                // What is queued goes out together, with one flush (one write for a burst of
                // notifications rather than one per message).
                let burst = async {
                    let mut next = Some(first);
                    let mut fed = 0;
                    while let Some(message) = next.take() {
                        if let Message::Text(text) = &message {
                            bytes.fetch_sub(text.as_str().len(), Ordering::SeqCst);
                        }
                        sink.feed(message).await?;
                        fed += 1;
                        if fed < MAX_MESSAGES_PER_FLUSH {
                            next = outbound.try_recv().ok();
                        }
                    }
                    sink.flush().await
                };
                tokio::select! {
                    biased;
                    reason = &mut closing => break reason.unwrap_or(None),
                    sent = burst => if sent.is_err() { return },
                }
            }
        }
    };
    let frame = Message::Close(reason);
    let _ = tokio::time::timeout(CLOSE_WRITE_TIMEOUT, async {
        let _ = sink.send(frame).await;
        let _ = sink.close().await;
    })
    .await;
}

/// The method of a request, alone (to find subscription calls in a batch).
#[derive(Deserialize)]
struct MethodOf<'a> {
    #[serde(borrow)]
    method: Option<&'a RawValue>,
}

const SUBSCRIBE: &str = "eth_subscribe";
const UNSUBSCRIBE: &str = "eth_unsubscribe";

/// Answers one message: subscription calls here (they belong to the connection), everything
/// else on the chain thread, as an HTTP body.
async fn answer(
    node: &Arc<Node>,
    body: axum::body::Bytes,
    subscriptions: &Mutex<Subscriptions>,
    out: &Outbound,
) -> Option<Vec<u8>> {
    // Most messages are plain calls: one look for the word before parsing anything.
    let mentions_subscription = body.windows(9).any(|w| w == b"subscribe");
    if !mentions_subscription || !has_subscription_call(&body) {
        return node
            .run(move |n| super::answer(n, &body))
            .await
            .unwrap_or_else(|stopping| {
                Some(super::error_bytes(
                    super::RAW_NULL,
                    &RpcError::new(codes::SERVER_ERROR, stopping.to_string()),
                ))
            });
    }
    // A request or batch with subscription calls: each element answered in turn.
    let text = std::str::from_utf8(&body).ok()?;
    if !text.trim_start().starts_with('[') {
        return answer_one(node, text, subscriptions, Some(out)).await;
    }
    let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
    let mut replies = Vec::new();
    let mut size = 0usize;
    for item in items {
        let reply = if size > super::MAX_BATCH_RESPONSE_BYTES {
            // As over HTTP: past the batch's answer budget the rest is not run.
            serde_json::from_str::<Call<'_>>(item.get())
                .ok()
                .and_then(|c| c.id)
                .map(|id| {
                    super::error_bytes(
                        id.get(),
                        &RpcError::new(codes::RESPONSE_TOO_LARGE, "response too large"),
                    )
                })
        } else {
            // In a batch the answer to `eth_subscribe` comes with the batch's, which a first
            // notification may precede.
            answer_one(node, item.get(), subscriptions, None).await
        };
        if let Some(reply) = reply {
            size += reply.len();
            replies.push(reply);
        }
    }
    if replies.is_empty() {
        return None;
    }
    let mut joined = vec![b'['];
    for (i, reply) in replies.into_iter().enumerate() {
        if i > 0 {
            joined.push(b',');
        }
        joined.extend_from_slice(&reply);
    }
    joined.push(b']');
    Some(joined)
}

/// Whether `body` (a request or a batch of at most [`MAX_BATCH_LEN`]) calls
/// `eth_subscribe` / `eth_unsubscribe`.
fn has_subscription_call(body: &[u8]) -> bool {
    let is_sub = |raw: &RawValue| {
        serde_json::from_str::<MethodOf<'_>>(raw.get())
            .ok()
            .and_then(|m| m.method)
            .is_some_and(|m| {
                let m = m.get();
                m == format!("\"{SUBSCRIBE}\"") || m == format!("\"{UNSUBSCRIBE}\"")
            })
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<&RawValue>>(text)
            .is_ok_and(|items| items.len() <= MAX_BATCH_LEN && items.iter().any(|i| is_sub(i)))
    } else {
        serde_json::from_str::<&RawValue>(text).is_ok_and(is_sub)
    }
}

/// The parts of a request object that subscription calls use.
#[derive(Deserialize)]
struct Call<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    method: Option<String>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
}

async fn answer_one(
    node: &Arc<Node>,
    raw: &str,
    subscriptions: &Mutex<Subscriptions>,
    out: Option<&Outbound>,
) -> Option<Vec<u8>> {
    let call = serde_json::from_str::<Call<'_>>(raw).ok();
    let subscribe = match call.as_ref().and_then(|c| c.method.as_deref()) {
        Some(SUBSCRIBE) => true,
        Some(UNSUBSCRIBE) => false,
        _ => {
            let body = raw.as_bytes().to_vec();
            return node
                .run(move |n| super::answer(n, &body))
                .await
                .ok()
                .flatten();
        }
    };
    let call = call?;
    let params = call.params.map_or("[]", RawValue::get);
    let result = if subscribe {
        SubscriptionKind::parse(params).and_then(|kind| {
            let mut subs = subscriptions.lock().unwrap_or_else(PoisonError::into_inner);
            let id = subs.add(kind)?;
            let result = super::subscriptions::id_json(id);
            let (Some(out), Some(id_raw)) = (out, call.id) else {
                return Ok(Some(result));
            };
            // Queued while the subscriptions are locked: the answer goes out before the
            // subscription's first notification.
            let reply = format!(
                "{{\"id\":{},\"jsonrpc\":\"2.0\",\"result\":{result}}}",
                id_raw.get()
            );
            if out.push(reply).is_err() {
                subs.remove(id);
            }
            Ok(None)
        })
    } else {
        serde_json::from_str::<(alloy::primitives::U128,)>(params)
            .map_err(|e| RpcError::params(format!("invalid eth_unsubscribe parameters: {e}")))
            .map(|(id,)| {
                let removed = subscriptions
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(id);
                Some(removed.to_string())
            })
    };
    let id = call.id?.get();
    match result {
        Ok(None) => None,
        Ok(Some(result)) => {
            Some(format!("{{\"id\":{id},\"jsonrpc\":\"2.0\",\"result\":{result}}}").into_bytes())
        }
        Err(e) => Some(super::error_bytes(id, &e)),
    }
}
