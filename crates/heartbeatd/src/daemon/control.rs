//! The operator commands (`hb_standby`, `hb_takeover`, `cl_status`) talk
//! to the running daemon over a unix datagram socket: one request, one
//! reply. The socket is root-only (mode 0600), like the legacy's API.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

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

/// Binds the daemon's socket and forwards requests to the event loop.
pub fn listen(tx: std::sync::mpsc::Sender<super::Input>) -> std::io::Result<()> {
    let path = socket_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(&path);
    let sock = UnixDatagram::bind(&path)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let Some(reply_to) = from.as_pathname().map(|p| p.to_path_buf()) else {
                continue;
            };
            let words = String::from_utf8_lossy(&buf[..n])
                .split_whitespace()
                .map(String::from)
                .collect();
            if tx
                .send(super::Input::Control(Request { words, reply_to }))
                .is_err()
            {
                break;
            }
        }
    });
    Ok(())
}

pub fn reply(to: &PathBuf, text: &str) {
    if let Ok(s) = UnixDatagram::unbound() {
        let _ = s.send_to(text.as_bytes(), to);
    }
}

/// Client side: sends `words`, waits for the answer.
pub fn ask(words: &[&str]) -> Result<String, String> {
    let me = std::env::temp_dir().join(format!("heartbeatd-client-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&me);
    let sock = UnixDatagram::bind(&me).map_err(|e| format!("cannot open a reply socket: {e}"))?;
    let result = (|| {
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        sock.send_to(words.join(" ").as_bytes(), socket_path())
            .map_err(|e| {
                format!(
                    "heartbeat is not running ({}: {e})",
                    socket_path().display()
                )
            })?;
        let mut buf = vec![0u8; 65536];
        let n = sock
            .recv(&mut buf)
            .map_err(|e| format!("no answer from heartbeat: {e}"))?;
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    })();
    let _ = std::fs::remove_file(&me);
    result
}
