//! `service=http` and `service=https`: the legacy's LWP request, spoken
//! directly.
//!
//! Like LWP for the legacy: an HTTP/1.1 request with `Connection: close`
//! to `scheme://real:port/request`, Host = `virtualhost` or the real's IP,
//! redirects (301/302/303/307/308) followed up to 7 times with the Host
//! header then taken from the new URL, and the final response judged: up
//! when 2xx and the body matches `receive` (if set).

use crate::http_exchange::{exchange, request};
use crate::http_response::Response;
use crate::http_url::Url;
use crate::{sockopt, tls, CheckKind, CheckSpec, HttpMethod, Outcome};
use regex::Regex;
use std::net::SocketAddr;
use tokio::net::{TcpSocket, TcpStream};

/// LWP::UserAgent's default `max_redirect`.
const MAX_REDIRECTS: usize = 7;

pub async fn check(spec: &CheckSpec) -> Outcome {
    let (tls, path, virtualhost, method, receive) = match &spec.kind {
        CheckKind::Http {
            path,
            virtualhost,
            method,
            receive,
        } => (false, path, virtualhost, *method, receive),
        CheckKind::Https {
            path,
            virtualhost,
            method,
            receive,
        } => (true, path, virtualhost, *method, receive),
        CheckKind::HttpProxy {
            url,
            method,
            receive,
        } => return through_proxy(spec.target, url, *method, receive.as_deref()).await,
        _ => return Outcome::down("not an http check"),
    };
    let mut url = Url::for_real(tls, spec.target, path);
    // The legacy's explicit Host header: the virtualhost, else the real's
    // address as it writes it (IPv6 in brackets, no port).
    let mut host = virtualhost
        .clone()
        .unwrap_or_else(|| bare_host(&spec.target));
    let mut redirects = 0;
    loop {
        let response = match fetch(&url, &host, method).await {
            Ok(r) => r,
            Err(reason) => return Outcome::down(reason),
        };
        if !matches!(response.code, 301 | 302 | 303 | 307 | 308) || redirects == MAX_REDIRECTS {
            return judge(&response, receive.as_deref());
        }
        // Without a usable Location, LWP returns the 3xx itself: down.
        let Some(next) = response.header("location").and_then(|l| url.join(l)) else {
            return judge(&response, receive.as_deref());
        };
        url = next;
        host = url.authority.clone();
        redirects += 1;
    }
}

/// `service=http_proxy`: every request, redirects included, goes to the
/// proxy at `proxy` with the absolute URL, as LWP does with a proxy set.
async fn through_proxy(
    proxy: SocketAddr,
    url: &str,
    method: HttpMethod,
    receive: Option<&Regex>,
) -> Outcome {
    let Some(mut url) = Url::parse(url).filter(|u| !u.tls) else {
        return Outcome::down(format!(
            "http_proxy: request {url:?} is not an absolute http:// URL"
        ));
    };
    let mut redirects = 0;
    loop {
        let target = format!("http://{}{}", url.authority, url.path);
        let tcp = match TcpStream::connect(proxy).await {
            Ok(t) => t,
            Err(e) => return Outcome::down(format!("connect to proxy {proxy} failed: {e}")),
        };
        let request = request(method, &target, &url.authority);
        let response = match exchange(tcp, &request, method == HttpMethod::Head).await {
            Ok(r) => r,
            Err(reason) => return Outcome::down(reason),
        };
        if !matches!(response.code, 301 | 302 | 303 | 307 | 308) || redirects == MAX_REDIRECTS {
            return judge(&response, receive);
        }
        match response.header("location").and_then(|l| url.join(l)) {
            Some(next) if !next.tls => url = next,
            _ => return judge(&response, receive),
        }
        redirects += 1;
    }
}

fn bare_host(target: &SocketAddr) -> String {
    match target {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}

/// One request to `url` with `host` as the Host header (and SNI).
async fn fetch(url: &Url, host: &str, method: HttpMethod) -> Result<Response, String> {
    let addr = address(url).await?;
    let tcp = check_connection(addr)
        .await
        .map_err(|e| format!("connect to {addr} failed: {e}"))?;
    let request = request(method, &url.path, host);
    let head_only = method == HttpMethod::Head;
    if url.tls {
        // Boxed: the TLS state is several kB, and each plain http check in
        // flight (thousands at once at scale) would otherwise carry it too.
        Box::pin(fetch_tls(tcp, addr, &request, host, head_only)).await
    } else {
        exchange(tcp, &request, head_only).await
    }
}

/// A connection to `addr` for one request, which costs the real server
/// and the director three packets fewer than a plain connect and close:
/// - TCP_DEFER_ACCEPT on a connecting socket makes the kernel hold the
///   handshake's last ACK for the first data, so the request carries it;
/// - a zero linger makes the close a reset, once the response is read (or
///   the check has timed out): no FIN exchange, and no TIME_WAIT socket on
///   the real server for every check (as HAProxy closes its checks).
async fn check_connection(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // Best effort: without it the check costs what a plain connect does.
    let _ = sockopt::set_int(&socket, libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT, 1);
    sockopt::close_with_reset(&socket);
    socket.connect(addr).await
}

async fn fetch_tls(
    tcp: TcpStream,
    addr: SocketAddr,
    request: &[u8],
    host: &str,
    head_only: bool,
) -> Result<Response, String> {
    let name = tls::server_name(host, addr.ip());
    let stream = tls::handshake(tcp, name).await?;
    exchange(stream, request, head_only).await
}

/// The real's own URL holds its IP; a redirect or an absolute `request`
/// may name a host, resolved as LWP would.
async fn address(url: &Url) -> Result<SocketAddr, String> {
    if let Some(addr) = url.literal_addr() {
        return Ok(addr);
    }
    let mut addrs = tokio::net::lookup_host((url.host.as_str(), url.port))
        .await
        .map_err(|e| format!("cannot resolve {}: {e}", url.host))?;
    addrs
        .next()
        .ok_or_else(|| format!("cannot resolve {}: no address", url.host))
}

/// Up when the status is 2xx and the body matches `receive` (if any). The
/// reason is LWP's status line ("200 OK"), as the legacy logs it; for a 2xx
/// whose body does not match, the legacy logs the body itself, which we
/// leave out of the log and name the pattern instead.
fn judge(response: &Response, receive: Option<&Regex>) -> Outcome {
    let status = response.status_line();
    if !(200..300).contains(&response.code) {
        return Outcome::down(status);
    }
    match receive {
        Some(re) if !re.is_match(&String::from_utf8_lossy(&response.body)) => {
            Outcome::down(format!("{status}: body does not match /{re}/"))
        }
        _ => Outcome::up(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(s: &str) -> Regex {
        Regex::new(s).unwrap()
    }

    fn response(code: u16, phrase: &str, body: &str) -> Response {
        Response {
            code,
            phrase: phrase.into(),
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn success_needs_2xx_and_a_matching_body() {
        let ok = response(200, "OK", "this is a test page");
        assert_eq!(judge(&ok, Some(&re("test"))), Outcome::up("200 OK"));
        assert!(judge(&ok, None).up);
        let wrong = judge(&ok, Some(&re("^nope")));
        assert!(!wrong.up);
        assert!(wrong.reason.contains("does not match"));
        let missing = judge(&response(404, "Not Found", "test"), Some(&re("test")));
        assert_eq!(missing, Outcome::down("404 Not Found"));
        assert!(!judge(&response(302, "Found", ""), None).up);
        assert!(judge(&response(204, "", ""), None).up);
    }
}
