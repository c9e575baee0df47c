//! Membership: who is alive. Sends our status every keepalive, watches each
//! peer's status messages against warntime/deadtime (initdead before
//! communication is up), tracks their sequence numbers and generations,
//! asks for lost packets, and hands the peers' other messages upwards in
//! sequence order (§2.3, §4, §5).
//!
//! One deliberate addition to the legacy: when a peer's status is overdue
//! by half a keepalive, we ask it to retransmit the packet after the last
//! one we saw (an ordinary `NS_rexmit`, which a 3.0.6 peer answers). A
//! lost heartbeat is thereby recovered within a round trip instead of
//! waiting for the next one, which keeps a lossy link (30 % loss with
//! deadtime = 5 keepalives) from producing false deaths.

mod packets;
mod peer;
mod status_msg;

use hb_proto::Message;

use crate::action::{Action, Level};
use crate::config::Config;
use crate::messages::{build, types};
use crate::rexmit;
use crate::status::NodeStatus;
use crate::time::Time;
use peer::Peer;

/// A node advertises this much extra deadtime during its first
/// `BOOT_WINDOW_MS` (`hb_add_deadtime(2000)`, §5.2).
const BOOT_EXTRA_DT_MS: u64 = 2000;
const BOOT_WINDOW_MS: u64 = 5000;

/// What membership tells the layers above, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberEvent {
    /// Every node was heard from or declared dead: we are `active` now.
    CommUp,
    /// The peer's dead timer expired (`node X: is dead`).
    PeerDead { peer: String },
    /// The peer runs a new generation. `was_dead`: we had declared it dead
    /// (or never heard it); otherwise it restarted faster than deadtime.
    PeerRestarted { peer: String, was_dead: bool },
    /// A peer we declared dead is back and may hold resources. `partition`:
    /// same generation, so it was cut off from us, not dead (possible split
    /// brain); otherwise it restarted and is already `active`.
    PeerReturned { peer: String, partition: bool },
    /// A message from the peer for the layers above, in sequence order.
    Deliver { peer: String, msg: Message },
    /// The peer asks us to resend `first..=last`.
    RexmitRequest { peer: String, first: u64, last: u64 },
}

/// Membership of this node; see the module documentation.
#[derive(Debug, Clone)]
pub struct Membership {
    me: String,
    nodes: Vec<String>,
    uuid: Option<[u8; 16]>,
    keepalive: u64,
    deadtime: u64,
    warntime: u64,
    initdead: u64,
    max_rexmit_delay: u64,
    status: NodeStatus,
    comm_up: bool,
    next_keepalive: Time,
    boot_dt_until: Option<Time>,
    peers: Vec<Peer>,
    flow_control: bool,
    stopped: bool,
    /// Every ping node answered or is dead (comm-up waits for them).
    others_settled: bool,
}

impl Membership {
    /// Starts at `now` with status `up`; the first status goes out at the
    /// first call.
    pub fn new(cfg: &Config, now: Time) -> Self {
        Membership {
            me: cfg.node_name.clone(),
            nodes: cfg.nodes.clone(),
            uuid: cfg.uuid,
            keepalive: cfg.keepalive_ms,
            deadtime: cfg.deadtime_ms,
            warntime: cfg.warntime_ms,
            initdead: cfg.initdead_ms,
            max_rexmit_delay: cfg.max_rexmit_delay_ms,
            status: NodeStatus::Up,
            comm_up: false,
            next_keepalive: now,
            boot_dt_until: Some(now.plus(BOOT_WINDOW_MS)),
            peers: cfg
                .peers()
                .map(|p| Peer::new(p, now, cfg.deadtime_ms))
                .collect(),
            flow_control: true,
            stopped: false,
            others_settled: true,
        }
    }

    pub fn own_status(&self) -> &NodeStatus {
        &self.status
    }

    pub fn is_comm_up(&self) -> bool {
        self.comm_up
    }

