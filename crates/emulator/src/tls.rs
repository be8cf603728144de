//! HTTPS for the emulator: a certificate authority made at start, a server certificate it signs
//! for the loopback names, and the connection types the HTTP code serves over.
//!
//! Nobody trusts the authority unless told to: a client passes its PEM (`Emulator.certificate`)
//! as `ca` to verify the emulator, and without it sees exactly what an untrusted certificate does.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use captcha_core::errors::CaptchaError;

/// The ALPN name of HTTP/2.
pub const H2: &[u8] = b"h2";

/// A connection the emulator serves: plain TCP or TLS over it.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {
    /// The socket underneath, for socket options (`TCP_NODELAY`, a zero linger for resets).
    fn tcp(&self) -> &TcpStream;
}

impl Stream for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Stream for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// Whether the TLS handshake of `stream` settled on HTTP/2.
pub fn negotiated_h2(stream: &tokio_rustls::server::TlsStream<TcpStream>) -> bool {
    stream.get_ref().1.alpn_protocol() == Some(H2)
}

/// What an emulator started with `tls: true` serves with.
pub struct Tls {
    /// The authority's certificate, PEM: what a client must trust.
    pub authority_pem: String,
    pub acceptor: TlsAcceptor,
}

/// The names the server certificate is valid for: loopback, and `host` when it is a name or a
/// specific address (not a wildcard such as `0.0.0.0`).
fn server_names(host: &str) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).into();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let wildcard = host
        .parse::<std::net::IpAddr>()
        .is_ok_and(|address| address.is_unspecified());
    if !host.is_empty() && !wildcard && !names.iter().any(|n| n.eq_ignore_ascii_case(host)) {
        names.push(host.to_owned());
    }
    names
}

fn failed(error: impl std::fmt::Display) -> CaptchaError {
    CaptchaError::operation_failed(format!("the emulator cannot make its TLS certificate: {error}"))
}

impl Tls {
    /// A fresh authority and server certificate (ECDSA P-256), for an emulator bound to `host`.
    pub fn generate(host: &str) -> Result<Self, CaptchaError> {
        let mut authority = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        authority.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        authority
            .distinguished_name
            .push(DnType::CommonName, "captcha-native emulator authority");
        authority.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let authority =
            CertifiedIssuer::self_signed(authority, KeyPair::generate().map_err(failed)?).map_err(failed)?;

        let mut server = CertificateParams::new(server_names(host)).map_err(failed)?;
        server
            .distinguished_name
            .push(DnType::CommonName, "captcha-native emulator");
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().map_err(failed)?;
        let server_certificate = server.signed_by(&server_key, &authority).map_err(failed)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            .with_no_client_auth()
            .with_single_cert(
                vec![server_certificate.der().clone(), authority.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .map_err(failed)?;
        // HTTP/2 first, as the real providers offer it; a client offering only HTTP/1.1, or no
        // ALPN at all, gets the HTTP/1.1 codec (`server.rs` picks by what was negotiated).
        config.alpn_protocols = vec![H2.to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            authority_pem: authority.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_names_loopback_and_a_specific_host_only() {
        assert_eq!(server_names("127.0.0.1"), ["localhost", "127.0.0.1", "::1"]);
        assert_eq!(server_names("[::1]"), ["localhost", "127.0.0.1", "::1"]);
        assert_eq!(server_names("0.0.0.0"), ["localhost", "127.0.0.1", "::1"]);
        assert_eq!(server_names("::"), ["localhost", "127.0.0.1", "::1"]);
        assert_eq!(server_names("10.1.2.3"), ["localhost", "127.0.0.1", "::1", "10.1.2.3"]);
        assert_eq!(
            server_names("emulator.test"),
            ["localhost", "127.0.0.1", "::1", "emulator.test"]
        );
    }

    #[test]
    fn each_start_makes_a_new_authority() {
        let (a, b) = (Tls::generate("127.0.0.1").unwrap(), Tls::generate("127.0.0.1").unwrap());
        assert!(a.authority_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_ne!(a.authority_pem, b.authority_pem);
    }
}
