//! `service=http`: the legacy's LWP check, spoken directly.
//!
//! The request is HTTP/1.0 with a Host header: the server then closes the
//! connection after the response and never chunks the body, so the body we
//! match `receive` against is exactly what LWP would have decoded.

use crate::{CheckKind, CheckSpec, HttpMethod, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A health page is small; reading stops here so a real server streaming
/// without end cannot hold memory (the timeout still bounds time).
const MAX_RESPONSE: usize = 1024 * 1024;

pub async fn check(spec: &CheckSpec) -> Outcome {
    let CheckKind::Http {
        path,
        virtualhost,
        method,
        receive,
    } = &spec.kind
    else {
        return Outcome::down("not an http check");
    };
    let mut stream = match TcpStream::connect(spec.target).await {
        Ok(s) => s,
        Err(e) => return Outcome::down(format!("connect to {} failed: {e}", spec.target)),
    };
    let host = virtualhost
        .clone()
        .unwrap_or_else(|| host_header(&spec.target));
    let verb = match method {
        HttpMethod::Get => "GET",
        HttpMethod::Head => "HEAD",
    };
    let path = format!("/{}", path.trim_start_matches('/'));
    let request = format!(
        "{verb} {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: ldirectord-rs\r\nAccept: */*\r\n\r\n"
    );
    if let Err(e) = stream.write_all(request.as_bytes()).await {
        return Outcome::down(format!("sending the request failed: {e}"));
    }
    let mut response = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&chunk[..n]);
                if response.len() >= MAX_RESPONSE {
                    break;
                }
            }
            Err(e) if response.is_empty() => {
                return Outcome::down(format!("reading the response failed: {e}"))
            }
            // A reset after a complete response still leaves a verdict.
            Err(_) => break,
        }
    }
    judge(&response, receive.as_ref())
}

fn host_header(target: &std::net::SocketAddr) -> String {
    match target {
        std::net::SocketAddr::V4(a) => a.ip().to_string(),
        std::net::SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}

/// Up when the status is 2xx and the body matches `receive` (if any). The
/// reason is the status line when up; when down, the body for a 2xx that
/// did not match and the status line otherwise — what the legacy logs.
fn judge(response: &[u8], receive: Option<&regex::Regex>) -> Outcome {
    let text = String::from_utf8_lossy(response);
    let status_line = text.lines().next().unwrap_or("").trim_end().to_string();
    let Some(code) = parse_status(&status_line) else {
        return Outcome::down(if status_line.is_empty() {
            "empty response".to_string()
        } else {
            format!("not an HTTP response: {status_line}")
        });
    };
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    if !(200..300).contains(&code) {
        return Outcome::down(status_line);
    }
    match receive {
        Some(re) if !re.is_match(body) => {
            Outcome::down(format!("{status_line}: body does not match /{re}/"))
        }
        _ => Outcome::up(status_line),
    }
}

fn parse_status(line: &str) -> Option<u16> {
    let mut parts = line.split_whitespace();
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(s: &str) -> regex::Regex {
        regex::Regex::new(s).unwrap()
    }

    #[test]
    fn success_needs_2xx_and_a_matching_body() {
        let ok = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nthis is a test page";
        assert!(judge(ok, Some(&re("test"))).up);
        assert!(judge(ok, None).up);
        let wrong = judge(ok, Some(&re("^nope")));
        assert!(!wrong.up);
        assert!(wrong.reason.contains("does not match"));
        let missing = judge(b"HTTP/1.0 404 Not Found\r\n\r\ntest", Some(&re("test")));
        assert_eq!(missing, Outcome::down("HTTP/1.0 404 Not Found"));
    }

    #[test]
    fn garbage_is_down_not_a_panic() {
        assert!(!judge(b"", None).up);
        assert!(!judge(b"SSH-2.0-OpenSSH\r\n", None).up);
        assert!(!judge(b"HTTP/1.1 abc\r\n\r\n", None).up);
        assert!(!judge(&[0xff, 0xfe, 0x00], None).up);
    }
}
