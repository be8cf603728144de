//! A small HTTP/1.1 codec of our own: reading requests (length or chunked bodies, `Expect`,
//! `Connection`) and writing answers. The emulator needs control below what a server library
//! offers: closing before the status line, resetting mid-body, hanging after the request.

use std::time::Duration;

use crate::tls::Stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Request heads larger than this get 431; bodies larger than this get 413.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
pub(crate) const MAX_REQUEST_BODY_BYTES: usize = 1024 * 1024;
/// More header fields than this get 431.
pub(crate) const MAX_HEADERS: usize = 64;

/// A parsed request. No `Debug`: it holds the raw `Authorization` header.
#[derive(Clone, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// What the answer must do with the connection, from the version and `Connection` header.
    pub connection: Connection,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[cfg(test)]
    pub fn get(path_and_query: &str, headers: &[(&str, &str)]) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        Request {
            method: "GET".into(),
            path,
            query,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }

    #[cfg(test)]
    pub fn post(path_and_query: &str, headers: &[(&str, &str)], body: &str) -> Self {
        Request {
            method: "POST".into(),
            body: body.as_bytes().to_vec(),
            ..Self::get(path_and_query, headers)
        }
    }
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: &impl serde::Serialize) -> Self {
        let body = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
        Self::with_body(status, "application/json", body)
    }

    pub fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }

    /// Sets a header, replacing any of the same name.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
    }

    /// A header's value, for the tests of what a route answers.
    #[cfg(test)]
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// 204 and 304 answers carry no body and no length.
    pub(crate) fn has_body(&self) -> bool {
        !matches!(self.status, 204 | 304)
    }

    /// The status line and headers, framing a body of `content_length` bytes.
    pub fn head(&self, content_length: usize, connection: Connection) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status)).into_bytes();
        for (name, value) in &self.headers {
            head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if self.has_body() {
            head.extend_from_slice(format!("content-length: {content_length}\r\n").as_bytes());
        }
        match connection {
            Connection::Close => head.extend_from_slice(b"connection: close\r\n"),
            Connection::ConfirmKeepAlive => head.extend_from_slice(b"connection: keep-alive\r\n"),
            Connection::KeepAlive => {}
        }
        head.extend_from_slice(b"\r\n");
        head
    }
}

/// What the answer says about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    #[default]
    KeepAlive,
    /// Said to HTTP/1.0 clients that asked for keep-alive.
    ConfirmKeepAlive,
    Close,
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        423 => "Locked",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

pub enum ReadError {
    /// The peer closed, or the socket failed: nothing more to say.
    Gone,
    /// The request cannot be served: answer this status and close.
    Refuse(u16),
}

/// Writes `response` (its head alone to a HEAD request).
pub async fn write_response(
    stream: &mut impl Stream,
    response: &Response,
    connection: Connection,
    head_only: bool,
) -> std::io::Result<()> {
    let mut bytes = response.head(response.body.len(), connection);
    if response.has_body() && !head_only {
        bytes.extend_from_slice(&response.body);
    }
    stream.write_all(&bytes).await
}

/// After refusing a request whose bytes were not all read, closes gracefully: closing with
/// unread data would reset the connection and the client might never see the refusal.
pub async fn linger_then_close(stream: &mut impl Stream) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut scratch = [0u8; 16 * 1024];
        let mut left: usize = 16 * 1024 * 1024;
        while let Ok(n) = stream.read(&mut scratch).await {
            if n == 0 || n >= left {
                return;
            }
            left -= n;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
}

async fn read_more(stream: &mut impl Stream, buffer: &mut Vec<u8>) -> Result<(), ReadError> {
    match stream.read_buf(buffer).await {
        Ok(0) | Err(_) => Err(ReadError::Gone),
        Ok(_) => Ok(()),
    }
}

