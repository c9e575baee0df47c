//! `ldirectord-rs [-d] [CONFIG] start|stop|restart|try-restart|reload|
//! force-reload|status`, with ldirectord 4.12's texts and exit statuses,
//! so its init.d script and heartbeat's `resource.d/ldirectord` can call
//! ldirectord-rs unchanged.

pub mod checks;
mod config;
pub mod dashboard;
mod kernel;
mod logger;
mod mailer;
mod monitorfile;
mod pidfile;
mod ready;
mod run;

pub use pidfile::config_omitted;

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Set in the environment of the daemon process `start` launches. The
/// daemon's argv is the caller's, whatever the command (`restart` too, as
/// the legacy's daemon keeps its invocation's), so this, not the command,
/// tells it to run; it removes the variable so nothing it starts sees it.
const CHILD_ENV: &str = "LDIRECTORD_RS_DAEMON";

pub fn command(cmd: &str, config: &Path, debug: bool) -> u8 {
    if std::env::var_os(CHILD_ENV).is_some() {
        // Still one thread: nothing reads the environment concurrently.
        std::env::remove_var(CHILD_ENV);
        let ready = ready::take();
        return match config::load(config) {
            Ok(loaded) => run::run(config, loaded, debug, ready),
            Err(e) => {
                eprintln!("{e}");
                2
            }
        };
    }
    let pid_path = pidfile::path(config);
    let running = pidfile::running(&pid_path);
    let cfg = config.display();
    match cmd {
        "start" => match running {
            Some(_) => 0,
            None => start(config, debug),
        },
        "stop" => {
            if let Some(pid) = running {
                stop(pid);
            }
            0
        }
        "restart" | "try-restart" => {
            if let Some(pid) = running {
                stop(pid);
            } else if cmd == "try-restart" {
                return 0;
            }
            start(config, debug)
        }
        "reload" | "force-reload" => match running {
            Some(pid) => {
                // SAFETY: plain kill(2) on a pid read from our pid file
                // whose /proc cmdline names ldirectord.
                unsafe { libc::kill(pid, libc::SIGHUP) };
                0
            }
            None => 1,
        },
        _ => match running {
            Some(pid) => {
                eprintln!("ldirectord for {cfg} is running with pid: {pid}");
                0
            }
            None => {
                let stale = pidfile::read(&pid_path).is_some();
                if stale {
                    eprintln!("ldirectord stale pid file {} for {cfg}", pid_path.display());
                }
                println!("ldirectord is stopped for {cfg}");
                if stale {
                    1
                } else {
                    3
                }
            }
        },
    }
}

/// SIGTERM, then wait (up to 15 s) for the daemon to purge and exit, so a
/// cluster manager calling `stop` knows the table is released on return.
fn stop(pid: i32) {
    // SAFETY: see `command`.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline && Path::new(&format!("/proc/{pid}")).exists() {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start(config: &Path, debug: bool) -> u8 {
    let loaded = match config::load(config) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if debug {
        return run::run(config, loaded, debug, None);
    }
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("ldirectord-rs: cannot find its own executable");
        return 1;
    };
    // The daemon's command line is the caller's, word for word, argv[0]
    // as invoked (`/usr/sbin/ldirectord` through the symlink): Pacemaker's
    // ldirectord agent and operators' scripts find it with
    // `pgrep -f "$LDIRECTORD $CONF start"`. The daemon re-reads the same
    // options (`--dashboard` among them) and resolves the same config
    // name from the same directory; only the marker is added.
    // Our end and the daemon's of the pipe it says "table applied" on;
    // without one (pipe(2) failed) the pid file alone tells it runs.
    let pipe = ready::pipe().ok();
    let mut argv = std::env::args_os();
    let mut child = std::process::Command::new(&exe);
    child.arg0(argv.next().unwrap_or_else(|| exe.clone().into_os_string()));
    child
        .args(argv)
        .env(CHILD_ENV, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid is async-signal-safe; it detaches the daemon from
    // the caller's session and terminal.
    unsafe {
        child.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    if let Some((_, wr)) = &pipe {
        child.env(ready::READY_ENV, wr.as_raw_fd().to_string());
    }
    let mut child = match child.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ldirectord-rs: cannot start the daemon: {e}");
            return 1;
        }
    };
    // Only the daemon holds the write end now: its death closes the pipe.
    let rd = pipe.map(|(rd, _wr)| rd);
    let pid_path = pidfile::path(config);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let exited = match child.try_wait() {
            Ok(Some(status)) => Some(status.code().unwrap_or(1) as u8),
            _ => None,
        };
        let said = rd.as_ref().map_or(ready::Pipe::Closed, ready::poll);
        let pid_written = pidfile::read(&pid_path) == Some(child.id() as i32);
        match ready::verdict(exited, said, pid_written, Instant::now() >= deadline) {
            ready::Verdict::Exit(1) if exited.is_none() => {
                eprintln!("ldirectord-rs: the daemon did not report in 10 s");
                return 1;
            }
            ready::Verdict::Exit(code) => return code,
            ready::Verdict::Wait => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// This machine's name (the kernel's), as the legacy's `$HOSTNAME`.
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
}
