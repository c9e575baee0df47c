//! The operator commands (`hb_standby`, `hb_takeover`, `cl_status`) talk
//! to the running daemon over a unix datagram socket: one request, one
//! reply. The socket is root-only (mode 0600), like the legacy's API.
//!
//! The listening thread must outlive anything that happens to its socket:
//! a receive error, or the socket file removed or replaced under it (a
//! tmpfs cleanup, a second daemon's start), would otherwise leave the
//! operators without a daemon to talk to and nothing in the log. It logs
//! the failure and binds the path again, backing off up to a minute.

use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use super::Input;
use hb_core::Level;

pub fn socket_path() -> PathBuf {
    std::env::var_os("HEARTBEATD_CONTROL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run/heartbeat/heartbeatd.sock"))
}

/// A request and where to send the answer.
pub struct Request {
    pub words: Vec<String>,
    pub reply_to: PathBuf,
}

/// How often the listener checks that its path still leads to it.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// Longest pause between attempts to bind again.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Binds `path` (mode 0600) and returns it with its inode.
fn bind(path: &Path) -> std::io::Result<(UnixDatagram, u64)> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(path);
    let sock = UnixDatagram::bind(path)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    sock.set_read_timeout(Some(CHECK_EVERY))?;
    Ok((sock, std::fs::metadata(path)?.ino()))
}

fn log(tx: &Sender<Input>, level: Level, text: String) {
    let _ = tx.send(Input::Log(level, text));
}

/// Binds the daemon's socket and forwards requests to the event loop.
/// The first bind's failure is returned (the daemon logs it and keeps
/// trying); later failures are logged by the thread.
pub fn listen(tx: Sender<Input>) -> std::io::Result<()> {
    let path = socket_path();
    let first = bind(&path);
    let (result, sock) = match first {
        Ok(s) => (Ok(()), Some(s)),
        Err(e) => (Err(e), None),
    };
    std::thread::Builder::new()
        .name("control".into())
        .spawn(move || serve(path, sock, tx))?;
    result
}

fn serve(path: PathBuf, mut sock: Option<(UnixDatagram, u64)>, tx: Sender<Input>) {
    let mut backoff = Duration::from_secs(1);
    let mut buf = [0u8; 4096];
    loop {
        let Some((s, ino)) = &sock else {
            std::thread::sleep(backoff);
            match bind(&path) {
                Ok(b) => {
                    log(
                        &tx,
                        Level::Info,
                        format!("control socket {} reopened", path.display()),
                    );
                    sock = Some(b);
                    backoff = Duration::from_secs(1);
                }
                Err(e) => {
                    backoff = (backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
                    log(
                        &tx,
                        Level::Error,
                        format!(
                            "control socket {}: cannot bind: {e}; next try in {} s",
                            path.display(),
                            backoff.as_secs()
                        ),
                    );
                }
            }
            continue;
        };
        match s.recv_from(&mut buf) {
            Ok((n, from)) => {
                let Some(reply_to) = from.as_pathname().map(|p| p.to_path_buf()) else {
                    continue;
                };
                let words = String::from_utf8_lossy(&buf[..n])
                    .split_whitespace()
                    .map(String::from)
                    .collect();
                if tx
                    .send(Input::Control(Request { words, reply_to }))
                    .is_err()
                {
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // Idle: is the path still ours?
                let still = std::fs::metadata(&path).is_ok_and(|m| m.ino() == *ino);
                if !still {
                    log(
                        &tx,
                        Level::Error,
                        format!(
                            "control socket {} was removed or replaced; binding it again",
                            path.display()
                        ),
                    );
                    sock = None;
                    backoff = Duration::ZERO;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                log(
                    &tx,
                    Level::Error,
                    format!(
                        "control socket {}: read failure: {e}; binding it again",
                        path.display()
                    ),
                );
                sock = None;
                backoff = Duration::from_secs(1);
            }
        }
    }
}

pub fn reply(to: &PathBuf, text: &str) {
    if let Ok(s) = UnixDatagram::unbound() {
        let _ = s.send_to(text.as_bytes(), to);
    }
}

/// Why a request got no answer.
#[derive(Debug)]
pub enum AskError {
    /// Nothing listens on the socket: the daemon is not running.
    NotRunning(String),
    /// The request went out but no answer came in time.
    NoAnswer(String),
    /// Our own side failed (no reply socket).
    Local(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AskError::NotRunning(s) | AskError::NoAnswer(s) | AskError::Local(s) => f.write_str(s),
        }
    }
}

/// Client side: sends `words`, waits up to `timeout` for the answer.
pub fn ask_within(words: &[&str], timeout: Duration) -> Result<String, AskError> {
    let me = std::env::temp_dir().join(format!("heartbeatd-client-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&me);
    let sock = UnixDatagram::bind(&me)
        .map_err(|e| AskError::Local(format!("cannot open a reply socket: {e}")))?;
    let result = (|| {
        sock.set_read_timeout(Some(timeout))
            .map_err(|e| AskError::Local(e.to_string()))?;
        sock.send_to(words.join(" ").as_bytes(), socket_path())
            .map_err(|e| {
                AskError::NotRunning(format!(
                    "heartbeat is not running ({}: {e})",
                    socket_path().display()
                ))
            })?;
        let mut buf = vec![0u8; 65536];
        let n = sock
            .recv(&mut buf)
            .map_err(|e| AskError::NoAnswer(format!("no answer from heartbeat: {e}")))?;
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    })();
    let _ = std::fs::remove_file(&me);
    result
}

/// [`ask_within`] with the operator commands' 10 s.
pub fn ask(words: &[&str]) -> Result<String, AskError> {
    ask_within(words, Duration::from_secs(10))
}
