//! The driver of `respawn`/`failfast` clients: forks them as 3.0.6 does
//! (`/bin/sh -c "exec COMMAND"` as the named user with its primary group
//! and supplementary groups, in a process group of its own, stdio on
//! /dev/null, the legacy's ignored signals, umask 022, the HA_* environment,
//! the legacy's working directory), reaps
//! each on a thread of its own, signals process groups and reboots; the
//! decisions are hb-core's [`Supervisor`].
//!
//! ipfail lines are not started here: heartbeatd runs ipfail itself
//! ([`ha_config::hacf::is_builtin_ipfail`]).

use super::log::Log;
use super::Input;
use hb_core::clients::{ClientAction, ClientEvent, ClientSpec, Death, Supervisor};
use hb_core::{Level, Time};
use std::collections::VecDeque;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::mpsc::Sender;

/// What a reaper thread reports.
pub struct Report {
    pub pid: i32,
    pub death: Death,
}

/// A client line with its user resolved for fork time.
struct Program {
    command: String,
    path: String,
    uid: u32,
    gid: u32,
    /// Supplementary groups of the user (initgroups), looked up before the
    /// fork: NSS lookups are not safe between fork and exec.
    groups: Vec<libc::gid_t>,
}

pub struct Clients {
    sup: Supervisor,
    programs: Vec<Program>,
    env: Vec<(String, String)>,
    tx: Sender<Input>,
    comm_up_seen: bool,
    /// The legacy runs its clients in its core directory.
    cwd: std::path::PathBuf,
}

impl Clients {
    /// The clients of `hacf` (ipfail left out). A user that no longer
    /// resolves (the start checks passed) is logged and its line skipped.
    pub fn new(
        hacf: &ha_config::hacf::HaCf,
        env: Vec<(String, String)>,
        tx: Sender<Input>,
        log: &mut Log,
    ) -> Clients {
        let mut specs = Vec::new();
        let mut programs = Vec::new();
        for c in hacf
            .respawn
            .iter()
            .filter(|c| !ha_config::hacf::is_builtin_ipfail(&c.path))
        {
            let user = match nix::unistd::User::from_name(&c.user) {
                Ok(Some(u)) => u,
                _ => {
                    log.error(&format!(
                        "Invalid uid [{}] specified for client child",
                        c.user
                    ));
                    continue;
                }
            };
            let groups = std::ffi::CString::new(c.user.as_str())
                .ok()
                .and_then(|name| nix::unistd::getgrouplist(&name, user.gid).ok())
                .map(|g| g.into_iter().map(|g| g.as_raw()).collect())
                .unwrap_or_else(|| vec![user.gid.as_raw()]);
            specs.push(ClientSpec {
                command: c.command.clone(),
                uid: user.uid.as_raw(),
                gid: user.gid.as_raw(),
                failfast: c.failfast,
            });
            programs.push(Program {
                command: c.command.clone(),
                path: c.path.clone(),
                uid: user.uid.as_raw(),
                gid: user.gid.as_raw(),
                groups,
            });
        }
        Clients {
            sup: Supervisor::new(specs, hacf.keepalive_ms.max(0) as u64),
            programs,
            env,
            tx,
            comm_up_seen: false,
            cwd: Some(super::statefiles::dir().join("cores/root"))
                .filter(|d| d.is_dir())
                .unwrap_or_else(|| "/".into()),
        }
    }

    pub fn next_deadline(&self) -> Option<Time> {
        self.sup.next_deadline()
    }

    pub fn all_stopped(&self) -> bool {
        self.sup.all_stopped()
    }

    /// Called after every turn of the core: the clients start once
    /// communication is up.
    pub fn follow_core(&mut self, now: Time, comm_up: bool, log: &mut Log) {
        if comm_up && !self.comm_up_seen {
            self.comm_up_seen = true;
            self.handle(now, ClientEvent::CommUp, log);
        }
    }

