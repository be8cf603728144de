//! HTTP/2, for the TLS connections that negotiate it by ALPN: hyper's server frames the streams,
//! and each request becomes the emulator's own `Request` and goes through what an HTTP/1.1
//! request does in `server.rs` (the control routes, the recording, the faults, the provider's
//! answer), one stream at a time and many at once. Its `Response`, or what a fault makes of it
//! (`faults::StreamAnswer`), goes back on its stream.
//!
//! Faults act on the one stream (RST_STREAM, a late or slow answer, none at all); the connection
//! and its other streams go on. `keepAliveTimeoutMs` closes a connection that has had no stream
//! open for that long after an answer, gracefully (GOAWAY); the emulator's `close()` drops it, as
//! it does an HTTP/1.1 connection.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper::{Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tokio_rustls::server::TlsStream;

use crate::faults::{self, StreamAnswer, HUGE_CLOSE, HUGE_OPEN, HUGE_PADDING, RESET_DECLARED_LENGTH, RESET_PARTIAL};
use crate::http::{self, ReadError, Request, Response, MAX_HEADERS, MAX_HEAD_BYTES, MAX_REQUEST_BODY_BYTES};
use crate::routes;
use crate::state::Emulator;
use crate::tls::Stream as _;

/// How many streams a client may have open at once on one connection, as the emulator announces
/// it (SETTINGS_MAX_CONCURRENT_STREAMS): enough for a benchmark to multiplex freely. A client
/// past it waits for a stream to end (or is refused one, by its own choice).
pub const MAX_CONCURRENT_STREAMS: u32 = 1024;

/// How long `reset` leaves its headers and partial body to reach the socket before it resets the
/// stream: h2 drops what is still queued for a stream when it resets it.
const RESET_AFTER: Duration = Duration::from_millis(50);

/// What a connection's streams share.
struct Shared {
    emulator: Arc<Emulator>,
    /// How many streams are open (being read, answered or left hanging), when a keep-alive
    /// timeout watches for the connection to go idle.
    open_streams: Option<watch::Sender<usize>>,
}

/// One stream being served: it counts in `open_streams` until dropped, which its answer's body
/// does once hyper has sent it (or the stream was reset).
struct Served(Arc<Shared>);

impl Served {
    fn new(shared: Arc<Shared>) -> Self {
        if let Some(open) = &shared.open_streams {
            open.send_modify(|n| *n += 1);
        }
        Self(shared)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(open) = &self.0.open_streams {
            open.send_modify(|n| *n -= 1);
        }
    }
}

/// The error that makes hyper reset a stream (RST_STREAM, INTERNAL_ERROR).
#[derive(Debug)]
pub struct StreamReset;

impl std::fmt::Display for StreamReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the emulator resets the stream")
    }
}

impl std::error::Error for StreamReset {}

