//! Resource ownership for haresources groups between two nodes (§6).
//!
//! Groups are owned by sets, as the legacy does: `local` (home is this
//! node) and `foreign` (home is the peer). The protocol depends on
//! `auto_failback`: `legacy` uses `ip-request`/`ip-request-resp`, `on` and
//! `off` use nice_failback (`starting`, `resource`, `ask_resources`).
//! Starting and stopping groups is the driver's job: we emit
//! `AcquireGroup`/`ReleaseGroup` and wait for its completion event, and a
//! handover step that depends on a release (telling the peer `done`,
//! `shutdone`, answering an `ip-request`) waits until the release finished.

mod groups;
mod legacy;
mod lifecycle;
mod nice;
mod reload;
mod standby;

pub use groups::GroupState;

use hb_proto::Message;

use crate::action::{Action, Level};
use crate::config::{Config, FailbackMode};
use crate::messages::{self, RscMsg};
use crate::rscset::RscSet;
use crate::status::NodeStatus;
use crate::time::Time;
use groups::Groups;
use standby::Standby;

/// nice_failback start-up state (`enum hb_rsc_state`), plus the shutdown
/// states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Communication not up yet: resource messages are not processed.
    Init,
    /// Sent `starting`, waiting for the peer.
    Starting,
    /// Both sides sent `starting`.
    BothStarting,
    /// Got the peer's `resource`; becomes stable when the peer is, or
    /// after `RQSTDELAY`.
    RscRcvd { since: Time },
    /// Holding what we should; transitions only via standby or failures.
    /// (With nice_failback a takeover leaves the phase alone: one during
    /// start-up ends like any start-up, after RQSTDELAY or once the peer
    /// is stable.)
    Stable,
    /// Releasing everything before `shutdone`.
    ShuttingDown,
    /// `shutdone` sent.
    Down,
}

/// Work that waits until every group operation has finished.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Then {
    /// `req_our_resources` finished acquiring.
    LocalAcquired,
    /// Takeover of a dead or departed peer's groups finished.
    MachDownDone,
    /// Our standby release finished: tell the peer `done`.
    StandbyReleased,
    /// Our standby acquisition finished: tell the peer `done`.
    StandbyAcquired,
    /// Answer an `ip-request` after releasing the group.
    IpRequestAnswer { key: String, weown: bool },
    /// Tell everyone what we hold (nice_failback).
    Announce,
    /// Everything is released: send `shutdone`.
    ShutdownReleased,
}

/// Resource ownership state machine of one node.
///
/// # Split brain
///
/// When the link fails for longer than deadtime, each node declares the
/// other dead and takes over all groups: both own everything. The core logs
/// it when the link heals (`Cluster node X returning after partition.`) and
/// when the peer's `resource` message shows a set held by both
/// (`Both machines own our resources!` / `... foreign resources!`).
///
/// **Rule: a group claimed by both nodes stays on its home node (the node
/// named for it in haresources); the other node releases it.** Each node
/// applies the rule on its own from what it knows, so no message exchange
/// has to succeed first and both reach the same answer:
/// * nice_failback (`on`/`off`): on healing, each node announces what it
///   holds; a node that learns the peer claims the peer's own groups
///   releases its `foreign` set, and a node whose own groups are claimed by
///   the peer re-announces its claim so the peer can apply the rule too.
///   The rule ignores `auto_failback off` here: after a split brain the
///   home node is the only choice both nodes can make without agreeing.
/// * legacy: no message says what the peer holds, so a node that sees the
///   peer return after a partition (or come back already `active`)
///   releases its foreign groups and sends `ip-request` for its own, which
///   makes the peer release any of them it took over; requests are
///   repeated until answered. Whenever the peer becomes `active`, we ask
///   for our groups the same way, in case its earlier `up` was stale.
///
/// While both nodes are stable and talking, a set nobody holds is taken
/// by its home node (`No one owns our local resources!`).
#[derive(Debug, Clone)]
pub struct Resources {
    mode: FailbackMode,
    me: String,
    peer: Option<String>,
    groups: Groups,
    phase: Phase,
    /// Membership's view: heard from and not dead / its last `st`.
    peer_alive: bool,
    peer_status: NodeStatus,
    /// The sets we hold (`i_hold_resources`): categories, not running
    /// groups. A bit is set when we decide to take a set and cleared when
    /// we decide to give it up, whether or not the set has any group, so a
    /// node without groups of its own still holds `local` once it took
    /// them; it is what `rsc_hold` says on the wire and what `cl_status
    /// rscstatus` answers. Only nice_failback keeps it: with `auto_failback
    /// legacy` the legacy never sets a bit, and answers `none`.
    held: RscSet,
    /// What the peer holds, in the peer's terms (`other_holds_resources`).
    peer_holds: RscSet,
    /// The peer finished its transition (`other_is_stable`).
    peer_stable: bool,
    /// Legacy mode: whether the peer may hold groups (`has_resources`).
    peer_may_hold: bool,
    standby: Standby,
    /// We took groups from a failed peer and should give them back when it
    /// returns (`rsc_needs_failback`).
    needs_failback: bool,
    failback_retry_at: Option<Time>,
    shutdown_pending: bool,
    then: Vec<Then>,
    initial_announced: bool,
    /// When to repeat `starting` if the peer still has not answered.
    starting_retry_at: Option<Time>,
    /// Legacy mode: our groups are still to be requested, once the peer's
    /// status tells whether it is starting or running.
    legacy_request_pending: bool,
    /// Legacy mode: groups asked for with `ip-request` and not yet granted,
    /// and when to ask again.
    requested: Vec<usize>,
    request_retry_at: Option<Time>,
    /// Legacy mode: the peer was `active` at the last check.
    peer_was_active: bool,
    /// A reloaded group list, applied once nothing is moving.
    regrouping: Option<reload::Regrouping>,
}

