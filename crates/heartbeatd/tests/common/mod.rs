//! A one-node heartbeatd for integration tests: its own network and UTS
//! namespaces (`unshare --net --uts`: only `lo`, a host name of its own,
//! both gone when the daemon exits), its config, state, pid file, log and
//! control socket in a temp dir. Dropping it kills only what it started:
//! the daemon and the process groups of the clients it was told about.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_heartbeatd");

/// These tests create namespaces and run clients as `nobody`: root only.
/// Off CI a non-root run skips them, loudly; under CI=true that is a
/// failure (tests/README.md).
pub fn need_root() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "these tests need root (CI=true)"
    );
    eprintln!("SKIP: not root");
    false
}

/// A config directory (ha.cf, authkeys, empty haresources) in a temp dir
/// that `nobody` may read (clients run as nobody write there too).
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    /// `ha.cf` = logfile, short timings, then `body` (which names the
    /// nodes and media).
    pub fn new(body: &str) -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let d = Dir { tmp };
        d.write_hacf(body);
        fs::write(d.path().join("authkeys"), "auth 1\n1 sha1 testsecret\n").unwrap();
        fs::set_permissions(d.path().join("authkeys"), fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(d.path().join("haresources"), "").unwrap();
        fs::create_dir_all(d.path().join("state")).unwrap();
        d
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn write_hacf(&self, body: &str) {
        let text = format!(
            "logfile {}\nkeepalive 1\ndeadtime 5\ninitdead 10\n{body}",
            self.log_path().display()
        );
        fs::write(self.path().join("ha.cf"), text).unwrap();
    }

    pub fn log_path(&self) -> PathBuf {
        self.path().join("ha-log")
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// An executable script in the dir.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let p = self.path().join(name);
        fs::write(&p, format!("#!/bin/sh\n{body}")).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// The environment that points heartbeatd (daemon and commands) here.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HEARTBEATD_PIDFILE", self.path().join("pid")),
            ("HEARTBEATD_STATEDIR", self.path().join("state")),
            ("HEARTBEATD_CONTROL", self.path().join("ctl.sock")),
        ]
    }

    /// `heartbeatd ARGS` (a command: -k, cl_status, …) with this dir's env.
    pub fn command(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .envs(self.env())
            .output()
            .unwrap()
    }

    /// A file clients of any user may append to (root's clients would
    /// otherwise create it 0644).
    pub fn shared_file(&self, name: &str) {
        let p = self.path().join(name);
        fs::write(&p, "").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o666)).unwrap();
    }

    /// Lines of a file the clients append to.
    pub fn lines(&self, name: &str) -> Vec<String> {
        fs::read_to_string(self.path().join(name))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }
}

/// A running daemon (foreground) named `host` in its own namespaces.
pub struct Daemon {
    pub child: Child,
    /// Client process groups to kill if the test ends early.
    pub groups: Vec<i32>,
}

impl Daemon {
    pub fn start(dir: &Dir, host: &str, extra_env: &[(&str, &str)]) -> Daemon {
        // unshare execs sh, sh execs heartbeatd: the child is the daemon.
        let child = Command::new("unshare")
            .args(["--net", "--uts", "sh", "-c"])
            .arg(format!(
                "ip link set lo up && hostname {host} && exec {BIN} -f -c {}",
                dir.path().display()
            ))
            .envs(dir.env())
            .envs(extra_env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Daemon {
            child,
            groups: Vec::new(),
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Waits for the daemon to exit; its status code.
    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        for g in &self.groups {
            // SAFETY: kill(2) on process groups this test's daemon made.
            unsafe { libc::kill(-g, libc::SIGKILL) };
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `f` every 50 ms until it holds or `within` passes.
pub fn wait_for(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The process group `pgid` has no member left.
pub fn group_gone(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let rc = unsafe { libc::kill(-pgid, 0) };
    rc < 0
}

/// Log lines (the text after the level word) at `level`.
pub fn log_lines<'a>(log: &'a str, level: &str) -> Vec<&'a str> {
    let tag = format!(": {level}: ");
    log.lines()
        .filter_map(|l| l.split_once(&tag).map(|(_, t)| t))
        .collect()
}