/// Serves an HTTP/2 connection until the peer ends it, it has been idle for the keep-alive
/// timeout, or the caller drops it (the emulator stops).
pub async fn serve_connection(stream: TlsStream<TcpStream>, emulator: Arc<Emulator>) {
    let _ = stream.tcp().set_nodelay(true);
    let idle = emulator.keep_alive_timeout();
    let shared = Arc::new(Shared {
        emulator,
        open_streams: idle.map(|_| watch::channel(0).0),
    });
    let mut open_streams = shared.open_streams.as_ref().map(watch::Sender::subscribe);
    let service = service_fn(move |request| answer(Served::new(shared.clone()), request));
    let mut builder = http2::Builder::new(TokioExecutor::new());
    builder
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        // Past this, h2 itself answers 431, as the HTTP/1.1 codec does past its head bound.
        .max_header_list_size(MAX_HEAD_BYTES as u32)
        // The HTTP/1.1 codec sends no `date`; neither do the answers here.
        .auto_date_header(false);
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
    let (Some(idle), Some(open_streams)) = (idle, open_streams.as_mut()) else {
        let _ = connection.await;
        return;
    };
    tokio::select! {
        _ = connection.as_mut() => return,
        () = idle_for(open_streams, idle) => {}
    }
    // GOAWAY: the streams already begun are answered, a new one is refused (and may be sent
    // again on another connection), and the connection closes.
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// Resolves once the connection has answered a request and then had no stream open for `idle`.
/// As over HTTP/1.1, the timeout runs only after an answer: a new connection waits for its first.
async fn idle_for(open_streams: &mut watch::Receiver<usize>, idle: Duration) {
    // Every change (a stream begun or ended) marks the receiver, so a stream that began and ended
    // between two looks still restarts the wait.
    if open_streams.changed().await.is_err() {
        return std::future::pending().await;
    }
    loop {
        if open_streams.wait_for(|open| *open == 0).await.is_err() {
            return std::future::pending().await;
        }
        match tokio::time::timeout(idle, open_streams.changed()).await {
            Err(_elapsed) => return,
            Ok(Err(_gone)) => return std::future::pending().await,
            Ok(Ok(())) => {}
        }
    }
}

/// Answers one stream: its request read and converted, then routed as over HTTP/1.1.
async fn answer(served: Served, request: hyper::Request<Incoming>) -> Result<hyper::Response<Body>, StreamReset> {
    let head_only = request.method() == Method::HEAD;
    let answer = match read_request(request).await {
        Ok(request) => route(&served.0.emulator, &request).await,
        // The client reset the stream, or the connection failed.
        Err(ReadError::Gone) => return Err(StreamReset),
        Err(ReadError::Refuse(status)) => StreamAnswer::Whole(Response::json(
            status,
            &serde_json::json!({ "message": http::reason(status) }),
        )),
    };
    match answer {
        StreamAnswer::Whole(response) => Ok(whole(response, head_only, served)),
        StreamAnswer::Trickle { response, every } => {
            tokio::time::sleep(every).await;
            Ok(trickle(response, every, head_only, served))
        }
        StreamAnswer::Huge { status, bytes } => {
            let frames = if head_only {
                Frames::Done
            } else {
                Frames::Huge(HugePart::Open, bytes - HUGE_OPEN.len() - HUGE_CLOSE.len())
            };
            Ok(head(status, json_headers(), Some(bytes), Body::new(frames, served)))
        }
        StreamAnswer::ResetMidBody => {
            let frames = Frames::ResetMidBody {
                partial: (!head_only).then(|| Bytes::from_static(RESET_PARTIAL)),
                pause: Box::pin(tokio::time::sleep(RESET_AFTER)),
            };
            let length = Some(RESET_DECLARED_LENGTH);
            Ok(head(200, json_headers(), length, Body::new(frames, served)))
        }
        StreamAnswer::ResetBeforeHeaders => Err(StreamReset),
        // The stream stays open, and counted, until the client resets it or the connection ends.
        StreamAnswer::Never => std::future::pending().await,
    }
}

/// What a request gets (`routes::route`, as over HTTP/1.1), or what a fault makes of its stream.
async fn route(emulator: &Emulator, request: &Request) -> StreamAnswer {
    match routes::route(emulator, request) {
        Ok(response) => StreamAnswer::Whole(response),
        Err((fault, provider)) => faults::apply_to_stream(fault, || routes::answer(emulator, provider, request)).await,
    }
}

/// The emulator's `Request` for a stream's request: method, path, query, headers (names in lower
/// case, `:authority` as `host` when no `host` came, a name's repeats together), the body whole.
/// The bounds are the HTTP/1.1 codec's: more than `MAX_HEADERS` fields get 431 (a header block
/// over `MAX_HEAD_BYTES` already got it from h2), a body over `MAX_REQUEST_BODY_BYTES` 413.
async fn read_request(request: hyper::Request<Incoming>) -> Result<Request, ReadError> {
    let (head, body) = request.into_parts();
    let authority = head.uri.authority().filter(|_| !head.headers.contains_key(HOST));
    if head.headers.len() + usize::from(authority.is_some()) > MAX_HEADERS {
        return Err(ReadError::Refuse(431));
    }
    let mut headers = Vec::with_capacity(head.headers.len() + usize::from(authority.is_some()));
    if let Some(authority) = authority {
        headers.push(("host".to_owned(), authority.as_str().to_owned()));
    }
    for (name, value) in &head.headers {
        headers.push((
            name.as_str().to_owned(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        ));
    }
    Ok(Request {
        method: head.method.as_str().to_owned(),
        path: head.uri.path().to_owned(),
        query: head.uri.query().map(str::to_owned),
        headers,
        body: read_body(body).await?,
        ..Request::default()
    })
}

/// The request's body, whole, or 413 past `MAX_REQUEST_BODY_BYTES` (at once when its
/// `content-length` says so).
async fn read_body(body: Incoming) -> Result<Vec<u8>, ReadError> {
    if body.is_end_stream() {
        return Ok(Vec::new());
    }
    let declared = body.size_hint().exact().unwrap_or(0);
    if declared > MAX_REQUEST_BODY_BYTES as u64 {
        return Err(ReadError::Refuse(413));
    }
    let mut bytes = Vec::with_capacity(declared as usize);
    let mut body = pin!(body);
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let Ok(data) = frame.map_err(|_| ReadError::Gone)?.into_data() else {
            continue; // trailers
        };
        if data.len() > MAX_REQUEST_BODY_BYTES - bytes.len() {
            return Err(ReadError::Refuse(413));
        }
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
}

/// Headers HTTP/2 forbids (RFC 9113, 8.2.2): the connection's, not the message's.
fn connection_specific(name: &str) -> bool {
    matches!(
        name,
        "connection" | "keep-alive" | "proxy-connection" | "transfer-encoding" | "upgrade" | "te"
    )
}

/// The response's head: `headers` (the emulator's lower-case pairs, their values taken without a
/// copy) and `content_length`, before `body`.
fn head(
    status: u16,
    headers: Vec<(String, String)>,
    content_length: Option<usize>,
    body: Body,
) -> hyper::Response<Body> {
    let mut response = hyper::Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    map.reserve(headers.len() + 1);
    for (name, value) in headers {
        // The length is the one given here, as the HTTP/1.1 codec frames it.
        if connection_specific(&name) || name == "content-length" {
            continue;
        }
        let name = HeaderName::from_bytes(name.as_bytes());
        let value = HeaderValue::from_maybe_shared(Bytes::from(value));
        if let (Ok(name), Ok(value)) = (name, value) {
            map.append(name, value);
        }
    }
    if let Some(length) = content_length {
        map.insert(CONTENT_LENGTH, HeaderValue::from(length));
    }
    response
}

/// `content-type: application/json`, for the answers a fault makes up.
fn json_headers() -> Vec<(String, String)> {
    vec![(CONTENT_TYPE.as_str().to_owned(), "application/json".to_owned())]
}

/// The length of `response` as the HTTP/1.1 codec frames it (none for 204 and 304), and its
/// body unless it has none or the request was a HEAD.
fn framed(response: &mut Response, head_only: bool) -> (Option<usize>, Option<Bytes>) {
    if !response.has_body() {
        return (None, None);
    }
    let length = response.body.len();
    let body = (!head_only && length > 0).then(|| Bytes::from(std::mem::take(&mut response.body)));
    (Some(length), body)
}

fn whole(mut response: Response, head_only: bool, served: Served) -> hyper::Response<Body> {
    let (length, body) = framed(&mut response, head_only);
    let frames = body.map_or(Frames::Done, Frames::Whole);
    head(response.status, response.headers, length, Body::new(frames, served))
}

fn trickle(mut response: Response, every: Duration, head_only: bool, served: Served) -> hyper::Response<Body> {
    let (length, body) = framed(&mut response, head_only);
    let frames = body.map_or(Frames::Done, |left| Frames::Trickle {
        left,
        every,
        next: Box::pin(tokio::time::sleep(every)),
    });
    head(response.status, response.headers, length, Body::new(frames, served))
}

/// An answer's body on its stream. It holds the stream's `Served` until hyper has sent it.
pub struct Body {
    frames: Frames,
    _served: Served,
}

impl Body {
    fn new(frames: Frames, served: Served) -> Self {
        Self {
            frames,
            _served: served,
        }
    }
}

/// What is left of a body to send.
enum Frames {
    Done,
    /// The body in one piece (h2 splits it into DATA frames as flow control allows).
    Whole(Bytes),
    /// `trickle`: one byte per DATA frame, the next when `next` is due.
    Trickle {
        left: Bytes,
        every: Duration,
        next: Pin<Box<Sleep>>,
    },
    /// `hugeBody`: where it is, and how many padding bytes are left.
    Huge(HugePart, usize),
    /// `reset`: the partial body, then, after a pause, the error that resets the stream.
    ResetMidBody {
        partial: Option<Bytes>,
        pause: Pin<Box<Sleep>>,
    },
}

#[derive(Clone, Copy)]
enum HugePart {
    Open,
    Padding,
    Close,
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = StreamReset;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, StreamReset>>> {
        let frames = &mut self.get_mut().frames;
        let data = match frames {
            Frames::Done => return Poll::Ready(None),
            Frames::Whole(_) => match std::mem::replace(frames, Frames::Done) {
                Frames::Whole(bytes) => bytes,
                _ => unreachable!("matched above"),
            },
            Frames::Trickle { left, every, next } => {
                ready!(next.as_mut().poll(cx));
                let byte = left.split_to(1);
                if left.is_empty() {
                    *frames = Frames::Done;
                } else {
                    let due = Instant::now() + *every;
                    next.as_mut().reset(due);
                }
                byte
            }
            Frames::Huge(part, left) => match *part {
                HugePart::Open => {
                    *part = HugePart::Padding;
                    Bytes::from_static(HUGE_OPEN)
                }
                HugePart::Padding => {
                    let n = (*left).min(HUGE_PADDING.len());
                    *left -= n;
                    if *left == 0 {
                        *part = HugePart::Close;
                    }
                    Bytes::from_static(&HUGE_PADDING[..n])
                }
                HugePart::Close => {
                    *frames = Frames::Done;
                    Bytes::from_static(HUGE_CLOSE)
                }
            },
            Frames::ResetMidBody { partial, pause } => match partial.take() {
                Some(partial) => partial,
                None => {
                    ready!(pause.as_mut().poll(cx));
                    return Poll::Ready(Some(Err(StreamReset)));
                }
            },
        };
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.frames, Frames::Done)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.frames {
            Frames::Done => SizeHint::with_exact(0),
            Frames::Whole(bytes) => SizeHint::with_exact(bytes.len() as u64),
            _ => SizeHint::default(),
        }
    }
}
