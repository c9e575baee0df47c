//! `/var/lib/heartbeat/hb_generation` and `hb_uuid`, in the legacy's exact
//! formats, so a node upgraded in place keeps its identity and its peer
//! sees a strictly larger generation.

use std::io::Write;
use std::path::{Path, PathBuf};

pub fn dir() -> PathBuf {
    std::env::var_os("HEARTBEATD_STATEDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/heartbeat"))
}

/// Reads the previous generation, adds one, writes it back durably
/// (`"%15lu\n"`). A missing file starts from the current Unix time.
pub fn next_generation(dir: &Path) -> std::io::Result<(u64, Option<String>)> {
    let path = dir.join("hb_generation");
    let (previous, note) = match std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        Some(g) => (g, None),
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(1);
            (
                now,
                Some(format!("No Previous generation - starting at {}", now + 1)),
            )
        }
    };
    let g = previous + 1;
    std::fs::create_dir_all(dir)?;
    let mut f = std::fs::File::create(&path)?;
    f.write_all(format!("{g:>15}\n").as_bytes())?;
    f.sync_all()?;
    Ok((g, note))
}

/// The node's 16-byte uuid, created at random on first start.
pub fn uuid(dir: &Path) -> std::io::Result<[u8; 16]> {
    let path = dir.join("hb_uuid");
    if let Ok(b) = std::fs::read(&path) {
        if b.len() >= 16 {
            let mut u = [0u8; 16];
            u.copy_from_slice(&b[..16]);
            return Ok(u);
        }
    }
    let mut u = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut u))?;
    // RFC 4122 version 4, as cl_uuid_generate makes.
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    std::fs::create_dir_all(dir)?;
    std::fs::write(&path, u)?;
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_file_format_and_increment() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("hb_generation"), "              6\n").unwrap();
        let (g, note) = next_generation(d.path()).unwrap();
        assert_eq!((g, note), (7, None));
        let text = std::fs::read_to_string(d.path().join("hb_generation")).unwrap();
        assert_eq!(text, "              7\n");
        assert_eq!(text.len(), 16);
    }

    #[test]
    fn uuid_is_stable() {
        let d = tempfile::tempdir().unwrap();
        let a = uuid(d.path()).unwrap();
        assert_eq!(uuid(d.path()).unwrap(), a);
        assert_eq!(std::fs::read(d.path().join("hb_uuid")).unwrap().len(), 16);
    }
}
