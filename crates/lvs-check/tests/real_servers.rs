//! Checks against real servers on loopback: Python's http.server serving a
//! test page, a Python server that resets every connection, a listener that
//! completes the handshake but never answers, and a refused port.

use lvs_check::*;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process we started, killed by its PID when the test ends.
struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: Option<tempfile_dir::Dir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

mod tempfile_dir {
    /// A private directory removed on drop (no extra crate for one use).
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_until_listening(addr: SocketAddr) {
    let start = Instant::now();
    // A connect to a free port in the ephemeral range can pick that same
    // port as its source and connect to itself (TCP simultaneous open):
    // that is not the server.
    let listening =
        || TcpStream::connect(addr).is_ok_and(|s| s.local_addr().ok() != s.peer_addr().ok());
    while !listening() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "server on {addr} never came up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn web_server(page: &str) -> Server {
    let dir =
        std::env::temp_dir().join(format!("lvs-check-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::File::create(dir.join("test.html"))
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_until_listening(addr);
    Server {
        child,
        addr,
        _dir: Some(tempfile_dir::Dir(dir)),
    }
}

const RESETTING_SERVER: &str = r#"
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
"#;

fn resetting_server() -> Server {
    let port = free_port();
    let child = Command::new("python3")
        .args(["-c", RESETTING_SERVER, &port.to_string()])
        .spawn()
        .expect("python3");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_until_listening(addr);
    Server {
        child,
        addr,
        _dir: None,
    }
}

fn http(target: SocketAddr, receive: &str) -> CheckSpec {
    CheckSpec {
        target,
        kind: CheckKind::Http {
            path: "test.html".into(),
            virtualhost: None,
            method: HttpMethod::Get,
            receive: Some(std::sync::Arc::new(regex::Regex::new(receive).unwrap())),
        },
        check_timeout: Duration::from_secs(3),
        negotiate_timeout: Duration::from_secs(2),
    }
}

fn connect(target: SocketAddr) -> CheckSpec {
    CheckSpec {
        target,
        kind: CheckKind::Connect,
        check_timeout: Duration::from_secs(2),
        negotiate_timeout: Duration::from_secs(2),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn http_up_wrong_body_and_missing_page() {
    let web = web_server("this is a test page\n");
    let rt = rt();
    let up = rt.block_on(run_check(&http(web.addr, "test")));
    assert!(up.up, "{up:?}");
    assert!(up.reason.contains("200"), "{up:?}");
    let wrong = rt.block_on(run_check(&http(web.addr, "^welcome")));
    assert!(
        !wrong.up && wrong.reason.contains("does not match"),
        "{wrong:?}"
    );
    let mut missing = http(web.addr, "test");
    if let CheckKind::Http { path, .. } = &mut missing.kind {
        *path = "nope.html".into();
    }
    let missing = rt.block_on(run_check(&missing));
    assert!(!missing.up && missing.reason.contains("404"), "{missing:?}");
    assert!(rt.block_on(run_check(&connect(web.addr))).up);
}

#[test]
fn refused_port_is_down_at_once() {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let rt = rt();
    let start = Instant::now();
    let out = rt.block_on(run_check(&http(addr, "test")));
    assert!(!out.up && out.reason.contains("refused"), "{out:?}");
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(!rt.block_on(run_check(&connect(addr))).up);
}

#[test]
fn a_reset_is_down() {
    let server = resetting_server();
    let out = rt().block_on(run_check(&http(server.addr, "test")));
    assert!(!out.up, "{out:?}");
}

#[test]
fn a_hung_server_times_out_without_delaying_the_others() {
    // The kernel completes the handshake for a listener that never accepts:
    // the check connects and then waits for an answer that never comes.
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_addr = hung.local_addr().unwrap();
    let web = web_server("test\n");
    let rt = rt();
    let (slow, fast) = rt.block_on(async {
        let slow = tokio::spawn({
            let spec = http(hung_addr, "test");
            async move {
                let start = Instant::now();
                (run_check(&spec).await, start.elapsed())
            }
        });
        let fast = tokio::spawn({
            let spec = http(web.addr, "test");
            async move {
                let start = Instant::now();
                (run_check(&spec).await, start.elapsed())
            }
        });
        (slow.await.unwrap(), fast.await.unwrap())
    });
    assert!(
        !slow.0.up && slow.0.reason.contains("timed out"),
        "{:?}",
        slow.0
    );
    assert!(
        slow.1 >= Duration::from_secs(2) && slow.1 < Duration::from_secs(3),
        "{:?}",
        slow.1
    );
    assert!(fast.0.up, "{:?}", fast.0);
    assert!(
        fast.1 < Duration::from_secs(1),
        "the good check waited {:?}",
        fast.1
    );
    drop(hung);
}

#[test]
fn simpletcp_matches_a_reply_line() {
    let web = web_server("x\n");
    let spec = CheckSpec {
        target: web.addr,
        kind: CheckKind::SimpleTcp {
            request: "GET /test.html HTTP/1.0\\r\\n\\r\\n".replace("\\r", "\r"),
            receive: std::sync::Arc::new(regex::Regex::new("^HTTP/1.0 200").unwrap()),
        },
        check_timeout: Duration::from_secs(2),
        negotiate_timeout: Duration::from_secs(2),
    };
    let out = rt().block_on(run_check(&spec));
    assert!(out.up, "{out:?}");
}

#[test]
fn on_and_off() {
    let rt = rt();
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let mut s = connect(addr);
    s.kind = CheckKind::On;
    assert!(rt.block_on(run_check(&s)).up);
    s.kind = CheckKind::Off;
    assert!(!rt.block_on(run_check(&s)).up);
}
