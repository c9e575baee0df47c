//! Bad clients against the real server on a loopback port: unknown paths,
//! oversized heads, and clients that trickle a byte a second must neither
//! stall the answers to others nor a timer loop running beside the server
//! (standing in for the daemon's check loop, which runs on its own
//! runtime thread the same way).

use lvs_dashboard::history::History;
use lvs_dashboard::http::{self, Limits};
use lvs_dashboard::site::Site;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn server(limits: Limits) -> (SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let site = Arc::new(Site::new(History::new(dir.path()).unwrap()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    http::spawn(
        listener,
        limits,
        Arc::new(move |p: &str| site.respond(p, lvs_dashboard::timefmt::now())),
    )
    .unwrap();
    (addr, dir)
}

/// Sends `request` and returns the status line's code and the whole reply.
fn ask(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(request);
    let mut reply = Vec::new();
    let _ = s.read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    ask(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    )
}

#[test]
fn paths_and_methods() {
    let (addr, _dir) = server(Limits::default());
    let (code, page) = get(addr, "/lvs/");
    assert_eq!(code, 200);
    assert!(page.contains("Content-Type: text/html"));
    assert!(page.contains("<h2>Virtual services</h2>"));
    assert_eq!(get(addr, "/metrics").0, 200);
    assert_eq!(get(addr, "/lvs/style.css").0, 200);
    for p in [
        "/",
        "/lvs",
        "/lvs/x",
        "/metrics/",
        "/lvs/graph/none/hour.svg",
        "/lvs/graph/../../etc/passwd/hour.svg",
    ] {
        assert_eq!(get(addr, p).0, 404, "{p}");
    }
    let (code, head) = ask(addr, b"HEAD /lvs/ HTTP/1.1\r\n\r\n");
    assert_eq!(code, 200);
    assert!(head.ends_with("\r\n\r\n"), "HEAD has no body");
    let (code, text) = ask(addr, b"POST /lvs/ HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(code, 405);
    assert!(text.contains("Allow: GET, HEAD"));
    assert_eq!(ask(addr, b"BREW /lvs/\r\n\r\n").0, 400);
}

#[test]
fn huge_head_is_refused_and_closed() {
    let (addr, _dir) = server(Limits::default());
    let mut req = b"GET /lvs/ HTTP/1.1\r\nX-Big: ".to_vec();
    req.extend(std::iter::repeat_n(b'a', 100_000));
    req.extend(b"\r\n\r\n");
    let start = Instant::now();
    let (code, text) = ask(addr, &req);
    assert_eq!(code, 431, "{}", &text[..text.len().min(200)]);
    assert!(text.contains("Connection: close"));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn slow_clients_stall_neither_others_nor_a_timer_loop() {
    let limits = Limits {
        max_connections: 8,
        header_deadline: Duration::from_secs(4),
        ..Limits::default()
    };
    let (addr, _dir) = server(limits);

    // The "daemon": a 100 ms tick loop on its own thread; its worst gap
    // between ticks must stay near 100 ms whatever the clients do.
    let stop = Arc::new(AtomicBool::new(false));
    let worst_gap_ms = Arc::new(AtomicU64::new(0));
    let ticker = {
        let (stop, worst) = (stop.clone(), worst_gap_ms.clone());
        std::thread::spawn(move || {
            let mut last = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                let gap = last.elapsed().as_millis() as u64;
                worst.fetch_max(gap, Ordering::SeqCst);
                last = Instant::now();
            }
        })
    };

    // Five clients send "GET /lvs/ HTTP/1.1" one byte a second and never
    // finish the head: each holds one slot until the head deadline.
    let slow: Vec<_> = (0..5)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let started = Instant::now();
                for b in b"GET /lvs/ HTTP/1.1\r\n" {
                    if s.write_all(&[*b]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
                let mut reply = Vec::new();
                let _ = s.read_to_end(&mut reply);
                (
                    started.elapsed(),
                    String::from_utf8_lossy(&reply).into_owned(),
                )
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));

    // Meanwhile others are served promptly, again and again.
    for _ in 0..10 {
        let t = Instant::now();
        assert_eq!(get(addr, "/lvs/").0, 200);
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    for h in slow {
        let (took, reply) = h.join().unwrap();
        assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
        assert!(
            took < Duration::from_secs(8),
            "cut off at the head deadline, not later: {took:?}"
        );
    }
    stop.store(true, Ordering::SeqCst);
    ticker.join().unwrap();
    let worst = worst_gap_ms.load(Ordering::SeqCst);
    assert!(worst < 400, "timer loop stalled for {worst} ms");
}

#[test]
fn connections_past_the_cap_get_503_at_once() {
    let limits = Limits {
        max_connections: 2,
        header_deadline: Duration::from_secs(3),
        ..Limits::default()
    };
    let (addr, _dir) = server(limits);
    let idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    assert_eq!(get(addr, "/lvs/").0, 503);
    assert!(t.elapsed() < Duration::from_secs(1));
    drop(idle);
    // The slots come back once the idle clients are gone.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(addr, "/lvs/").0, 200);
}
