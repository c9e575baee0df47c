//! `respawn` / `failfast` clients as heartbeat 3.0.6 keeps them: started at
//! comm-up in ha.cf order, restarted when they die (unless they exit 100,
//! or died more than ten times within 30 s of their start), a failfast
//! client's death reboots the node, and at shutdown they are stopped one at
//! a time in reverse order, each waited for.
//!
//! Pure policy: the driver forks, signals and reaps, and reports back with
//! [`ClientEvent`]s; this module decides, words the legacy's log lines, and
//! keeps the one timer (the 1 s pause before a quick respawn).
//! Facts: docs/facts/heartbeat-ipfail-respawn-reload.md §3.

mod signals;
#[cfg(test)]
mod tests;

use crate::action::Level;
use crate::time::Time;

/// A death within this long of the start counts as "quick" (`shortrcount`).
pub const SHORT_RUN_MS: u64 = 30_000;
/// More quick deaths in a row than this and the client is left dead.
pub const MAX_QUICK_DEATHS: u32 = 10;
/// After a quick death the legacy's child sleeps this long before exec.
pub const QUICK_RESPAWN_DELAY_MS: u64 = 1000;
/// The exit status a client uses to say "do not respawn me".
pub const DONT_RESPAWN: i32 = 100;

/// One `respawn`/`failfast` line, with the user already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    /// The command as written in ha.cf (how every log line names it).
    pub command: String,
    pub uid: u32,
    pub gid: u32,
    /// `failfast`: reboot the node when it dies abnormally.
    pub failfast: bool,
}

/// How a client process ended (from `waitpid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Death {
    Exited(i32),
    Signaled(i32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// Also due timers; call at [`Supervisor::next_deadline`].
    Tick,
    /// Communication is up: start every client (once per daemon run).
    CommUp,
    /// The driver carried out [`ClientAction::Spawn`]: the process (and
    /// process group) `pid` runs the client.
    Spawned { index: usize, pid: i32 },
    /// [`ClientAction::Spawn`] failed before a process existed (the program
    /// is no longer executable, fork failed). The legacy never retries.
    SpawnFailed { index: usize, error: String },
    /// A process the driver started has been reaped.
    Died { pid: i32, death: Death },
    /// Shutdown began (resources are being released): nothing is respawned
    /// from now on.
    ShutdownBegun,
    /// Resources are released: stop the clients, last first.
    StopAll,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    /// A log line in the legacy's wording.
    Log(Level, String),
    /// Start client `index` now (`/bin/sh -c "exec COMMAND"` as its user,
    /// in a new process group) and report `Spawned` or `SpawnFailed`.
    Spawn(usize),
    /// `kill(-pgid, signal)`.
    KillGroup { pgid: i32, signal: i32 },
    /// Reboot the node (sync, wait `delay_ms`, reboot(2)); never returns in
    /// real life.
    Reboot { reason: String, delay_ms: u64 },
    /// Every client is stopped: the daemon may finish its shutdown.
    AllStopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    /// Not running and not about to be (never started, exited 100, gave
    /// up, could not exec, or stopped).
    Idle,
    /// To be spawned at `at`; `since` is when the start was decided.
    Due {
        at: Time,
        since: Time,
    },
    /// A `Spawn` was handed to the driver; awaiting its report.
    Spawning {
        since: Time,
    },
    Running {
        pid: i32,
        since: Time,
    },
    /// Sent SIGTERM at shutdown; its death is expected.
    Stopping {
        pid: i32,
    },
}

#[derive(Debug, Clone)]
struct Client {
    spec: ClientSpec,
    run: Run,
    /// Consecutive quick deaths (`shortrcount`).
    quick: u32,
}

