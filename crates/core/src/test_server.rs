//! What the tests' scripted servers share: reading one request off a connection and answering
//! it with JSON, each connection carrying one request.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads one request, its head and the body its `content-length` says: `(head, body)`, or
/// `None` when the client closed first.
pub async fn read_request(socket: &mut TcpStream) -> Option<(String, String)> {
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return Some((text[..end].to_owned(), text[end + 4..end + 4 + length].to_owned()));
            }
        }
    }
}

/// Answers `status` with `body` as JSON, then closes (`connection: close`).
pub async fn answer_json(socket: &mut TcpStream, status: u16, body: &str) {
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(body.as_bytes()).await;
}
