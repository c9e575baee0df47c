//! `/var/run/ldirectord.<config name>.pid`, and whether the process it
//! names is really an ldirectord (the legacy's stale pid file test).

use std::path::{Path, PathBuf};

pub fn path(config: &Path) -> PathBuf {
    let dir = std::env::var_os("LDIRECTORD_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run"));
    let name = config
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ldirectord.cf".into());
    dir.join(format!("ldirectord.{name}.pid"))
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
