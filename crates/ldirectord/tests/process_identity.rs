//! The daemon `start` leaves behind keeps the caller's command line word
//! for word, argv[0] as invoked: Pacemaker's ldirectord agent stops a
//! daemon whose `status` fails with `pgrep -f "$LDIRECTORD $CONF start"`,
//! and a Debian system calls it as `/usr/sbin/ldirectord`, a symlink to
//! ldirectord-rs. Runs without root or IPVS: the in-process IPVS stand-in
//! (`LDIRECTORD_RS_IPVS=standin`) and a private pid file directory
//! (`LDIRECTORD_RUNDIR`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Daemon {
    dir: tempfile::TempDir,
    link: PathBuf,
    cf: PathBuf,
}

impl Daemon {
    fn new() -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("ldirectord");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ldirectord-rs"), &link).unwrap();
        let cf = dir.path().join("ld.cf");
        // Nothing listens on the real: the check fails, the daemon runs on.
        std::fs::write(
            &cf,
            format!(
                "checkinterval=1\nlogfile=\"{}\"\nvirtual=127.0.0.1:18080\n\
                 \treal=127.0.0.1:9 masq\n\tchecktype=connect\n",
                dir.path().join("log").display()
            ),
        )
        .unwrap();
        Daemon { dir, link, cf }
    }

    fn run(&self, exe: &Path, cmd: &str) -> Output {
        Command::new(exe)
            .arg(&self.cf)
            .arg(cmd)
            .env("LDIRECTORD_RS_IPVS", "standin")
            .env("LDIRECTORD_RUNDIR", self.dir.path())
            .env_remove("LDIRECTORD_RS_DASHBOARD")
            .env("LDIRECTORD_RS_CONF", self.dir.path().join("none.conf"))
            .output()
            .unwrap()
    }

    fn pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.dir.path().join("ldirectord.ld.cf.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) on the daemon this test started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
    }
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn the_daemon_keeps_the_callers_argv_and_pgrep_finds_it() {
    let d = Daemon::new();
    let out = d.run(&d.link, "start");
    assert_eq!(out.status.code(), Some(0), "start: {out:?}");
    let pid = d.pid().expect("start returned 0 but wrote no pid file");

    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let want = format!("{}\0{}\0start\0", d.link.display(), d.cf.display());
    assert_eq!(
        String::from_utf8_lossy(&cmdline),
        want,
        "the daemon's /proc/{pid}/cmdline is not its invocation"
    );

    // The agent's own words: `pgrep -f "$LDIRECTORD $LDIRCONF start"`.
    let pattern = format!("{} {} start", d.link.display(), d.cf.display());
    let pg = Command::new("pgrep")
        .args(["-f", &pattern])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&pg.stdout).trim(),
        pid.to_string(),
        "pgrep -f {pattern:?} did not find exactly the daemon"
    );

    // status and stop, through the symlink and through the real name,
    // still recognise the daemon by its pid file and cmdline.
    let st = d.run(&d.link, "status");
    assert_eq!(st.status.code(), Some(0), "status via the link: {st:?}");
    let st = d.run(Path::new(env!("CARGO_BIN_EXE_ldirectord-rs")), "status");
    assert_eq!(
        st.status.code(),
        Some(0),
        "status via ldirectord-rs: {st:?}"
    );
    let out = d.run(&d.link, "stop");
    assert_eq!(out.status.code(), Some(0), "stop: {out:?}");
    assert!(!alive(pid), "stop returned but {pid} still runs");
    let st = d.run(&d.link, "status");
    assert_eq!(st.status.code(), Some(3), "status after stop: {st:?}");
}

#[test]
fn restart_keeps_the_restart_argv_and_runs() {
    let d = Daemon::new();
    assert_eq!(d.run(&d.link, "start").status.code(), Some(0));
    let first = d.pid().unwrap();
    let out = d.run(&d.link, "restart");
    assert_eq!(out.status.code(), Some(0), "restart: {out:?}");
    // `start` returns once the new daemon has written its pid file.
    let second = d.pid().unwrap();
    assert!(
        second != first && alive(second),
        "restart left no new daemon"
    );
    assert!(!alive(first), "the old daemon {first} still runs");
    // As the legacy's daemon (Perl keeps its invocation's argv), the new
    // one says `restart`; the marker, not the word, made it the daemon.
    let cmdline = std::fs::read(format!("/proc/{second}/cmdline")).unwrap();
    let want = format!("{}\0{}\0restart\0", d.link.display(), d.cf.display());
    assert_eq!(String::from_utf8_lossy(&cmdline), want);
    // try-restart of a running daemon restarts it too (its argv says
    // try-restart; before, such a daemon would have found nothing to do).
    let out = d.run(&d.link, "try-restart");
    assert_eq!(out.status.code(), Some(0), "try-restart: {out:?}");
    let third = d.pid().unwrap();
    assert!(
        third != second && alive(third),
        "try-restart left no daemon"
    );
    assert_eq!(d.run(&d.link, "stop").status.code(), Some(0));
    assert!(!alive(third));
}
