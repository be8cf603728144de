//! A running emulator: it listens, accepts connections (over TLS when asked), serves each one
//! request after another until the peer or a keep-alive timeout ends it, offers a blackhole
//! listener for connect timeouts, and closes. A TLS connection that negotiated HTTP/2 by ALPN is
//! served by `h2.rs` instead, its streams at once; every other one by the HTTP/1.1 codec here.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

use captcha_core::errors::CaptchaError;

use crate::http::{self, Connection, ReadError, Response};
use crate::options::{EmulatorCredentials, EmulatorOptions};
use crate::state::{lock, Emulator};
use crate::tls::{self, Stream};
use crate::{faults, h2, routes};

/// How long a client may take over the TLS handshake before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running emulator: its address, its state, and the task that accepts connections.
pub struct RunningEmulator {
    state: Arc<Emulator>,
    address: SocketAddr,
    /// The PEM of the authority that signed the emulator's certificate, when it serves HTTPS.
    authority_pem: Option<String>,
    accept_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    blackhole: tokio::sync::Mutex<Option<Blackhole>>,
}

impl RunningEmulator {
    /// Binds and starts serving. Must run inside the Tokio runtime.
    pub async fn start(options: EmulatorOptions) -> Result<Self, CaptchaError> {
        let credentials = EmulatorCredentials::from_options(&options)?;
        let host = options.host.unwrap_or_else(|| "127.0.0.1".into());
        let listener = TcpListener::bind((host.as_str(), options.port.unwrap_or(0)))
            .await
            .map_err(|e| CaptchaError::operation_failed(format!("the emulator cannot listen on {host}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| CaptchaError::operation_failed(format!("the emulator has no address: {e}")))?;
        let tls = match options.tls {
            Some(true) => Some(tls::Tls::generate(&host)?),
            _ => None,
        };
        let authority_pem = tls.as_ref().map(|tls| tls.authority_pem.clone());
        let mut state = Emulator::new(credentials);
        state.keep_alive_timeout = options.keep_alive_timeout_ms.map(|ms| Duration::from_millis(ms.into()));
        let state = Arc::new(state);
        let accept_task = tokio::spawn(accept_connections(listener, state.clone(), tls.map(|tls| tls.acceptor)));
        Ok(Self {
            state,
            address,
            authority_pem,
            accept_task: Mutex::new(Some(accept_task)),
            blackhole: tokio::sync::Mutex::new(None),
        })
    }

    pub fn state(&self) -> &Arc<Emulator> {
        &self.state
    }

    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme(), self.address)
    }

    fn scheme(&self) -> &'static str {
        if self.authority_pem.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The PEM certificate a client must trust (`ca`) to verify the emulator's HTTPS.
    pub fn authority_pem(&self) -> Option<&str> {
        self.authority_pem.as_deref()
    }

    /// A URL on this machine that accepts no connection: connecting to it times out.
    pub async fn blackhole_url(&self) -> Result<String, CaptchaError> {
        let mut blackhole = self.blackhole.lock().await;
        if blackhole.is_none() {
            *blackhole =
                Some(open_blackhole().await.map_err(|e| {
                    CaptchaError::operation_failed(format!("cannot open an unresponsive listener: {e}"))
                })?);
        }
        Ok(blackhole
            .as_ref()
            .map(|b| format!("{}://{}", self.scheme(), b.address))
            .unwrap_or_default())
    }

    /// Stops accepting, ends every connection (hung ones too) and waits until they are gone.
    pub async fn close(&self) {
        self.state.shutdown.send_replace(true);
        let task = lock(&self.accept_task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        *self.blackhole.lock().await = None;
        for _ in 0..200 {
            if self.state.counters.connections_open.load(Ordering::Relaxed) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for RunningEmulator {
    /// An emulator dropped without `close()` (its JavaScript object collected) still stops: the
    /// listener, its connections and its tokens go with it.
    fn drop(&mut self) {
        self.state.shutdown.send_replace(true);
    }
}

/// Resolves once the emulator is told to stop.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Keeps the open-connection count right however a connection task ends.
struct OpenConnection(Arc<Emulator>);

impl OpenConnection {
    fn new(emulator: Arc<Emulator>) -> Self {
        let c = &emulator.counters;
        c.connections_accepted.fetch_add(1, Ordering::Relaxed);
        let open = c.connections_open.fetch_add(1, Ordering::Relaxed) + 1;
        c.peak_connections_open.fetch_max(open, Ordering::Relaxed);
        Self(emulator)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.counters.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn accept_connections(listener: TcpListener, emulator: Arc<Emulator>, tls: Option<tokio_rustls::TlsAcceptor>) {
    let mut shutdown = emulator.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off rather than spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let open = OpenConnection::new(emulator.clone());
                let mut shutdown = emulator.shutdown.subscribe();
                let emulator = emulator.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let _open = open;
                    let serve = async move {
                        match tls {
                            None => serve_connection(stream, emulator).await,
                            Some(acceptor) => {
                                // A client that refuses the certificate ends the handshake here.
                                let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                                match handshake.await {
                                    Ok(Ok(stream)) if tls::negotiated_h2(&stream) => {
                                        h2::serve_connection(stream, emulator).await
                                    }
                                    Ok(Ok(stream)) => serve_connection(stream, emulator).await,
                                    _ => {}
                                }
                            }
                        }
                    };
                    tokio::select! {
                        _ = stopped(&mut shutdown) => {}
                        _ = serve => {}
                    }
                });
            }
        }
    }
}

/// Serves one HTTP/1.1 connection until the peer closes, a fault ends it, or the emulator shuts down.
async fn serve_connection(mut stream: impl Stream, emulator: Arc<Emulator>) {
    let _ = stream.tcp().set_nodelay(true);
    let mut buffer = Vec::with_capacity(4096);
    loop {
        let request = match http::read_request(&mut stream, &mut buffer).await {
            Ok(request) => request,
            Err(ReadError::Gone) => return,
            Err(ReadError::Refuse(status)) => {
                let response = Response::json(status, &serde_json::json!({ "message": http::reason(status) }));
                let _ = http::write_response(&mut stream, &response, Connection::Close, false).await;
                http::linger_then_close(&mut stream).await;
                return;
            }
        };
        let response = match routes::route(&emulator, &request) {
            Ok(response) => response,
            // `None`: the fault has written what it had to, and the connection must end.
            Err((fault, provider)) => {
                let answer = || routes::answer(&emulator, provider, &request);
                match faults::apply(&mut stream, fault, answer).await {
                    Some(response) => response,
                    None => return,
                }
            }
        };
        let head_only = request.method == "HEAD";
        if http::write_response(&mut stream, &response, request.connection, head_only)
            .await
            .is_err()
            || request.connection == Connection::Close
        {
            return;
        }
        if let Some(idle) = emulator.keep_alive_timeout() {
            if !next_request_begins(&mut stream, &mut buffer, idle).await {
                return;
            }
        }
    }
}

/// `keepAliveTimeoutMs`: whether a byte of the next request arrives within `idle` of the answer.
/// When none has, the connection is dropped unread, as a server's keep-alive timeout does: a
/// request the client sends in that very instant finds it closed (or reset), which is the race
/// a client's connection pool must live with.
async fn next_request_begins(stream: &mut impl Stream, buffer: &mut Vec<u8>, idle: Duration) -> bool {
    if !buffer.is_empty() {
        // Pipelined: the next request had already begun.
        return true;
    }
    // `read_buf` is cancel safe: when the timer wins, nothing was read.
    matches!(tokio::time::timeout(idle, stream.read_buf(buffer)).await, Ok(Ok(n)) if n > 0)
}

/// A listener whose connections are never accepted, to make connect timeouts happen.
struct Blackhole {
    address: SocketAddr,
    _listener: TcpListener,
    _queued: Vec<TcpStream>,
}

/// A listener with a backlog of zero that never accepts, its queue filled: the kernel then
/// drops further connection attempts, which time out.
async fn open_blackhole() -> std::io::Result<Blackhole> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let listener = socket.listen(0)?;
    let address = listener.local_addr()?;
    let mut queued = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(Duration::from_millis(100), TcpStream::connect(address)).await {
            Ok(Ok(stream)) => queued.push(stream),
            _ => break,
        }
    }
    Ok(Blackhole {
        address,
        _listener: listener,
        _queued: queued,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Every answer, the emulator's own routes' too, goes out without its body to HEAD, so the
    /// next answer on the connection starts where the client expects it.
    #[tokio::test]
    async fn head_gets_no_body_on_every_route() {
        let running = crate::RunningEmulator::start(Default::default()).await.unwrap();
        let mut stream = TcpStream::connect(running.url().trim_start_matches("http://"))
            .await
            .unwrap();
        stream
            .write_all(
                b"HEAD /__emulator/issue/swetrix HTTP/1.1\r\nHost: h\r\n\r\n\
                  HEAD /other HTTP/1.1\r\nHost: h\r\n\r\n\
                  GET /other HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
        let mut received = Vec::new();
        stream.read_to_end(&mut received).await.unwrap();
        let text = String::from_utf8(received).unwrap();
        let answers: Vec<&str> = text.split("HTTP/1.1 ").skip(1).collect();
        assert_eq!(answers.len(), 3, "{text}");
        assert!(
            answers[0].starts_with("405 ") && answers[0].ends_with("\r\n\r\n"),
            "{text}"
        );
        assert!(
            answers[1].starts_with("404 ") && answers[1].ends_with("\r\n\r\n"),
            "{text}"
        );
        assert!(answers[2].starts_with("404 ") && answers[2].ends_with(r#"{"message":"Not Found"}"#));
        // The control route is never recorded; the provider paths are.
        assert_eq!(running.state().recorded_requests().len(), 2);
        running.close().await;
    }

    #[tokio::test]
    async fn faults_pick_provider_requests_and_closing_ends_every_connection() {
        let running = RunningEmulator::start(Default::default()).await.unwrap();
        running
            .state()
            .add_fault(crate::FaultRule::from_json(r#"{"times":1,"kind":"status","status":503}"#).unwrap());
        let mut stream = TcpStream::connect(running.url().trim_start_matches("http://"))
            .await
            .unwrap();
        stream
            .write_all(
                b"GET /other HTTP/1.1\r\nHost: h\r\n\r\nGET /other HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
        let mut received = Vec::new();
        stream.read_to_end(&mut received).await.unwrap();
        let text = String::from_utf8(received).unwrap();
        assert!(text.starts_with("HTTP/1.1 503 "), "{text}");
        assert!(text.contains("HTTP/1.1 404 "), "{text}");
        let hung = TcpStream::connect(running.url().trim_start_matches("http://"))
            .await
            .unwrap();
        running.close().await;
        assert_eq!(running.state().stats().connections_open, 0);
        drop(hung);
        assert!(running.blackhole_url().await.unwrap().starts_with("http://127.0.0.1:"));
    }
}
