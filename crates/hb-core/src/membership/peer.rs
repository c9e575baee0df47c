//! What membership remembers about one peer.

use hb_proto::Message;

use crate::ordering::Ordering;
use crate::seqtrack::SeqTrack;
use crate::status::NodeStatus;
use crate::time::Time;

#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub name: String,
    pub status: NodeStatus,
    /// Any valid packet received since start (`anypacketsyet`).
    pub heard: bool,
    pub track: SeqTrack,
    pub order: Ordering,
    /// Local arrival of the last status: the dead timer's base. Starts at
    /// our own start time, so a silent peer dies after `initdead`.
    pub last_status_at: Time,
    /// Whether `last_status_at` is a real arrival (for late warnings).
    pub had_status: bool,
    /// `seq` and `ts` of the last accepted status (stale checks).
    pub status_seq: u64,
    pub last_ts: u64,
    /// The peer's own deadtime from its `dt`, else ours.
    pub dead_timeout: u64,
    /// We ack in-order packets whose `seq % 10` equals this (§4.7).
    pub ack_trigger: u64,
    /// Its last `dt` rose by about [`RESTART_EXTRA_DT_MS`]: a restart
    /// that keeps its resources is coming (3.0.6's reload).
    pub restart_announced: bool,
    /// Next liveness probe while its heartbeat is overdue.
    pub next_probe: Option<Time>,
    /// In-order messages that arrived while we consider the peer dead,
    /// typically a restarted peer's `starting` overtaking its first status.
    /// Delivered once a status revives the peer.
    pub parked: Vec<Message>,
}

/// What 3.0.6 adds to its advertised deadtime while it restarts itself
/// keeping its resources (`hb_add_deadtime(30000)`, facts §4.1); a rise of
/// at least this much less some slack (another +2000 window may have
/// ended meanwhile) announces the restart.
pub(crate) const RESTART_EXTRA_DT_MS: u64 = 30_000;
const RESTART_DT_SLACK_MS: u64 = 5_000;

/// Whether a `dt` change from `old` to `new` announces a restart in place.
pub(crate) fn announces_restart(old: u64, new: u64) -> bool {
    new >= old + (RESTART_EXTRA_DT_MS - RESTART_DT_SLACK_MS)
}

/// Bound on parked messages; a dead peer cannot make us buffer forever.
pub(crate) const MAX_PARKED: usize = 64;

impl Peer {
    pub(crate) fn park(&mut self, msgs: Vec<Message>) {
        for m in msgs {
            if self.parked.len() < MAX_PARKED {
                self.parked.push(m);
            }
        }
    }

    pub(crate) fn new(name: &str, now: Time, deadtime: u64) -> Self {
        // A fixed per-peer trigger spreads acks like the legacy's random
        // one but keeps runs reproducible.
        let ack_trigger = name.bytes().map(u64::from).sum::<u64>() % 10;
        Peer {
            name: name.to_string(),
            status: NodeStatus::Init,
            heard: false,
            track: SeqTrack::default(),
            order: Ordering::default(),
            last_status_at: now,
            had_status: false,
            status_seq: 0,
            last_ts: 0,
            dead_timeout: deadtime,
            ack_trigger,
            next_probe: None,
            restart_announced: false,
            parked: Vec::new(),
        }
    }

    /// Heard from and not timed out: it may hold resources and talks to us.
    pub(crate) fn is_alive(&self) -> bool {
        self.heard && self.status != NodeStatus::Dead
    }

    /// Forgets the previous run of the peer (new generation). Messages held
    /// since we declared it dead belong to the new run and are parked.
    pub(crate) fn forget_run(&mut self) {
        if self.status == NodeStatus::Dead {
            let mut held = Vec::new();
            self.order.flush(&mut held);
            self.park(held);
        } else {
            self.order.discard();
        }
        self.status_seq = 0;
        self.last_ts = 0;
        self.had_status = false;
        self.next_probe = None;
    }
}
