//! Support for the end-to-end tests: where the compat configs are, what each
//! bad one is expected to say, and how to load a heartbeat config dir the way
//! an installed one looks (authkeys at mode 0600, which git cannot record).

use ha_config::{ConfigError, Diagnostic};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub mod legacy;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn compat_dir() -> PathBuf {
    repo_root().join("compat-configs")
}

/// What a bad config must be rejected with: `file:line` and a piece of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Expected {
    /// Reads `FILE:LINE: message substring` from the first non-comment line.
    pub fn read(path: &Path) -> Result<Expected, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let line = text
            .lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .ok_or_else(|| format!("{}: empty expectation", path.display()))?;
        let (loc, message) = line
            .split_once(": ")
            .ok_or_else(|| format!("{}: want `FILE:LINE: message`", path.display()))?;
        let (file, num) = loc
            .rsplit_once(':')
            .ok_or_else(|| format!("{}: want `FILE:LINE`", path.display()))?;
        let line = num
            .parse()
            .map_err(|_| format!("{}: bad line number {num}", path.display()))?;
        Ok(Expected {
            file: file.to_string(),
            line,
            message: message.trim().to_string(),
        })
    }

    /// True if `d` is at this file and line and its message contains ours.
    pub fn matches(&self, d: &Diagnostic) -> bool {
        let same_file = Path::new(&d.file)
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == self.file);
        same_file
            && d.line == self.line
            && d.message
                .to_ascii_lowercase()
                .contains(&self.message.to_ascii_lowercase())
    }

    pub fn matches_any(&self, err: &ConfigError) -> bool {
        err.errors().any(|d| self.matches(d))
    }
}

/// One heartbeat configuration directory (ha.cf + haresources + authkeys).
#[derive(Debug, Clone)]
pub struct HeartbeatCase {
    pub name: String,
    pub dir: PathBuf,
    pub expected: Option<Expected>,
}

/// One ldirectord.cf file.
#[derive(Debug, Clone)]
pub struct LdirectordCase {
    pub name: String,
    pub file: PathBuf,
    pub expected: Option<Expected>,
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn heartbeat_dirs_under(root: &Path, bad: bool, out: &mut Vec<HeartbeatCase>) {
    for p in sorted_entries(root) {
        if !p.is_dir() {
            continue;
        }
        if p.join("ha.cf").exists() {
            let expected = bad.then(|| {
                Expected::read(&p.join("expected-error")).unwrap_or_else(|e| panic!("{e}"))
            });
            out.push(HeartbeatCase {
                name: p
                    .strip_prefix(compat_dir())
                    .unwrap_or(&p)
                    .display()
                    .to_string(),
                dir: p,
                expected,
            });
        } else {
            heartbeat_dirs_under(&p, bad, out);
        }
    }
}

/// Every heartbeat config dir: the seed, `heartbeat/*`, and `bad/heartbeat/*`.
pub fn heartbeat_cases() -> Vec<HeartbeatCase> {
    let mut out = Vec::new();
    let c = compat_dir();
    out.push(HeartbeatCase {
        name: "seed".into(),
        dir: c.join("seed"),
        expected: None,
    });
    heartbeat_dirs_under(&c.join("heartbeat"), false, &mut out);
    heartbeat_dirs_under(&c.join("bad/heartbeat"), true, &mut out);
    out
}

fn ldirectord_files_under(root: &Path, bad: bool, out: &mut Vec<LdirectordCase>) {
    for p in sorted_entries(root) {
        if p.is_dir() {
            ldirectord_files_under(&p, bad, out);
        } else if p.extension().is_some_and(|e| e == "cf") {
            let expected = bad.then(|| {
                Expected::read(&p.with_extension("expected")).unwrap_or_else(|e| panic!("{e}"))
            });
            out.push(LdirectordCase {
                name: p
                    .strip_prefix(compat_dir())
                    .unwrap_or(&p)
                    .display()
                    .to_string(),
                file: p,
                expected,
            });
        }
    }
}

/// Every ldirectord.cf: the seed's, `ldirectord/**`, and `bad/ldirectord/**`.
pub fn ldirectord_cases() -> Vec<LdirectordCase> {
    let mut out = Vec::new();
    let c = compat_dir();
    out.push(LdirectordCase {
        name: "seed/ldirectord.cf".into(),
        file: c.join("seed/ldirectord.cf"),
        expected: None,
    });
    ldirectord_files_under(&c.join("ldirectord"), false, &mut out);
    ldirectord_files_under(&c.join("bad/ldirectord"), true, &mut out);
    out
}

/// A private copy of a config dir as it would be installed: authkeys at mode
/// 0600 unless the case carries an `authkeys.mode` file (octal) saying otherwise.
pub fn installed_copy(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for p in sorted_entries(dir) {
        if p.is_file() {
            let dest = tmp.path().join(p.file_name().expect("file name"));
            fs::copy(&p, &dest).expect("copy config file");
        }
    }
    let authkeys = tmp.path().join("authkeys");
    if authkeys.exists() {
        let mode = fs::read_to_string(dir.join("authkeys.mode"))
            .ok()
            .and_then(|s| u32::from_str_radix(s.trim(), 8).ok())
            .unwrap_or(0o600);
        fs::set_permissions(&authkeys, fs::Permissions::from_mode(mode)).expect("chmod authkeys");
    }
    tmp
}
