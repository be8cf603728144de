//! Fault injection: rules that pick requests and make them fail in a chosen way, and doing
//! that failure on an HTTP/1.1 connection (`apply`) or on an HTTP/2 stream (`apply_to_stream`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::http::{Connection, Response};
use crate::tls::Stream;
use captcha_core::errors::CaptchaError;
use captcha_core::providers::Provider;

/// What a picked request gets instead of (or before) its normal answer.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FaultAction {
    /// Answer normally, `ms` milliseconds late.
    Delay { ms: u64 },
    /// Answer normally, one byte every `ms` milliseconds, the status line and headers first: a
    /// server that keeps sending, so only a deadline on the whole request ends the wait.
    Trickle { ms: u64 },
    /// Answer this status with this body (and headers), whatever the request.
    Status {
        status: u16,
        #[serde(default)]
        body: String,
        #[serde(default)]
        headers: BTreeMap<String, String>,
    },
    /// Answer an HTML page where JSON is expected.
    NonJson {
        #[serde(default = "ok_status")]
        status: u16,
    },
    /// Answer a JSON object of `mib` MiB, streamed.
    HugeBody {
        mib: u32,
        #[serde(default = "ok_status")]
        status: u16,
    },
    /// Accept the request and never answer.
    Hang,
    /// Send the status line, headers and part of the body, then reset the connection.
    Reset,
    /// Close the connection before the status line.
    Close,
}

fn ok_status() -> u16 {
    200
}

/// Headers a rule may set: a valid name and value, and nothing that frames the message (the
/// emulator frames it, or the rule would break the connection rather than answer).
fn check_header(name: &str, value: &str) -> Result<(), CaptchaError> {
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid_name || value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(CaptchaError::invalid_argument(format!(
            "invalid fault rule: header '{}' is not a valid header",
            name.escape_debug()
        )));
    }
    if ["content-length", "transfer-encoding", "connection"]
        .iter()
        .any(|f| name.eq_ignore_ascii_case(f))
    {
        return Err(CaptchaError::invalid_argument(format!(
            "invalid fault rule: the emulator sets '{name}' itself"
        )));
    }
    Ok(())
}

/// A rule as JavaScript gives it: `{ provider?, times?, kind, ...action }`.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RuleSpec {
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    times: Option<u32>,
    #[serde(flatten)]
    action: FaultAction,
}

/// A rule in force: which requests it picks, how many more times, and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// `None` picks requests to every provider (and unknown paths).
    pub provider: Option<Provider>,
    /// `None` picks every request; `Some(n)` the next `n`.
    pub remaining: Option<u32>,
    pub action: FaultAction,
}

impl FaultRule {
    pub fn from_json(json: &str) -> Result<Self, CaptchaError> {
        let spec: RuleSpec = serde_json::from_str(json)
            .map_err(|e| CaptchaError::invalid_argument(format!("invalid fault rule: {e}")))?;
        let provider = match spec.provider.as_deref() {
            None | Some("all") => None,
            Some(name) => Some(Provider::from_name(name).ok_or_else(|| {
                CaptchaError::invalid_argument(format!("invalid fault rule: unknown provider '{name}'"))
            })?),
        };
        if spec.times == Some(0) {
            return Err(CaptchaError::invalid_argument(
                "invalid fault rule: times must be at least 1",
            ));
        }
        match &spec.action {
            // 1xx are interim answers, not a final one a rule could give.
            FaultAction::Status { status, .. }
            | FaultAction::NonJson { status }
            | FaultAction::HugeBody { status, .. }
                if !(200..=599).contains(status) =>
            {
                return Err(CaptchaError::invalid_argument(
                    "invalid fault rule: status must be from 200 to 599",
                ))
            }
            FaultAction::Status { headers, .. } => {
                for (name, value) in headers {
                    check_header(name, value)?;
                }
            }
            FaultAction::HugeBody { mib, .. } if *mib == 0 || *mib > 1024 => {
                return Err(CaptchaError::invalid_argument(
                    "invalid fault rule: mib must be from 1 to 1024",
                ))
            }
            FaultAction::Delay { ms } | FaultAction::Trickle { ms } if *ms > 600_000 => {
                return Err(CaptchaError::invalid_argument(
                    "invalid fault rule: ms must be at most 600000",
                ))
            }
            _ => {}
        }
        Ok(Self {
            provider,
            remaining: spec.times,
            action: spec.action,
        })
    }
}