    pub fn peer_status(&self, name: &str) -> Option<&NodeStatus> {
        self.peers
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.status)
    }

    /// Heard from and not dead.
    pub fn peer_alive(&self, name: &str) -> bool {
        self.peers.iter().any(|p| p.name == name && p.is_alive())
    }

    /// Whether the ping nodes have settled, for the comm-up check.
    pub fn set_others_settled(&mut self, settled: bool) {
        self.others_settled = settled;
    }

    /// Stops sending heartbeats and handling packets (after `shutdone`).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Runs due timers: our keepalive, peers' dead timers, retransmission
    /// requests and overdue probes, and the comm-up check.
    pub fn tick(&mut self, now: Time, out: &mut Vec<Action>, ev: &mut Vec<MemberEvent>) {
        if self.stopped {
            return;
        }
        let mut send_status = false;
        if self.boot_dt_until.is_some_and(|t| now >= t) {
            // Our advertised deadtime changes: tell the peers at once.
            self.boot_dt_until = None;
            send_status = true;
        }
        if now >= self.next_keepalive {
            send_status = true;
        }
        if send_status {
            self.send_status(now, out);
        }
        for i in 0..self.peers.len() {
            self.tick_peer(i, now, out, ev);
        }
        self.check_comm_up(now, out, ev);
    }

    fn tick_peer(&mut self, i: usize, now: Time, out: &mut Vec<Action>, ev: &mut Vec<MemberEvent>) {
        let timeout = self.timeout_of(i);
        let Some(p) = self.peers.get_mut(i) else {
            return;
        };
        if p.status == NodeStatus::Dead {
            return;
        }
        if now.since(p.last_status_at) > timeout {
            self.mark_dead(i, out, ev);
            return;
        }
        if !p.status.is_alive() {
            return;
        }
        let (ask, give_up) = p
            .track
            .due_requests(now, self.max_rexmit_delay, rexmit::MAX_ATTEMPTS);
        for seq in ask {
            out.push(Action::Send(rexmit::request(&p.name, seq, seq)));
        }
        let mut delivered = Vec::new();
        for seq in give_up {
            out.push(Action::Log(
                Level::Warning,
                format!("Gave up waiting for lost packet: node {} seq {seq}", p.name),
            ));
            p.order.skip(seq, &mut delivered);
        }
        let track = &p.track;
        p.order.resync(|s| track.is_missing(s), &mut delivered);
        let probe_at = self.probe_at(i);
        if let (Some(at), Some(p)) = (probe_at, self.peers.get_mut(i)) {
            if now >= at {
                if let Some(last) = p.track.last_seq() {
                    out.push(Action::Send(rexmit::request(&p.name, last + 1, last + 1)));
                }
                p.next_probe = Some(now.plus(self.max_rexmit_delay));
            }
        }
        self.deliver(i, delivered, out, ev);
    }

    /// The dead timeout in force for peer `i`.
    fn timeout_of(&self, i: usize) -> u64 {
        match self.peers.get(i) {
            Some(p) if self.comm_up => p.dead_timeout,
            _ => self.initdead,
        }
    }

    /// When the next liveness probe for peer `i` is due, if its status is
    /// overdue or will be.
    fn probe_at(&self, i: usize) -> Option<Time> {
        let p = self.peers.get(i)?;
        if !p.had_status || !p.status.is_alive() || p.track.last_seq().is_none() {
            return None;
        }
        let overdue = p.last_status_at.plus(self.keepalive + self.keepalive / 2);
        Some(p.next_probe.map_or(overdue, |n| n.max(overdue)))
    }

    fn mark_dead(&mut self, i: usize, out: &mut Vec<Action>, ev: &mut Vec<MemberEvent>) {
        let Some(p) = self.peers.get_mut(i) else {
            return;
        };
        out.push(Action::Log(
            Level::Warning,
            format!("node {}: is dead", p.name),
        ));
        // Messages waiting for a gap were really sent before it died.
        let mut delivered = Vec::new();
        p.order.flush(&mut delivered);
        p.track.reset();
        p.next_probe = None;
        p.parked.clear();
        p.status = NodeStatus::Dead;
        let name = p.name.clone();
        self.deliver(i, delivered, out, ev);
        out.push(Action::NodeStatus {
            node: name.clone(),
            status: NodeStatus::Dead,
        });
        ev.push(MemberEvent::PeerDead { peer: name });
    }

    fn check_comm_up(&mut self, now: Time, out: &mut Vec<Action>, ev: &mut Vec<MemberEvent>) {
        if self.comm_up
            || !self.others_settled
            || !self
                .peers
                .iter()
                .all(|p| p.heard || p.status == NodeStatus::Dead)
        {
            return;
        }
        self.comm_up = true;
        out.push(Action::Log(
            Level::Info,
            "Comm_now_up(): updating status to active".into(),
        ));
        self.status = NodeStatus::Active;
        self.send_status(now, out);
        ev.push(MemberEvent::CommUp);
    }

    fn send_status(&mut self, now: Time, out: &mut Vec<Action>) {
        let dt = if self.boot_dt_until.is_some() {
            self.deadtime + BOOT_EXTRA_DT_MS
        } else {
            self.deadtime
        };
        out.push(Action::Send(build(
            types::STATUS,
            &[
                (hb_proto::names::STATUS, self.status.as_str()),
                (hb_proto::names::DEADTIME, &hb_proto::format_hex(dt)),
                (hb_proto::names::PROTOCOL, "1"),
            ],
        )));
        self.next_keepalive = now.plus(self.keepalive);
    }

    /// Passes in-order messages up, answering `reqnodes` on the way.
    fn deliver(
        &mut self,
        i: usize,
        msgs: Vec<Message>,
        out: &mut Vec<Action>,
        ev: &mut Vec<MemberEvent>,
    ) {
        let Some(p) = self.peers.get_mut(i) else {
            return;
        };
        if p.status == NodeStatus::Dead {
            p.park(msgs);
            return;
        }
        let name = p.name.clone();
        for msg in msgs {
            if msg.get_bytes(hb_proto::names::TYPE) == Some(types::REQNODES.as_bytes()) {
                out.push(Action::Send(self.repnodes(&name)));
            } else {
                ev.push(MemberEvent::Deliver {
                    peer: name.clone(),
                    msg,
                });
            }
        }
    }

    /// Delivers what was parked while the peer was dead, now that a status
    /// revived it; messages of an earlier generation are stale.
    fn unpark(&mut self, i: usize, out: &mut Vec<Action>, ev: &mut Vec<MemberEvent>) {
        let Some(p) = self.peers.get_mut(i) else {
            return;
        };
        let gen = p.track.current_generation();
        let msgs: Vec<Message> = std::mem::take(&mut p.parked)
            .into_iter()
            .filter(|m| m.get_hex(hb_proto::names::GENERATION).unwrap_or(0) == gen)
            .collect();
        self.deliver(i, msgs, out, ev);
    }

    /// The answer to `reqnodes` (§8.2): every node followed by a space; a
    /// single space for the empty deleted list.
    fn repnodes(&self, dest: &str) -> Message {
        let list: String = self.nodes.iter().map(|n| format!("{n} ")).collect();
        build(
            types::REPNODES,
            &[
                (hb_proto::names::DEST, dest),
                (crate::messages::fields::NODELIST, &list),
                (crate::messages::fields::DELNODELIST, " "),
            ],
        )
    }

    /// The earliest time `tick` has something to do.
    pub fn next_deadline(&self) -> Option<Time> {
        if self.stopped {
            return None;
        }
        let mut next = self.next_keepalive;
        if let Some(t) = self.boot_dt_until {
            next = next.min(t);
        }
        for (i, p) in self.peers.iter().enumerate() {
            if p.status == NodeStatus::Dead {
                continue;
            }
            next = next.min(p.last_status_at.plus(self.timeout_of(i) + 1));
            if p.status.is_alive() {
                if let Some(t) = p.track.next_request() {
                    next = next.min(t);
                }
                if let Some(t) = self.probe_at(i) {
                    next = next.min(t);
                }
            }
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests;
