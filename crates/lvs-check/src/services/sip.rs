//! `service=sip`, as the legacy's check_sip: an OPTIONS request for
//! `sip:LOGIN` (the daemon defaults LOGIN to `ldirectord@HOSTNAME`, as the
//! legacy) over UDP when the virtual's protocol is udp, TCP otherwise, with
//! the legacy's headers (Via naming the socket's own address and port,
//! always "SIP/2.0/UDP" as the legacy writes it). Up iff the reply's
//! status line starts with "SIP/2.0 200 OK" and its header ends (a blank
//! line, or the end of the stream) before the timeout.

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub(crate) struct Sip;

impl Probe for Sip {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        let result = if check.udp {
            over_udp(target, &check.login).await
        } else {
            over_tcp(target, &check.login).await
        };
        result.into()
    }
}

/// Sixteen hex digits, as the legacy's Call-ID.
fn call_id() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u8(0);
    format!("{:016x}", h.finish())
}

fn request(login: &str, local: SocketAddr, call_id: &str) -> String {
    let host = match local {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    };
    format!(
        "OPTIONS sip:{login} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bKhjhs8ass877\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:{login}>\r\n\
         From: <sip:{login}>;tag=1928301774\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 63104 OPTIONS\r\n\
         Contact: <sip:{login}>\r\n\
         Accept: application/sdp\r\n\
         Content-Length: 0\r\n\r\n",
        port = local.port(),
    )
}

/// The verdict on what has arrived so far, once there is one: `None`
/// while more is needed. The legacy reads line by line: the first line
/// must match `^SIP/2.0 200 OK` (else down at once), then it reads to a
/// blank line or the end of the stream.
fn judge(received: &[u8], eof: bool) -> Option<Result<String, String>> {
    let mut lines = received.split(|&b| b == b'\n');
    let complete = received.iter().filter(|&&b| b == b'\n').count();
    let strip = |l: &[u8]| -> String {
        String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned()
    };
    if complete == 0 && !eof {
        return None;
    }
    let status = strip(lines.next().unwrap_or_default());
    if status.is_empty() && complete == 0 {
        return Some(Err("No OK: connection closed without a reply".into()));
    }
    let b = status.as_bytes();
    let ok = b.len() >= 14 && &b[..5] == b"SIP/2" && &b[6..14] == b"0 200 OK";
    if !ok {
        return Some(Err(format!("reply is not 200 OK: {status}")));
    }
    let blank = lines.take(complete - 1).any(|l| strip(l).is_empty());
    (blank || eof).then_some(Ok(status))
}

async fn over_udp(target: SocketAddr, login: &str) -> Result<String, String> {
    let io = |what: &str, e: std::io::Error| format!("{what} udp {target}: {e}");
    let socket = super::udp::connected(target).await?;
    let local = socket
        .local_addr()
        .map_err(|e| io("local address for", e))?;
    let text = request(login, local, &call_id());
    socket
        .send(text.as_bytes())
        .await
        .map_err(|e| io("send to", e))?;
    let mut received = Vec::new();
    let mut buf = vec![0; 65535];
    loop {
        // Connected, so an ICMP port unreachable is an error here.
        let n = socket
            .recv(&mut buf)
            .await
            .map_err(|e| io("No OK: recv from", e))?;
        received.extend_from_slice(&buf[..n]);
        if let Some(verdict) = judge(&received, false) {
            return verdict;
        }
    }
}

async fn over_tcp(target: SocketAddr, login: &str) -> Result<String, String> {
    let io = |what: &str, e: std::io::Error| format!("{what} tcp {target}: {e}");
    let mut stream = TcpStream::connect(target)
        .await
        .map_err(|e| io("Socket Connect Failed:", e))?;
    let local = stream
        .local_addr()
        .map_err(|e| io("local address for", e))?;
    let text = request(login, local, &call_id());
    stream
        .write_all(text.as_bytes())
        .await
        .map_err(|e| io("send to", e))?;
    let mut received = Vec::new();
    let mut buf = vec![0; 4096];
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| io("No OK: read from", e))?;
        received.extend_from_slice(&buf[..n]);
        if let Some(verdict) = judge(&received, n == 0) {
            return verdict;
        }
        // The status line and header of an OPTIONS reply are small; a
        // stream that never ends its header is not a SIP server.
        if received.len() > 64 * 1024 {
            return Err("reply header too long".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_the_legacys() {
        let text = request("health@lb", "10.0.0.2:40000".parse().unwrap(), "00ff");
        assert!(text.starts_with("OPTIONS sip:health@lb SIP/2.0\r\n"));
        assert!(text.contains("\r\nVia: SIP/2.0/UDP 10.0.0.2:40000;branch=z9hG4bKhjhs8ass877\r\n"));
        assert!(
            text.contains("\r\nTo: <sip:health@lb>\r\nFrom: <sip:health@lb>;tag=1928301774\r\n")
        );
        assert!(text.ends_with("CSeq: 63104 OPTIONS\r\nContact: <sip:health@lb>\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n"));
        let v6 = request("x", "[::1]:5".parse().unwrap(), "1");
        assert!(v6.contains("Via: SIP/2.0/UDP [::1]:5;"));
        assert_eq!(call_id().len(), 16);
    }

    #[test]
    fn ok_needs_the_end_of_the_header() {
        assert_eq!(judge(b"SIP/2.0 200 OK\r\n", false), None);
        assert_eq!(
            judge(b"SIP/2.0 200 OK\r\nVia: x\r\n\r\n", false),
            Some(Ok("SIP/2.0 200 OK".into()))
        );
        assert_eq!(
            judge(b"SIP/2.0 200 OK\r\nVia: x\r\n", true),
            Some(Ok("SIP/2.0 200 OK".into()))
        );
        assert_eq!(judge(b"SIP/2.0 2", false), None);
    }

    #[test]
    fn anything_but_200_ok_is_down_at_once() {
        let v = judge(b"SIP/2.0 404 Not Here\r\n", false).unwrap();
        assert_eq!(v, Err("reply is not 200 OK: SIP/2.0 404 Not Here".into()));
        assert!(judge(b"", true).unwrap().is_err());
        assert!(judge(b"SIP/2.0 200 O", true).unwrap().is_err());
    }
}