/// Reads the next request off the connection; `buffer` keeps what arrived beyond it.
pub async fn read_request(stream: &mut impl Stream, buffer: &mut Vec<u8>) -> Result<Request, ReadError> {
    let (mut request, head_length, body_framing) = loop {
        if let Some(parsed) = parse_head(buffer)? {
            break parsed;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(ReadError::Refuse(431));
        }
        read_more(stream, buffer).await?;
    };
    if head_length > MAX_HEAD_BYTES {
        return Err(ReadError::Refuse(431));
    }
    buffer.drain(..head_length);
    // Refuse an oversized body before inviting it with 100 Continue.
    if matches!(body_framing, BodyFraming::Length(length) if length > MAX_REQUEST_BODY_BYTES) {
        return Err(ReadError::Refuse(413));
    }
    if request
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        && body_framing != BodyFraming::Empty
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .map_err(|_| ReadError::Gone)?;
    }
    match body_framing {
        BodyFraming::Empty => {}
        BodyFraming::Length(length) => {
            while buffer.len() < length {
                read_more(stream, buffer).await?;
            }
            request.body = buffer.drain(..length).collect();
        }
        BodyFraming::Chunked => loop {
            if let Some((body, used)) = decode_chunked(buffer)? {
                request.body = body;
                buffer.drain(..used);
                break;
            }
            if buffer.len() > MAX_REQUEST_BODY_BYTES + MAX_HEAD_BYTES {
                return Err(ReadError::Refuse(413));
            }
            read_more(stream, buffer).await?;
        },
    }
    Ok(request)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyFraming {
    Empty,
    Length(usize),
    Chunked,
}

fn parse_head(buffer: &[u8]) -> Result<Option<(Request, usize, BodyFraming)>, ReadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_length = match parsed.parse(buffer) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(ReadError::Refuse(431)),
        Err(_) => return Err(ReadError::Refuse(400)),
    };
    let target = parsed.path.unwrap_or("/");
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut request = Request {
        method: parsed.method.unwrap_or("GET").to_owned(),
        path,
        query,
        headers: parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        body: Vec::new(),
        connection: Connection::KeepAlive,
    };
    let has_token = |wanted: &str| {
        request
            .headers
            .iter()
            .filter(|(name, _)| name == "connection")
            .flat_map(|(_, value)| value.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case(wanted))
    };
    let (close, keep_alive) = (has_token("close"), has_token("keep-alive"));
    let http11 = parsed.version == Some(1);
    request.connection = match (close || !(http11 || keep_alive), http11) {
        (true, _) => Connection::Close,
        (false, true) => Connection::KeepAlive,
        (false, false) => Connection::ConfirmKeepAlive,
    };
    let framing = if request
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        BodyFraming::Chunked
    } else if let Some(length) = request.header("content-length") {
        match parse_digits(length.trim(), 10) {
            Some(0) => BodyFraming::Empty,
            Some(n) => BodyFraming::Length(n),
            None => return Err(ReadError::Refuse(400)),
        }
    } else {
        BodyFraming::Empty
    };
    Ok(Some((request, head_length, framing)))
}

/// Decodes a chunked body at the start of `buffer`: the body and the bytes used, or `None`
/// while it is incomplete.
fn decode_chunked(buffer: &[u8]) -> Result<Option<(Vec<u8>, usize)>, ReadError> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(line_end) = find_crlf(&buffer[at..]) else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&buffer[at..at + line_end]).map_err(|_| ReadError::Refuse(400))?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = parse_digits(size_text, 16).ok_or(ReadError::Refuse(400))?;
        at += line_end + 2;
        if size == 0 {
            // Trailers, if any, end with an empty line.
            loop {
                let Some(end) = find_crlf(&buffer[at..]) else {
                    return Ok(None);
                };
                at += end + 2;
                if end == 0 {
                    return Ok(Some((body, at)));
                }
            }
        }
        if size > MAX_REQUEST_BODY_BYTES - body.len() {
            return Err(ReadError::Refuse(413));
        }
        if buffer.len() < at + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buffer[at..at + size]);
        if &buffer[at + size..at + size + 2] != b"\r\n" {
            return Err(ReadError::Refuse(400));
        }
        at += size + 2;
    }
}

/// A number of digits only (no sign, no space), as HTTP framing requires; `None` if it overflows.
fn parse_digits(text: &str, radix: u32) -> Option<usize> {
    if text.is_empty() || !text.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    usize::from_str_radix(text, radix).ok()
}