/// The clients of one daemon run.
#[derive(Debug, Clone)]
pub struct Supervisor {
    clients: Vec<Client>,
    keepalive_ms: u64,
    started: bool,
    shutting_down: bool,
    /// The final stop, while it runs.
    stop: Option<Stop>,
    all_stopped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stop {
    /// Clients `0..remaining` are still to be stopped (last first).
    remaining: usize,
    /// The client whose death (or spawn report) the stop waits for.
    waiting: Option<usize>,
}

impl Supervisor {
    /// `keepalive_ms` is the legacy's pause between the reboot message and
    /// the reboot itself.
    pub fn new(specs: Vec<ClientSpec>, keepalive_ms: u64) -> Supervisor {
        Supervisor {
            clients: specs
                .into_iter()
                .map(|spec| Client {
                    spec,
                    run: Run::Idle,
                    quick: 0,
                })
                .collect(),
            keepalive_ms,
            started: false,
            shutting_down: false,
            stop: None,
            all_stopped: false,
        }
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    pub fn command(&self, index: usize) -> Option<&str> {
        self.clients.get(index).map(|c| c.spec.command.as_str())
    }

    /// The pid of client `index` if it is running.
    pub fn pid(&self, index: usize) -> Option<i32> {
        match self.clients.get(index)?.run {
            Run::Running { pid, .. } | Run::Stopping { pid } => Some(pid),
            _ => None,
        }
    }

    /// Every client is stopped after [`ClientEvent::StopAll`].
    pub fn all_stopped(&self) -> bool {
        self.all_stopped
    }

    /// When to send [`ClientEvent::Tick`] next.
    pub fn next_deadline(&self) -> Option<Time> {
        self.clients
            .iter()
            .filter_map(|c| match c.run {
                Run::Due { at, .. } => Some(at),
                _ => None,
            })
            .min()
    }

    #[must_use = "the actions must be carried out"]
    pub fn handle(&mut self, now: Time, event: ClientEvent) -> Vec<ClientAction> {
        let mut out = Vec::new();
        match event {
            ClientEvent::Tick => {}
            ClientEvent::CommUp => {
                // Like the legacy, a shutdown requested before comm-up
                // means the clients are never started.
                if !self.started && !self.shutting_down {
                    self.started = true;
                    for i in 0..self.clients.len() {
                        self.start(i, now, &mut out);
                    }
                }
            }
            ClientEvent::Spawned { index, pid } => self.spawned(index, pid, &mut out),
            ClientEvent::SpawnFailed { index, error } => {
                if let Some(c) = self.clients.get_mut(index) {
                    c.run = Run::Idle;
                    out.push(error_line(format!(
                        "Cannot exec {}: {error}",
                        c.spec.command
                    )));
                }
                // A stop waiting for this one moves on.
                self.advance_stop(index, &mut out);
            }
            ClientEvent::Died { pid, death } => self.died(now, pid, death, &mut out),
            ClientEvent::ShutdownBegun => self.shutting_down = true,
            ClientEvent::StopAll => {
                self.shutting_down = true;
                if self.stop.is_none() && !self.all_stopped {
                    self.stop = Some(Stop {
                        remaining: self.clients.len(),
                        waiting: None,
                    });
                    self.stop_next(&mut out);
                }
            }
        }
        self.spawn_due(now, &mut out);
        out
    }

    /// `start_a_child_client`: the legacy logs the start and forks at once;
    /// after a quick death its child sleeps 1 s before exec, which here is a
    /// timer, so the daemon never blocks.
    fn start(&mut self, i: usize, now: Time, out: &mut Vec<ClientAction>) {
        let c = &mut self.clients[i];
        out.push(ClientAction::Log(
            Level::Info,
            format!(
                "Starting child client \"{}\" ({},{})",
                c.spec.command, c.spec.uid, c.spec.gid
            ),
        ));
        let at = if c.quick > 0 {
            now.plus(QUICK_RESPAWN_DELAY_MS)
        } else {
            now
        };
        c.run = Run::Due { at, since: now };
    }

    fn spawn_due(&mut self, now: Time, out: &mut Vec<ClientAction>) {
        for (i, c) in self.clients.iter_mut().enumerate() {
            if let Run::Due { at, since } = c.run {
                if at <= now {
                    c.run = Run::Spawning { since };
                    out.push(ClientAction::Spawn(i));
                }
            }
        }
    }

    fn spawned(&mut self, index: usize, pid: i32, out: &mut Vec<ClientAction>) {
        let Some(c) = self.clients.get_mut(index) else {
            return;
        };
        let Run::Spawning { since } = c.run else {
            return;
        };
        c.run = Run::Running { pid, since };
        out.push(ClientAction::Log(
            Level::Info,
            format!(
                "Starting \"{}\" as uid {}  gid {} (pid {pid})",
                c.spec.command, c.spec.uid, c.spec.gid
            ),
        ));
        // The final stop reached this client while it was being spawned.
        if self.stop.is_some_and(|s| s.waiting == Some(index)) {
            self.kill(index, pid, out);
        }
    }

    fn died(&mut self, now: Time, pid: i32, death: Death, out: &mut Vec<ClientAction>) {
        let Some(i) = self.clients.iter().position(
            |c| matches!(c.run, Run::Running { pid: p, .. } | Run::Stopping { pid: p } if p == pid),
        ) else {
            return;
        };
        let stopped_by_us = matches!(self.clients[i].run, Run::Stopping { .. });
        let since = match self.clients[i].run {
            Run::Running { since, .. } => Some(since),
            _ => None,
        };
        self.clients[i].run = Run::Idle;
        let c = &self.clients[i];
        // cluster-glue's process tracker logs every death, until the final
        // shutdown phase turns its logging off.
        if self.stop.is_none() && !self.all_stopped {
            out.push(death_line(&c.spec.command, pid, death));
        }
        let (code, signo) = match death {
            Death::Exited(n) => (n, 0),
            // A death by signal counts as exit code 0 for the respawn rule.
            Death::Signaled(s) => (0, s),
        };
        // The legacy reboots even when the signal was its own shutdown
        // SIGTERM; rebooting a node that has just released its resources
        // protects nothing, so a death we caused is exempt (our choice).
        if c.spec.failfast && ((signo != 0 && !stopped_by_us) || (code != 0 && !self.shutting_down))
        {
            out.push(ClientAction::Log(
                Level::Emerg,
                format!("Rebooting system.  Reason: {}", c.spec.command),
            ));
            out.push(ClientAction::Reboot {
                reason: c.spec.command.clone(),
                delay_ms: self.keepalive_ms,
            });
            return;
        }
        if !self.shutting_down && code != DONT_RESPAWN {
            let quick = since.is_some_and(|s| now.since(s) < SHORT_RUN_MS);
            let c = &mut self.clients[i];
            c.quick = if quick { c.quick + 1 } else { 0 };
            if c.quick > MAX_QUICK_DEATHS {
                out.push(error_line(format!(
                    "Client {} \"respawning too fast\"",
                    c.spec.command
                )));
                c.quick = 0;
            } else {
                out.push(error_line(format!(
                    "Respawning client \"{}\":",
                    c.spec.command
                )));
                self.start(i, now, out);
            }
        }
        self.advance_stop(i, out);
    }

    /// Moves the final stop on if it was waiting for client `i`.
    fn advance_stop(&mut self, i: usize, out: &mut Vec<ClientAction>) {
        if let Some(s) = &mut self.stop {
            if s.waiting == Some(i) {
                s.waiting = None;
                self.stop_next(out);
            }
        }
    }

    /// `shutdown_last_client_child`: SIGTERM to the process group of the
    /// last client not yet stopped, or on to the one before if it is not
    /// running.
    fn stop_next(&mut self, out: &mut Vec<ClientAction>) {
        let Some(mut s) = self.stop else {
            return;
        };
        while s.waiting.is_none() {
            if s.remaining == 0 {
                self.stop = None;
                self.all_stopped = true;
                out.push(ClientAction::AllStopped);
                return;
            }
            s.remaining -= 1;
            let i = s.remaining;
            match self.clients[i].run {
                Run::Running { pid, .. } => {
                    s.waiting = Some(i);
                    self.kill(i, pid, out);
                }
                // A spawn in flight: its report will come (see `spawned`).
                Run::Spawning { .. } | Run::Stopping { .. } => s.waiting = Some(i),
                Run::Idle | Run::Due { .. } => {
                    let c = &mut self.clients[i];
                    c.run = Run::Idle;
                    out.push(ClientAction::Log(
                        Level::Info,
                        format!("client [{}] is not running.", c.spec.command),
                    ));
                }
            }
        }
        self.stop = Some(s);
    }

    fn kill(&mut self, i: usize, pid: i32, out: &mut Vec<ClientAction>) {
        let c = &mut self.clients[i];
        out.push(ClientAction::Log(
            Level::Info,
            format!(
                "killing {} process group {pid} with signal {}",
                c.spec.command,
                signals::SIGTERM
            ),
        ));
        out.push(ClientAction::KillGroup {
            pgid: pid,
            signal: signals::SIGTERM,
        });
        c.run = Run::Stopping { pid };
    }
}

fn error_line(text: String) -> ClientAction {
    ClientAction::Log(Level::Error, text)
}

/// The process tracker's line for a death (cluster-glue `proctrack.c`).
fn death_line(command: &str, pid: i32, death: Death) -> ClientAction {
    match death {
        Death::Exited(0) => ClientAction::Log(
            Level::Info,
            format!("Managed {command} process {pid} exited with return code 0."),
        ),
        Death::Exited(n) => ClientAction::Log(
            Level::Warning,
            format!("Managed {command} process {pid} exited with return code {n}."),
        ),
        Death::Signaled(s) => ClientAction::Log(
            Level::Warning,
            match signals::describe(s) {
                Some((name, words)) => format!(
                    "Managed {command} process {pid} killed by signal {s} [{name} - {words}]."
                ),
                None => format!("Managed {command} process {pid} killed by signal {s}."),
            },
        ),
    }
}
