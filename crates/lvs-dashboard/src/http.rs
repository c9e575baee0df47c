//! A small HTTP/1.1 server for read-only pages, on its own threads, that
//! bad or slow clients cannot stall:
//!
//! - one thread per connection, at most [`Limits::max_connections`] at a
//!   time; past that a client gets `503` at once and is closed;
//! - the request head must fit in [`Limits::max_header_bytes`] (else
//!   `431`) and arrive within [`Limits::header_deadline`] in total, however
//!   slowly it trickles (else `408`): a client sending one byte a second
//!   holds one slot for that long, never the others;
//! - every read and write has a timeout; one request per connection
//!   (`Connection: close`), so no idle keep-alive holds a slot.
//!
//! Only GET and HEAD exist (`405` otherwise); the handler maps a path to
//! a [`Response`].

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub max_header_bytes: usize,
    pub header_deadline: Duration,
    pub io_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 32,
            max_header_bytes: 8 * 1024,
            header_deadline: Duration::from_secs(10),
            io_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type,
            body: body.into(),
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Response::new(status, "text/plain; charset=utf-8", format!("{body}\n"))
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// The request line's path (without the query) for GET and HEAD.
pub type Handler = dyn Fn(&str) -> Response + Send + Sync;

/// Serves `listener` on a thread of its own until the process ends.
pub fn spawn(
    listener: TcpListener,
    limits: Limits,
    handler: Arc<Handler>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("dashboard-http".into())
        .spawn(move || accept_loop(listener, limits, handler))
}

fn accept_loop(listener: TcpListener, limits: Limits, handler: Arc<Handler>) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // EMFILE and the like: do not spin on it.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let _ = stream.set_write_timeout(Some(limits.io_timeout));
        if active.fetch_add(1, Ordering::SeqCst) >= limits.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            // A few hundred bytes fit in any socket buffer: this write
            // does not wait for the client.
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            send(&stream, false, &Response::text(503, "too many connections"));
            continue;
        }
        let slot = Slot(active.clone());
        let handler = handler.clone();
        let spawned = std::thread::Builder::new()
            .name("dashboard-conn".into())
            .spawn(move || {
                let _slot = slot;
                serve(stream, limits, &*handler);
            });
        if spawned.is_err() {
            // The closure (and with it the slot) was dropped.
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Gives the connection slot back however the connection ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

enum Head {
    Complete(Vec<u8>),
    TooLarge,
    TimedOut,
    Closed,
}

fn read_head(stream: &mut TcpStream, limits: &Limits) -> Head {
    let deadline = Instant::now() + limits.header_deadline;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Head::TimedOut;
        }
        let _ = stream.set_read_timeout(Some(left.min(limits.io_timeout)));
        match stream.read(&mut chunk) {
            Ok(0) => return Head::Closed,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Head::Closed,
        }
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            if end + 4 > limits.max_header_bytes {
                return Head::TooLarge;
            }
            buf.truncate(end);
            return Head::Complete(buf);
        }
        if buf.len() > limits.max_header_bytes {
            return Head::TooLarge;
        }
    }
}

/// The method and path of a request head, or the status to refuse it.
pub fn parse_request_line(head: &[u8]) -> Result<(bool, String), u16> {
    let text = std::str::from_utf8(head).map_err(|_| 400u16)?;
    let line = text.split("\r\n").next().unwrap_or("");
    let mut words = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(400);
    };
    if !matches!(version, "HTTP/1.0" | "HTTP/1.1") || !target.starts_with('/') {
        return Err(400);
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Err(405),
    };
    let path = target.split(['?', '#']).next().unwrap_or("");
    Ok((head_only, path.to_string()))
}

fn serve(mut stream: TcpStream, limits: Limits, handler: &Handler) {
    let response = match read_head(&mut stream, &limits) {
        Head::Complete(head) => match parse_request_line(&head) {
            Ok((head_only, path)) => {
                let r = handler(&path);
                send(&stream, head_only, &r);
                return;
            }
            Err(405) => Response::text(405, "only GET and HEAD"),
            Err(status) => Response::text(status, "bad request"),
        },
        Head::TooLarge => Response::text(431, "request head too large"),
        Head::TimedOut => Response::text(408, "request head too slow"),
        Head::Closed => return,
    };
    send(&stream, false, &response);
}

fn send(mut stream: &TcpStream, head_only: bool, r: &Response) {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    )
    .into_bytes();
    if r.status == 405 {
        out.extend_from_slice(b"Allow: GET, HEAD\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(&r.body);
    }
    let _ = stream.write_all(&out);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Read what the client may still send (a body we ignore) for a moment,
    // so closing does not reset the connection before it read the answer.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut sink = [0u8; 512];
    let mut drained = 0;
    while let Ok(n @ 1..) = stream.read(&mut sink) {
        drained += n;
        if drained > 64 * 1024 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            parse_request_line(b"GET /lvs/?x=1 HTTP/1.1\r\nHost: a"),
            Ok((false, "/lvs/".into()))
        );
        assert_eq!(
            parse_request_line(b"HEAD /metrics HTTP/1.0"),
            Ok((true, "/metrics".into()))
        );
        assert_eq!(parse_request_line(b"POST /lvs/ HTTP/1.1"), Err(405));
        assert_eq!(parse_request_line(b"GET /lvs/"), Err(400));
        assert_eq!(parse_request_line(b"GET http://x/ HTTP/1.1"), Err(400));
        assert_eq!(parse_request_line(b"\xff\xfe"), Err(400));
    }
}
