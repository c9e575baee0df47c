//! TLS for `service=https`, without certificate verification.
//!
//! The legacy hands LWP `verify_hostname => 0`: a health check asks whether
//! the service answers, not who it is, and real servers behind a director
//! commonly carry self-signed or VIP-named certificates. So any certificate
//! is accepted; the handshake signatures are still checked, which costs
//! nothing and keeps the TLS exchange itself honest.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// One client configuration for every check (building it is not free, and
/// it carries the session cache that makes repeated checks cheaper).
fn config() -> Result<Arc<ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            // The provider is named here rather than taken from a process
            // default, which another crate in the binary could have set.
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS configuration: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

/// The name sent as SNI: `host` when it is a DNS name, else the address
/// (for which rustls sends no SNI, as RFC 6066 wants). A Host-style
/// `name:port` or `[v6]` is reduced to its name.
pub fn server_name(host: &str, fallback: IpAddr) -> ServerName<'static> {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => match host.rsplit_once(':') {
            Some((name, port)) if !name.contains(':') && port.parse::<u16>().is_ok() => name,
            _ => host,
        },
    };
    ServerName::try_from(name.to_string()).unwrap_or_else(|_| ServerName::from(fallback))
}

pub async fn handshake(
    tcp: TcpStream,
    name: ServerName<'static>,
) -> Result<TlsStream<TcpStream>, String> {
    let connector = TlsConnector::from(config()?);
    connector
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS handshake failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sni_comes_from_the_name_part_of_a_host() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let dns = |s: &str| ServerName::try_from(s.to_string()).unwrap();
        assert_eq!(server_name("www.example.com", ip), dns("www.example.com"));
        assert_eq!(
            server_name("www.example.com:8443", ip),
            dns("www.example.com")
        );
        assert_eq!(
            server_name("10.1.2.3", ip),
            ServerName::from("10.1.2.3".parse::<IpAddr>().unwrap())
        );
        assert_eq!(
            server_name("[::1]:443", ip),
            ServerName::from("::1".parse::<IpAddr>().unwrap())
        );
        assert_eq!(server_name("bad name!", ip), ServerName::from(ip));
    }
}
