//! Ping nodes (`ping`, `ping_group`): which of them answer us.
//!
//! The driver sends one ICMP echo per ping node with each status message
//! and reports every authenticated reply as [`crate::Event::PingReply`].
//! A ping node is `ping` from its first reply on and `dead` after
//! `deadping` (`initdead` before communication is up) without one; its
//! single link is up or dead with it (facts:
//! docs/facts/heartbeat-ipfail-respawn-reload.md §1.3). Nothing about ping
//! nodes goes to the peers: each node watches its own.

use crate::action::{Action, Level};
use crate::config::Config;
use crate::time::Time;

/// A ping node's status as `cl_status nodestatus` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingStatus {
    /// No reply yet.
    Init,
    Ping,
    Dead,
}

impl PingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PingStatus::Init => "init",
            PingStatus::Ping => "ping",
            PingStatus::Dead => "dead",
        }
    }
}

/// What changed, for ipfail (the legacy's API clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingEvent {
    /// The node's status became `ping` or `dead`.
    Status(String, PingStatus),
    /// The node's link went dead.
    LinkDead(String),
}

#[derive(Debug, Clone)]
struct Target {
    name: String,
    link: String,
    status: PingStatus,
    link_up: bool,
    /// The last reply, or the start while none came.
    last: Time,
    heard: bool,
}

#[derive(Debug, Clone)]
pub struct PingNodes {
    targets: Vec<Target>,
    deadping: u64,
    deadtime: u64,
    warntime: u64,
    initdead: u64,
}

impl PingNodes {
    pub fn new(cfg: &Config, now: Time) -> Self {
        PingNodes {
            targets: cfg
                .ping_nodes
                .iter()
                .map(|p| Target {
                    name: p.name.clone(),
                    link: p.link.clone(),
                    status: PingStatus::Init,
                    link_up: false,
                    last: now,
                    heard: false,
                })
                .collect(),
            deadping: cfg.deadping_ms,
            deadtime: cfg.deadtime_ms,
            warntime: cfg.warntime_ms,
            initdead: cfg.initdead_ms,
        }
    }

    /// Each ping node's name and status, in configuration order.
    pub fn statuses(&self) -> impl Iterator<Item = (&str, PingStatus)> {
        self.targets.iter().map(|t| (t.name.as_str(), t.status))
    }

    pub fn status(&self, name: &str) -> Option<PingStatus> {
        self.targets
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.status)
    }

    /// How many ping nodes answer (ipfail's `num_ping`).
    pub fn count_alive(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| t.status == PingStatus::Ping)
            .count()
    }

    /// Every ping node answered or was declared dead: what the legacy's
    /// comm-up waits for, as for normal nodes.
    pub fn settled(&self) -> bool {
        self.targets
            .iter()
            .all(|t| t.heard || t.status == PingStatus::Dead)
    }

    /// A reply from ping node `name` (lower case). Unknown names are
    /// ignored: the driver only reports our own ping nodes.
    pub fn reply(&mut self, now: Time, name: &str, out: &mut Vec<Action>, ev: &mut Vec<PingEvent>) {
        let (deadtime, warntime) = (self.deadtime, self.warntime);
        let Some(t) = self.targets.iter_mut().find(|t| t.name == name) else {
            return;
        };
        if !t.link_up {
            t.link_up = true;
            out.push(Action::Log(
                Level::Info,
                format!("Link {}:{} up.", t.name, t.link),
            ));
        }
        // The legacy checks the gap with the normal nodes' warntime and
        // deadtime, not deadping; after a long outage the node is
        // declared dead once more before it is `ping` again.
        let gap = now.since(t.last);
        if t.heard && gap > deadtime {
            out.push(Action::Log(
                Level::Crit,
                format!(
                    "Late heartbeat: Node {}: interval {gap} ms (> deadtime)",
                    t.name
                ),
            ));
            out.push(Action::Log(
                Level::Warning,
                format!("node {}: is dead", t.name),
            ));
            if t.status != PingStatus::Dead {
                t.status = PingStatus::Dead;
                ev.push(PingEvent::Status(t.name.clone(), PingStatus::Dead));
            }
        } else if t.heard && gap > warntime {
            out.push(Action::Log(
                Level::Warning,
                format!("Late heartbeat: Node {}: interval {gap} ms", t.name),
            ));
        }
        t.heard = true;
        t.last = now;
        if t.status != PingStatus::Ping {
            t.status = PingStatus::Ping;
            out.push(Action::Log(
                Level::Info,
                format!("Status update for node {}: status ping", t.name),
            ));
            ev.push(PingEvent::Status(t.name.clone(), PingStatus::Ping));
        }
    }

    /// Declares silent ping nodes dead. `comm_up` selects deadping over
    /// initdead, as for normal nodes.
    pub fn tick(
        &mut self,
        now: Time,
        comm_up: bool,
        out: &mut Vec<Action>,
        ev: &mut Vec<PingEvent>,
    ) {
        let timeout = if comm_up {
            self.deadping
        } else {
            self.initdead
        };
        for t in &mut self.targets {
            if t.status == PingStatus::Dead || now.since(t.last) <= timeout {
                continue;
            }
            out.push(Action::Log(
                Level::Warning,
                format!("node {}: is dead", t.name),
            ));
            t.status = PingStatus::Dead;
            ev.push(PingEvent::Status(t.name.clone(), PingStatus::Dead));
            if t.link_up {
                t.link_up = false;
                out.push(Action::Log(
                    Level::Info,
                    format!("Link {}:{} dead.", t.name, t.link),
                ));
                ev.push(PingEvent::LinkDead(t.name.clone()));
            }
        }
    }

    /// When the next ping node times out.
    pub fn next_deadline(&self, comm_up: bool) -> Option<Time> {
        let timeout = if comm_up {
            self.deadping
        } else {
            self.initdead
        };
        self.targets
            .iter()
            .filter(|t| t.status != PingStatus::Dead)
            .map(|t| t.last.plus(timeout + 1))
            .min()
    }
}

#[cfg(test)]
mod tests;