/// Takes the action of the first rule that picks a request to `provider`, counting it down.
pub fn take_matching(rules: &mut Vec<FaultRule>, provider: Option<Provider>) -> Option<FaultAction> {
    let index = rules
        .iter()
        .position(|rule| rule.provider.is_none() || rule.provider == provider)?;
    let action = rules[index].action.clone();
    if let Some(remaining) = rules[index].remaining.as_mut() {
        *remaining -= 1;
        if *remaining == 0 {
            rules.remove(index);
        }
    }
    Some(action)
}

/// What `reset` sends before it resets: a head framing this many body bytes, then `RESET_PARTIAL`.
pub(crate) const RESET_DECLARED_LENGTH: usize = 4096;
pub(crate) const RESET_PARTIAL: &[u8] = br#"{"captchaId":"0c7f1e2a-"#;

/// `hugeBody`'s JSON: `HUGE_OPEN`, `x` repeated, `HUGE_CLOSE`, sent in slices of `HUGE_PADDING`.
pub(crate) const HUGE_OPEN: &[u8] = br#"{"padding":""#;
pub(crate) const HUGE_CLOSE: &[u8] = br#""}"#;
pub(crate) static HUGE_PADDING: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// `status`: this status with this body (and headers), whatever the request.
fn status_answer(status: u16, body: String, headers: &BTreeMap<String, String>) -> Response {
    let mut response = Response::with_body(status, "application/json", body.into_bytes());
    for (name, value) in headers {
        response.set_header(name, value);
    }
    response
}

/// `nonJson`: a proxy's HTML error page.
fn non_json_answer(status: u16) -> Response {
    Response::with_body(
        status,
        "text/html; charset=utf-8",
        b"<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>".to_vec(),
    )
}

