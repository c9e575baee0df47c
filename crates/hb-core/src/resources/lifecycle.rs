//! The peer's life cycle as it concerns resources (death, departure,
//! restart, return after a partition) and our own shutdown (§6.5, §6.6).

use super::{Phase, Resources, Then};
use crate::action::{Action, Level};
use crate::messages::{build, fields, types};
use crate::rscset::RscSet;
use crate::time::Time;

impl Resources {
    /// Membership declared the peer dead.
    pub fn peer_dead(&mut self, now: Time, out: &mut Vec<Action>) {
        self.peer_alive = false;
        self.legacy_request_pending = false;
        self.requested.clear();
        if self.phase == Phase::Init {
            // `comm_up` follows at once and takes everything over.
            return;
        }
        self.cancel_standby(out);
        if matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            return;
        }
        let peer = self.peer_name().to_string();
        let may_hold = if self.mode.nice() {
            !self.peer_holds.is_empty()
        } else {
            self.peer_may_hold
        };
        let result = if may_hold {
            out.push(Action::Log(
                Level::Warning,
                "No STONITH device configured.".into(),
            ));
            out.push(Action::Log(
                Level::Warning,
                "Shared disks are not protected.".into(),
            ));
            "n_stnth"
        } else {
            out.push(Action::Log(
                Level::Info,
                format!("Dead node {peer} gave up resources."),
            ));
            "unneeded"
        };
        out.push(Action::Send(build(
            types::STONITH,
            &[(fields::NODE, &peer), (fields::RESULT, result)],
        )));
        self.peer_holds = RscSet::NONE;
        self.peer_stable = true;
        if self.mode.nice() && !may_hold && self.held == RscSet::ALL {
            // `hb_rsc_recover_dead_resources`: a peer that gave everything
            // up died, and we hold every set already: no `mach_down`, but
            // its groups still go back when it returns.
            self.needs_failback = true;
        } else {
            self.takeover_from_peer(out);
        }
        self.settle(now, out);
    }

    /// `takeover_from_node` + `mach_down`: run every group.
    pub(super) fn takeover_from_peer(&mut self, out: &mut Vec<Action>) {
        if let Some(peer) = &self.peer {
            out.push(Action::Log(
                Level::Info,
                format!("Resources being acquired from {peer}."),
            ));
        }
        self.groups.want_set(RscSet::ALL, true, out);
        // A taken-over peer holds nothing and is "not going anywhere"
        // (`takeover_from_node`), also when it was never heard from.
        self.peer_holds = RscSet::NONE;
        self.peer_stable = true;
        // `takeover_from_node` sets the foreign bit and its
        // `req_our_resources(TRUE)` the local one; the legacy wants a
        // failback whether or not the peer has groups of its own.
        self.hold(RscSet::ALL);
        self.needs_failback = true;
        if !self.mode.nice() {
            self.phase = Phase::Stable;
        }
        self.then.push(Then::MachDownDone);
    }

    /// The peer runs a new generation. If we never declared it dead, it
    /// crashed and came back within deadtime: whatever it held is no longer
    /// running, so we take it over as if it had died; its `starting` (or
    /// `ip-request`s) will then negotiate as after any failure.
    pub fn peer_restarted(&mut self, now: Time, was_dead: bool, out: &mut Vec<Action>) {
        self.peer_holds = RscSet::NONE;
        self.peer_stable = false;
        self.peer_may_hold = true;
        if was_dead || matches!(self.phase, Phase::Init | Phase::ShuttingDown | Phase::Down) {
            return;
        }
        out.push(Action::Log(
            Level::Warning,
            format!(
                "{} restarted without being declared dead; taking over its resources",
                self.peer_name()
            ),
        ));
        self.cancel_standby(out);
        self.takeover_from_peer(out);
        self.settle(now, out);
    }

    /// The peer re-executed itself keeping its resources (3.0.6's reload,
    /// announced by its raised deadtime): what it held it still holds, and
    /// it will say so (`resource … isstable=1`). Taking its groups over, as
    /// for an unannounced restart, would run them twice.
    pub fn peer_restarted_in_place(&mut self, now: Time, out: &mut Vec<Action>) {
        self.peer_stable = false;
        out.push(Action::Log(
            Level::Info,
            format!(
                "{} restarted in place (announced): it keeps its resources",
                self.peer_name()
            ),
        ));
        self.settle(now, out);
    }

    /// A peer we declared dead is back and may hold groups we hold too:
    /// after a partition (`partition`), or restarted and already `active`
    /// (it may have taken everything over when it could not hear us).
    /// Applies the split-brain rule on [`Resources`].
    pub fn peer_returned(&mut self, now: Time, partition: bool, out: &mut Vec<Action>) {
        if matches!(self.phase, Phase::Init | Phase::ShuttingDown | Phase::Down) {
            return;
        }
        if partition {
            out.push(Action::Log(
                Level::Error,
                format!(
                    "Possible split brain with {}: resource groups held by both nodes stay on their home node",
                    self.peer_name()
                ),
            ));
        }
        if self.mode.nice() {
            self.announce(true, None, out);
        } else {
            self.legacy_heal(now, out);
        }
        self.settle(now, out);
    }

    /// `t=shutdone` from the peer: it released everything and is leaving.
    pub(super) fn on_shutdone(&mut self, _now: Time, out: &mut Vec<Action>) {
        out.push(Action::Log(
            Level::Info,
            format!("Received shutdown notice from '{}'.", self.peer_name()),
        ));
        self.peer_holds = RscSet::NONE;
        self.peer_stable = true;
        self.peer_may_hold = false;
        if matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            return;
        }
        self.cancel_standby(out);
        self.takeover_from_peer(out);
    }

    /// Our own graceful shutdown: release everything, then `shutdone`.
    /// Waits for running group operations and standby exchanges first.
    pub fn shutdown(&mut self, now: Time, out: &mut Vec<Action>) {
        if matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            out.push(Action::Log(
                Level::Info,
                "Heartbeat shutdown already underway.".into(),
            ));
            return;
        }
        if !self.shutdown_pending {
            self.shutdown_pending = true;
            if !self.groups.settled() {
                out.push(Action::Log(
                    Level::Warning,
                    "Shutdown delayed until current resource activity finishes.".into(),
                ));
            }
        }
        self.settle(now, out);
    }

    pub(super) fn begin_shutdown(&mut self, out: &mut Vec<Action>) {
        self.shutdown_pending = false;
        self.failback_retry_at = None;
        self.needs_failback = false;
        self.phase = Phase::ShuttingDown;
        out.push(Action::Log(
            Level::Info,
            "Heartbeat shutdown in progress.".into(),
        ));
        self.held = RscSet::NONE;
        self.announce(false, Some("shutdown"), out);
        out.push(Action::Log(
            Level::Info,
            "Giving up all HA resources.".into(),
        ));
        self.groups.want_set(RscSet::ALL, false, out);
        self.then.push(Then::ShutdownReleased);
    }

    pub(super) fn shutdown_released(&mut self, out: &mut Vec<Action>) {
        out.push(Action::Log(
            Level::Info,
            "All HA resources relinquished.".into(),
        ));
        out.push(Action::Send(build(
            types::SHUTDONE,
            &[(hb_proto::names::STATUS, "dead")],
        )));
        self.phase = Phase::Down;
        out.push(Action::ShutdownComplete);
    }
}