    pub fn reaped(&mut self, now: Time, r: Report, log: &mut Log) {
        self.handle(
            now,
            ClientEvent::Died {
                pid: r.pid,
                death: r.death,
            },
            log,
        );
    }

    /// Feeds one event and carries out what follows, including the events
    /// the actions themselves produce (a spawn's outcome).
    pub fn handle(&mut self, now: Time, event: ClientEvent, log: &mut Log) {
        let mut queue = VecDeque::from([event]);
        while let Some(e) = queue.pop_front() {
            for a in self.sup.handle(now, e) {
                match a {
                    ClientAction::Log(level, text) => log.log(level, &text),
                    ClientAction::Spawn(index) => queue.push_back(match self.spawn(index) {
                        Ok(pid) => ClientEvent::Spawned { index, pid },
                        Err(error) => ClientEvent::SpawnFailed { index, error },
                    }),
                    ClientAction::KillGroup { pgid, signal } => {
                        // SAFETY: kill(2) on the process group of a client
                        // we started (its pid is the group id).
                        if unsafe { libc::kill(-pgid, signal) } < 0 {
                            let e = std::io::Error::last_os_error();
                            log.log(Level::Error, &format!("kill(-{pgid}, {signal}): {e}"));
                        }
                    }
                    ClientAction::Reboot { reason, delay_ms } => {
                        super::reboot::reboot(&reason, delay_ms, log)
                    }
                    ClientAction::AllStopped => {}
                }
            }
        }
    }

    /// Forks client `i`; its reaper thread reports the death.
    fn spawn(&self, i: usize) -> Result<i32, String> {
        let p = &self.programs[i];
        // As the legacy: a program that is no longer executable is never
        // started (and never retried).
        nix::unistd::access(
            p.path.as_str(),
            nix::unistd::AccessFlags::F_OK | nix::unistd::AccessFlags::X_OK,
        )
        .map_err(|e| e.desc().to_string())?;
        let mut cmd = Command::new("/bin/sh");
        cmd.arg0("sh")
            .arg("-c")
            .arg(format!("exec {}", p.command))
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir(&self.cwd)
            .process_group(0);
        let (uid, gid, groups) = (p.uid, p.gid, p.groups.clone());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setgroups(groups.len(), groups.as_ptr()) < 0
                    || libc::setgid(gid) < 0
                    || libc::setuid(uid) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                // The legacy ignores these in the daemon (SIGALRM in the
                // child) and its clients inherit that (seen live).
                for sig in [
                    libc::SIGALRM,
                    libc::SIGINT,
                    libc::SIGPIPE,
                    libc::SIGTTIN,
                    libc::SIGTTOU,
                ] {
                    libc::signal(sig, libc::SIG_IGN);
                }
                libc::umask(0o022);
                // Nothing of the daemon's but stdio may leak into the
                // client; marked close-on-exec so std's own exec-error
                // pipe still works until the exec.
                libc::syscall(
                    libc::SYS_close_range,
                    3u32,
                    u32::MAX,
                    libc::CLOSE_RANGE_CLOEXEC,
                );
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| e.to_string())?;
        let pid = child.id() as i32;
        let tx = self.tx.clone();
        let reaper = std::thread::Builder::new()
            .name(format!("client-{pid}"))
            .spawn(move || {
                let death = match child.wait() {
                    Ok(st) => match (st.code(), st.signal()) {
                        (Some(c), _) => Death::Exited(c),
                        (None, Some(s)) => Death::Signaled(s),
                        _ => Death::Exited(0),
                    },
                    // Cannot happen for our own child; treat as gone.
                    Err(_) => Death::Exited(0),
                };
                let _ = tx.send(Input::Client(Report { pid, death }));
            });
        if let Err(e) = reaper {
            // Without a reaper we would never see it die: do not run it.
            // SAFETY: kill(2) on the process group just created.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            return Err(format!("cannot start a reaper thread: {e}"));
        }
        Ok(pid)
    }
}