/// Does `fault` to a picked request whose normal answer is `answer()`: the response to send as
/// usual, or `None` when the fault has written what it had to and the connection must end.
pub async fn apply(
    stream: &mut impl Stream,
    fault: FaultAction,
    answer: impl FnOnce() -> Response,
) -> Option<Response> {
    let response = match fault {
        FaultAction::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            answer()
        }
        FaultAction::Trickle { ms } => {
            let response = answer();
            let mut bytes = response.head(response.body.len(), Connection::Close);
            bytes.extend_from_slice(&response.body);
            for byte in bytes {
                // Flushed byte by byte: over TLS, each goes out in a record of its own.
                if stream.write_all(&[byte]).await.is_err() || stream.flush().await.is_err() {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            return None;
        }
        FaultAction::Status { status, body, headers } => status_answer(status, body, &headers),
        FaultAction::NonJson { status } => non_json_answer(status),
        FaultAction::HugeBody { mib, status } => {
            let _ = write_huge_body(stream, status, mib).await;
            return None;
        }
        FaultAction::Hang => {
            wait_for_peer_to_close(stream).await;
            return None;
        }
        FaultAction::Reset => {
            let partial = Response::with_body(200, "application/json", Vec::new());
            let _ = stream
                .write_all(&partial.head(RESET_DECLARED_LENGTH, Connection::KeepAlive))
                .await;
            let _ = stream.write_all(RESET_PARTIAL).await;
            let _ = stream.flush().await;
            // A zero linger turns the close into a TCP reset.
            let _ = stream.tcp().set_zero_linger();
            return None;
        }
        FaultAction::Close => return None,
    };
    Some(response)
}

/// What a fault makes of a request on an HTTP/2 stream, which `h2.rs` then sends. Each does to
/// that one stream what `apply` does to an HTTP/1.1 connection, so that its client sees the
/// same failure; the connection and its other streams go on. No fault needs to end the whole
/// connection.
pub enum StreamAnswer {
    /// `delay` (after sleeping), `status`, `nonJson`: this response, as usual.
    Whole(Response),
    /// `trickle`: the headers after `every`, then the body one byte per DATA frame, each `every`
    /// after the last, then the end of the stream. HTTP/2 sends a head whole (one HEADERS
    /// frame), so only the body can trickle: a deadline on the whole request still ends the
    /// wait, one on the head alone no longer does.
    Trickle { response: Response, every: Duration },
    /// `hugeBody`: the headers with the length, then `{"padding":"xxx…"}` of `bytes` bytes,
    /// streamed as the client's flow control lets it, then the end of the stream.
    Huge { status: u16, bytes: usize },
    /// `reset`: a 200's headers framing `RESET_DECLARED_LENGTH` bytes and `RESET_PARTIAL`, then
    /// RST_STREAM (INTERNAL_ERROR).
    ResetMidBody,
    /// `close`: RST_STREAM (INTERNAL_ERROR) before any header. Not REFUSED_STREAM, which would
    /// tell the client the request went unprocessed and may be sent again: over HTTP/1.1 a close
    /// before the status line does not tell it that either.
    ResetBeforeHeaders,
    /// `hang`: no answer, ever. The stream stays open (it holds one of the connection's
    /// concurrent streams) until the client resets it or the connection ends; the other streams
    /// are answered.
    Never,
}

/// `apply` for an HTTP/2 stream: what a picked request whose normal answer is `answer()` gets.
pub async fn apply_to_stream(fault: FaultAction, answer: impl FnOnce() -> Response) -> StreamAnswer {
    match fault {
        FaultAction::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            StreamAnswer::Whole(answer())
        }
        FaultAction::Trickle { ms } => StreamAnswer::Trickle {
            response: answer(),
            every: Duration::from_millis(ms),
        },
        FaultAction::Status { status, body, headers } => StreamAnswer::Whole(status_answer(status, body, &headers)),
        FaultAction::NonJson { status } => StreamAnswer::Whole(non_json_answer(status)),
        FaultAction::HugeBody { mib, status } => StreamAnswer::Huge {
            status,
            bytes: mib as usize * 1024 * 1024,
        },
        FaultAction::Hang => StreamAnswer::Never,
        FaultAction::Reset => StreamAnswer::ResetMidBody,
        FaultAction::Close => StreamAnswer::ResetBeforeHeaders,
    }
}

/// A JSON object of exactly `mib` MiB: `{"padding":"xxx…"}`, streamed without building it.
async fn write_huge_body(stream: &mut impl Stream, status: u16, mib: u32) -> std::io::Result<()> {
    let total = mib as usize * 1024 * 1024;
    let response = Response::with_body(status, "application/json", Vec::new());
    stream.write_all(&response.head(total, Connection::Close)).await?;
    stream.write_all(HUGE_OPEN).await?;
    let mut left = total - HUGE_OPEN.len() - HUGE_CLOSE.len();
    while left > 0 {
        let n = left.min(HUGE_PADDING.len());
        stream.write_all(&HUGE_PADDING[..n]).await?;
        left -= n;
    }
    stream.write_all(HUGE_CLOSE).await
}