/// Delay before a node whose peer never becomes stable takes its local
/// groups anyway (`RQSTDELAY`, 10 s).
pub(crate) const RQSTDELAY_MS: u64 = 10_000;

/// Retry interval of a delayed auto-failback.
pub(crate) const FAILBACK_RETRY_MS: u64 = 1000;

impl Resources {
    pub fn new(cfg: &Config) -> Self {
        Resources {
            mode: cfg.auto_failback,
            me: cfg.node_name.clone(),
            peer: cfg.peers().next().map(str::to_string),
            groups: Groups::new(cfg),
            phase: Phase::Init,
            held: RscSet::NONE,
            peer_alive: false,
            peer_status: NodeStatus::Init,
            peer_holds: RscSet::NONE,
            peer_stable: false,
            peer_may_hold: true,
            standby: Standby::Not,
            needs_failback: false,
            failback_retry_at: None,
            shutdown_pending: false,
            then: Vec::new(),
            initial_announced: false,
            starting_retry_at: None,
            legacy_request_pending: false,
            requested: Vec::new(),
            request_retry_at: None,
            peer_was_active: false,
            regrouping: None,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The sets we hold, relative to us (see `held` on [`Resources`]).
    pub fn held(&self) -> RscSet {
        self.held
    }

    /// What `cl_status rscstatus` answers (`hb_rsc_resource_state`): the
    /// sets we hold, or `None` ("transition") while something is moving.
    pub fn rsc_state(&self) -> Option<RscSet> {
        self.transition_over().then_some(self.held)
    }

    /// What we believe the peer holds, relative to the peer.
    pub fn peer_holds(&self) -> RscSet {
        self.peer_holds
    }

    pub fn group_states(&self) -> Vec<GroupState> {
        self.groups.states()
    }

    /// Membership's view of the peer, refreshed by the caller before each
    /// input: whether it is heard from and not dead, and its status.
    pub fn set_peer_view(&mut self, alive: bool, status: &NodeStatus) {
        self.peer_alive = alive;
        self.peer_status.clone_from(status);
    }

    /// Communication is up: start resource management.
    pub fn comm_up(&mut self, now: Time, out: &mut Vec<Action>) {
        if self.phase != Phase::Init {
            return;
        }
        if self.mode.nice() {
            self.nice_comm_up(now, out);
        } else {
            self.legacy_comm_up(now, out);
        }
        self.settle(now, out);
    }

    /// A resource-protocol message from the peer, in sequence order.
    pub fn peer_message(&mut self, now: Time, msg: &Message, out: &mut Vec<Action>) {
        let parsed = match RscMsg::parse(msg) {
            Ok(Some(m)) => m,
            Ok(None) => return,
            Err(text) => {
                out.push(Action::Log(Level::Error, text));
                return;
            }
        };
        if self.phase == Phase::Init || !self.peer_alive {
            // Not registered yet in the legacy; from a dead peer, stale.
            out.push(Action::Log(
                Level::Debug,
                format!("Ignoring {parsed:?} in phase {:?}", self.phase),
            ));
            return;
        }
        match parsed {
            RscMsg::Shutdone => self.on_shutdone(now, out),
            RscMsg::IpRequest { key } => self.on_ip_request(&key, out),
            RscMsg::IpRequestResp { key, ok } => self.on_ip_request_resp(&key, ok, out),
            _ if !self.mode.nice() => out.push(Action::Log(
                Level::Info,
                "Standby mode only implemented when nice_failback on".into(),
            )),
            RscMsg::Starting => self.on_starting(out),
            RscMsg::Resource { hold, full, stable } => {
                self.on_resource(now, hold, full, stable, out)
            }
            RscMsg::AskResources { set, step } => self.on_ask_resources(now, set, step, out),
            RscMsg::HbTakeover { set } => self.standby(now, set.mirrored(), out),
        }
        self.settle(now, out);
    }

    /// The driver finished an operation on group `i`.
    pub fn group_done(&mut self, now: Time, i: usize, acquired: bool, out: &mut Vec<Action>) {
        if let Err(text) = self.groups.done(i, acquired, out) {
            out.push(Action::Log(Level::Warning, text));
        }
        self.settle(now, out);
    }

    /// Runs due timers.
    pub fn tick(&mut self, now: Time, out: &mut Vec<Action>) {
        self.rqst_timer(now, out);
        self.starting_timer(now, out);
        self.legacy_pending_request(now, out);
        self.legacy_peer_activation(now, out);
        self.legacy_request_timer(now, out);
        self.standby_timer(now, out);
        if self.failback_retry_at.is_some_and(|t| now >= t) {
            self.failback_retry_at = None;
            self.auto_failback(now, out);
        }
        self.settle(now, out);
    }

    pub fn next_deadline(&self) -> Option<Time> {
        let rqst = match self.phase {
            Phase::RscRcvd { since } if self.mode.nice() => Some(since.plus(RQSTDELAY_MS)),
            _ => None,
        };
        let starting = match self.phase {
            Phase::Starting | Phase::BothStarting => self.starting_retry_at,
            _ => None,
        };
        [
            rqst,
            starting,
            self.standby.deadline(),
            self.failback_retry_at,
            self.request_retry_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn peer_name(&self) -> &str {
        self.peer.as_deref().unwrap_or("(none)")
    }

    /// `t=resource` with what we hold (nice_failback only).
    fn announce(&self, stable: bool, info: Option<&str>, out: &mut Vec<Action>) {
        if self.mode.nice() {
            out.push(Action::Send(messages::resource(self.held, stable, info)));
        }
    }

    /// We took `set`, groups or not.
    fn hold(&mut self, set: RscSet) {
        if self.mode.nice() {
            self.held = self.held.union(set);
        }
    }

    /// We gave up `set`.
    fn unhold(&mut self, set: RscSet) {
        self.held = self.held.minus(set);
    }

    fn announce_initial(&mut self, reason: &str, out: &mut Vec<Action>) {
        if !self.initial_announced {
            self.initial_announced = true;
            out.push(Action::Log(
                Level::Info,
                format!("Initial resource acquisition complete ({reason})"),
            ));
        }
    }

    /// Nothing of ours is moving: the start-up negotiation is over, no
    /// standby exchange is running and every group is where we want it.
    fn is_stable(&self) -> bool {
        self.phase == Phase::Stable && self.standby == Standby::Not && self.groups.settled()
    }

    /// `hb_rsc_isstable`, which decides between the held sets and
    /// "transition". Unlike [`Self::is_stable`] it waits for the peer too,
    /// so a peer still negotiating or taking part in a standby exchange
    /// makes it a transition, and a node shutting down is stable again
    /// once its releases are done. `auto_failback legacy` only counts
    /// running resource operations.
    fn transition_over(&self) -> bool {
        if !self.mode.nice() {
            return self.groups.settled();
        }
        self.peer_stable
            && self.standby == Standby::Not
            && self.groups.settled()
            && matches!(
                self.phase,
                Phase::Stable | Phase::ShuttingDown | Phase::Down
            )
    }

    /// Runs the work that waited for group operations, in order.
    fn settle(&mut self, now: Time, out: &mut Vec<Action>) {
        while self.groups.settled() && !self.then.is_empty() {
            let next = self.then.remove(0);
            self.run(now, next, out);
        }
        if self.shutdown_pending && self.groups.settled() && self.then.is_empty() {
            // A standby step waiting for the peer has nothing in flight;
            // the peer learns from our `shutdone` and takes over.
            self.cancel_standby(out);
            self.begin_shutdown(out);
            self.settle(now, out);
        }
        self.regroup_step(out);
    }

    fn run(&mut self, now: Time, then: Then, out: &mut Vec<Action>) {
        match then {
            Then::LocalAcquired => {
                out.push(Action::Log(
                    Level::Info,
                    "Local Resource acquisition completed.".into(),
                ));
                self.announce(true, Some("req_our_resources()"), out);
                // The legacy counts its local work done when its own
                // `resource` message shows the `local` bit, which
                // `req_our_resources` set even without local groups; in
                // legacy mode, when that work finishes.
                if self.held.local || !self.mode.nice() {
                    self.announce_initial("req_our_resources()", out);
                }
            }
            Then::MachDownDone => {
                if matches!(self.phase, Phase::Starting | Phase::BothStarting) {
                    // The legacy's own `mach_down` `resource` message moves
                    // a node that never heard the peer's to `HB_R_RSCRCVD`:
                    // it is in transition until RQSTDELAY has passed or
                    // the peer says it is stable.
                    self.phase = Phase::RscRcvd { since: now };
                }
                out.push(Action::Log(
                    Level::Info,
                    "mach_down takeover complete.".into(),
                ));
                self.announce(true, Some("mach_down"), out);
                self.announce_initial("mach_down", out);
            }
            Then::StandbyReleased => self.standby_released(now, out),
            Then::StandbyAcquired => self.standby_acquired(out),
            Then::IpRequestAnswer { key, weown } => {
                let dest = self.peer_name().to_string();
                out.push(Action::Send(messages::ip_request_resp(&dest, &key, weown)));
            }
            Then::Announce => self.announce(true, None, out),
            Then::ShutdownReleased => self.shutdown_released(out),
        }
    }
}

#[cfg(test)]
mod tests;
