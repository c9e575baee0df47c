//! Real servers and private network namespaces for the integration tests.
#![allow(dead_code)] // each test file uses its own part of this

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process we started, killed by its PID when the test ends.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_until_listening(addr: SocketAddr) {
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

/// Python's http.server (plus the paths in web_server.py) on `ip`, serving
/// `test.html` ("this is a test page") and `sub/index.html` ("index page");
/// with `tls`, behind a self-signed certificate made here by rcgen.
pub fn web_server(ip: &str, tls: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("test.html"), "this is a test page\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/index.html"), "index page\n").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/web_server.py");
    let port = free_port(ip);
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg(dir.path())
        .arg(ip)
        .arg(port.to_string())
        .stdout(Stdio::null());
    if tls {
        let cert =
            rcgen::generate_simple_self_signed(vec!["real.example.test".to_string()]).unwrap();
        let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
        std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
        cmd.arg(cert_pem).arg(key_pem);
    }
    let child = cmd.spawn().expect("python3");
    let addr = SocketAddr::new(ip.parse().unwrap(), port);
    wait_until_listening(addr);
    Server {
        child,
        addr,
        _dir: dir,
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `f` on a thread of its own in a new, private network namespace:
/// the namespace exists only as long as that thread, so nothing is left
/// behind whatever happens, and no packet sent in it reaches any other
/// network. `setup` lines are `ip` commands run inside it first.
pub fn in_private_netns<T: Send + 'static>(
    setup: &[&str],
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let setup: Vec<String> = setup.iter().map(|s| s.to_string()).collect();
    std::thread::spawn(move || {
        // SAFETY: unshare(2) changes only this thread's namespace.
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        assert_eq!(
            rc,
            0,
            "unshare(CLONE_NEWNET): {}",
            std::io::Error::last_os_error()
        );
        for line in setup {
            // Children start in the namespace of the thread that spawns them.
            let status = Command::new("ip")
                .args(line.split_whitespace())
                .status()
                .expect("ip");
            assert!(status.success(), "ip {line}");
        }
        f()
    })
    .join()
    .unwrap()
}

/// Runs an nft script (in the calling thread's namespace); its output.
pub fn nft(script: &str) -> String {
    let out = Command::new("nft").arg(script).output().expect("nft");
    assert!(
        out.status.success(),
        "nft {script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The packet counts of the `counter` rules in an nft listing, in order.
pub fn nft_counters(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .filter_map(|l| l.split("counter packets ").nth(1))
        .filter_map(|rest| rest.split(' ').next())
        .collect()
}

/// `/proc/<pid>` says the process is gone or a zombie (dead, unreaped).
pub fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn write_script(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

pub mod directory;
pub mod legacy;
pub mod sql;

/// Starts `cmd` (in the calling thread's network namespace) as a server
/// that is killed, by its PID, when the returned value is dropped.
pub fn spawn_server(cmd: &mut Command, addr: SocketAddr) -> Server {
    let child = cmd.spawn().unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    Server {
        child,
        addr,
        _dir: tempfile::tempdir().unwrap(),
    }
}
pub mod mail;

/// Runs `n` copies of `spec` at once on `rt`, each a task of its own (so
/// that all are in flight together), and returns their outcomes.
pub fn run_at_once(
    rt: &tokio::runtime::Runtime,
    n: usize,
    spec: lvs_check::CheckSpec,
) -> Vec<lvs_check::Outcome> {
    let spec = std::sync::Arc::new(spec);
    rt.block_on(async {
        let checks: Vec<_> = (0..n)
            .map(|_| {
                let spec = std::sync::Arc::clone(&spec);
                tokio::spawn(async move { lvs_check::run_check(&spec).await })
            })
            .collect();
        let mut outs = Vec::with_capacity(n);
        for c in checks {
            outs.push(c.await.unwrap());
        }
        outs
    })
}
