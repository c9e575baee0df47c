//! `/var/run/ldirectord.<config name>.pid`, and whether the process it
//! names is really an ldirectord (the legacy's stale pid file test).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

static CONFIG_OMITTED: AtomicBool = AtomicBool::new(false);

/// The command line named no config file. The legacy then calls its pid
/// file `ldirectord.ldirectord.pid` (the name Debian's ldirectord.service
/// waits for), not after the default file's name.
pub fn config_omitted() {
    CONFIG_OMITTED.store(true, Ordering::Relaxed);
}

pub fn path(config: &Path) -> PathBuf {
    let dir = std::env::var_os("LDIRECTORD_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run"));
    dir.join(file_name(config, CONFIG_OMITTED.load(Ordering::Relaxed)))
}

fn file_name(config: &Path, omitted: bool) -> String {
    let name = match config.file_name() {
        Some(n) if !omitted => n.to_string_lossy().into_owned(),
        _ => "ldirectord".into(),
    };
    format!("ldirectord.{name}.pid")
}

/// The pid in the file, if any.
pub fn read(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The pid of a live ldirectord for this pid file.
pub fn running(path: &Path) -> Option<i32> {
    let pid = read(path)?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    String::from_utf8_lossy(&cmdline)
        .contains("ldirectord")
        .then_some(pid)
}

pub fn write(path: &Path) -> std::io::Result<()> {
    std::fs::write(path, format!("{}\n", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_after_the_config_argument_or_ldirectord_without_one() {
        let cf = Path::new("/etc/ha.d/ldirectord.cf");
        assert_eq!(file_name(cf, false), "ldirectord.ldirectord.cf.pid");
        assert_eq!(
            file_name(Path::new("/etc/ha.d/web"), false),
            "ldirectord.web.pid"
        );
        assert_eq!(file_name(cf, true), "ldirectord.ldirectord.pid");
    }
}