fn find_crlf(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head_with_query_and_length() {
        let raw = b"POST /v1/x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
        let Ok(Some((request, used, framing))) = parse_head(raw) else {
            panic!("no head")
        };
        assert_eq!(
            (request.method.as_str(), request.path.as_str(), request.query.as_deref()),
            ("POST", "/v1/x", Some("a=1"))
        );
        assert_eq!(request.header("host"), Some("h"));
        assert_eq!(request.connection, Connection::Close);
        assert_eq!(framing, BodyFraming::Length(5));
        assert_eq!(&raw[used..], b"hello");
        assert!(matches!(parse_head(b"GET / HTTP/1.1\r\nHost"), Ok(None)));
        assert!(matches!(
            parse_head(b"\x01\x02 nonsense\r\n\r\n"),
            Err(ReadError::Refuse(400))
        ));
    }

    #[test]
    fn decodes_chunked_bodies_in_pieces() {
        let raw = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nNEXT";
        let Ok(Some((body, used))) = decode_chunked(raw) else {
            panic!("incomplete")
        };
        assert_eq!(body, b"hello world");
        assert_eq!(&raw[used..], b"NEXT");
        for cut in 0..raw.len() - 4 {
            assert!(matches!(decode_chunked(&raw[..cut]), Ok(None)), "cut at {cut}");
        }
        assert!(matches!(decode_chunked(b"zz\r\n"), Err(ReadError::Refuse(400))));
        assert!(matches!(
            decode_chunked(b"+5\r\nhello\r\n0\r\n\r\n"),
            Err(ReadError::Refuse(400))
        ));
        let overflow = b"1\r\na\r\nffffffffffffffff\r\nabc\r\n";
        assert!(matches!(decode_chunked(overflow), Err(ReadError::Refuse(413))));
        let too_long = b"fffffffffffffffffffff\r\n";
        assert!(matches!(decode_chunked(too_long), Err(ReadError::Refuse(400))));
    }

    #[test]
    fn connection_tokens_decide_keep_alive() {
        let head = |raw: &[u8]| match parse_head(raw) {
            Ok(Some((request, _, _))) => request.connection,
            _ => panic!("no head"),
        };
        assert_eq!(head(b"GET / HTTP/1.1\r\n\r\n"), Connection::KeepAlive);
        assert_eq!(
            head(b"GET / HTTP/1.1\r\nConnection: TE, Close\r\n\r\n"),
            Connection::Close
        );
        assert_eq!(head(b"GET / HTTP/1.0\r\n\r\n"), Connection::Close);
        assert_eq!(
            head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
            Connection::ConfirmKeepAlive
        );
        assert!(matches!(
            parse_head(b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"),
            Err(ReadError::Refuse(400))
        ));
    }

    #[test]
    fn responses_frame_their_body() {
        let response = Response::json(404, &serde_json::json!({"message": "x"}));
        let head = String::from_utf8(response.head(response.body.len(), Connection::Close)).unwrap();
        assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(head.contains("content-length: 15\r\n"));
        assert!(head.ends_with("connection: close\r\n\r\n"));
        let mut empty = Response::with_body(204, "text/plain", b"ignored".to_vec());
        empty.set_header("Content-Type", "application/json");
        let head = String::from_utf8(empty.head(7, Connection::ConfirmKeepAlive)).unwrap();
        assert_eq!(
            head,
            "HTTP/1.1 204 No Content\r\ncontent-type: application/json\r\nconnection: keep-alive\r\n\r\n"
        );
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use captcha_core::fuzzing::bytes;
    use proptest::prelude::*;

    proptest! {
        /// The emulator reads whatever a client sends without a panic: request heads and
        /// chunked bodies of arbitrary bytes, and heads that look almost right.
        #[test]
        fn any_bytes_are_a_request_or_an_error(raw in bytes()) {
            let _ = parse_head(&raw);
            let _ = decode_chunked(&raw);
        }

        #[test]
        fn almost_right_heads_are_a_request_or_an_error(
            method in "(GET|POST|PUT|X)",
            target in "[ -~]{0,40}",
            headers in prop::collection::vec(("[!-9;-~]{1,16}", "[ -~]{0,24}"), 0..8),
            chunked in "([0-9a-fA-F]{1,6}(;[a-z=]{0,6})?\r\n[a-z]{0,8}\r\n){0,3}(0\r\n\r\n)?",
        ) {
            let mut head = format!("{method} {target} HTTP/1.1\r\n");
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = parse_head(head.as_bytes());
            let _ = decode_chunked(chunked.as_bytes());
        }
    }
}