/// Discards whatever the peer sends until it closes (a hung request ends when the client gives up).
async fn wait_for_peer_to_close(stream: &mut impl Stream) {
    let mut scratch = [0u8; 1024];
    while let Ok(n) = stream.read(&mut scratch).await {
        if n == 0 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_from_the_documented_shapes() {
        let rule =
            FaultRule::from_json(r#"{"provider":"trustcaptcha","times":2,"kind":"status","status":503,"body":"down"}"#)
                .unwrap();
        assert_eq!(rule.provider, Some(Provider::TrustCaptcha));
        assert_eq!(rule.remaining, Some(2));
        assert!(matches!(rule.action, FaultAction::Status { status: 503, ref body, .. } if body == "down"));
        assert_eq!(
            FaultRule::from_json(r#"{"kind":"hang"}"#).unwrap().action,
            FaultAction::Hang
        );
        assert_eq!(
            FaultRule::from_json(r#"{"kind":"trickle","ms":5}"#).unwrap().action,
            FaultAction::Trickle { ms: 5 }
        );
        assert_eq!(
            FaultRule::from_json(r#"{"kind":"nonJson"}"#).unwrap().action,
            FaultAction::NonJson { status: 200 }
        );
        assert_eq!(
            FaultRule::from_json(r#"{"kind":"hugeBody","mib":3}"#).unwrap().action,
            FaultAction::HugeBody { mib: 3, status: 200 }
        );
        for bad in [
            r#"{"kind":"explode"}"#,
            r#"{"kind":"delay"}"#,
            r#"{"kind":"trickle"}"#,
            r#"{"kind":"trickle","ms":600001}"#,
            r#"{"kind":"hang","provider":"nope"}"#,
            r#"{"kind":"hang","times":0}"#,
            r#"{"kind":"status","status":42}"#,
            r#"{"kind":"status","status":101}"#,
            r#"{"kind":"status","status":200,"headers":{"Content-Length":"1"}}"#,
            r#"{"kind":"status","status":200,"headers":{"x":"a\r\nb: c"}}"#,
            r#"{"kind":"status","status":200,"headers":{"bad name":"v"}}"#,
            r#"{"kind":"hugeBody","mib":0}"#,
            "[]",
        ] {
            let error = FaultRule::from_json(bad).unwrap_err();
            assert!(error.message.unwrap().starts_with("invalid fault rule"), "{bad}");
        }
    }

    #[test]
    fn the_next_n_are_picked_then_the_rule_is_gone() {
        let mut rules = vec![FaultRule::from_json(r#"{"times":2,"kind":"close"}"#).unwrap()];
        assert_eq!(
            take_matching(&mut rules, Some(Provider::TrustCaptcha)),
            Some(FaultAction::Close)
        );
        assert_eq!(take_matching(&mut rules, None), Some(FaultAction::Close));
        assert_eq!(take_matching(&mut rules, Some(Provider::TrustCaptcha)), None);
    }

    #[test]
    fn every_request_is_picked_without_times() {
        let mut rules = vec![FaultRule::from_json(r#"{"provider":"trustcaptcha","kind":"reset"}"#).unwrap()];
        for _ in 0..5 {
            assert_eq!(
                take_matching(&mut rules, Some(Provider::TrustCaptcha)),
                Some(FaultAction::Reset)
            );
        }
        assert_eq!(take_matching(&mut rules, None), None);
    }

    #[test]
    fn every_provider_is_picked_by_its_name_and_only_it() {
        for picked in Provider::ALL {
            let json = format!(r#"{{"provider":"{}","kind":"close"}}"#, picked.name());
            let mut rules = vec![FaultRule::from_json(&json).unwrap()];
            for other in Provider::ALL {
                let taken = take_matching(&mut rules, Some(other));
                assert_eq!(
                    taken.is_some(),
                    other == picked,
                    "{} for {}",
                    picked.name(),
                    other.name()
                );
            }
            // Nor is a request to a path no provider serves.
            assert_eq!(take_matching(&mut rules, None), None);
        }
        // The new siteverify paths lead to the names the rules take.
        assert_eq!(
            crate::routes::provider_of("/siteverify").map(Provider::name),
            Some("hcaptcha")
        );
        assert_eq!(
            crate::routes::provider_of("/turnstile/v0/siteverify").map(Provider::name),
            Some("turnstile")
        );
    }
}
