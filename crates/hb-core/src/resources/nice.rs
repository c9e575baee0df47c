//! nice_failback start-up negotiation (`starting`/`resource`, §6.4), the
//! ownership audit with the split-brain rule, and auto-failback.

use super::{Phase, Resources, Then, FAILBACK_RETRY_MS, RQSTDELAY_MS};
use crate::action::{Action, Level};
use crate::config::FailbackMode;
use crate::messages::{build, types};
use crate::rscset::RscSet;
use crate::time::Time;

use super::standby::Standby;

impl Resources {
    pub(super) fn nice_comm_up(&mut self, now: Time, out: &mut Vec<Action>) {
        // `comm_up_resource_action` announces us whether or not the peer
        // was heard; a peer found dead is then taken over from `Starting`,
        // which ends like any start-up negotiation (see `MachDownDone`).
        out.push(Action::Send(build(types::STARTING, &[])));
        self.phase = Phase::Starting;
        if !self.peer_alive {
            self.takeover_from_peer(out);
            return;
        }
        self.starting_retry_at = Some(now.plus(RQSTDELAY_MS));
    }

    /// The legacy waits for the peer's `resource` forever (§6.4 item 6);
    /// a lost `starting` whose retransmission was given up would then
    /// leave us without our groups. Asking again costs the peer one reply.
    pub(super) fn starting_timer(&mut self, now: Time, out: &mut Vec<Action>) {
        if !matches!(self.phase, Phase::Starting | Phase::BothStarting)
            || self.starting_retry_at.is_none_or(|t| now < t)
        {
            return;
        }
        out.push(Action::Log(
            Level::Info,
            format!(
                "No resource message from {} yet; sending starting again",
                self.peer_name()
            ),
        ));
        out.push(Action::Send(build(types::STARTING, &[])));
        self.starting_retry_at = Some(now.plus(RQSTDELAY_MS));
    }

    pub(super) fn on_starting(&mut self, out: &mut Vec<Action>) {
        if self.phase == Phase::Starting {
            self.phase = Phase::BothStarting;
        }
        self.peer_stable = false;
        self.announce(self.phase == Phase::Stable, None, out);
    }

    pub(super) fn on_resource(
        &mut self,
        now: Time,
        hold: RscSet,
        full: bool,
        stable: Option<bool>,
        out: &mut Vec<Action>,
    ) {
        if matches!(self.phase, Phase::Starting | Phase::BothStarting) {
            self.phase = Phase::RscRcvd { since: now };
        }
        // `HB_UPD_RSC`: full replaces, `none` clears, anything else adds.
        self.peer_holds = if full || hold.is_empty() {
            hold
        } else {
            self.peer_holds.union(hold)
        };
        match stable {
            Some(true) if !self.peer_stable => {
                out.push(Action::Log(
                    Level::Info,
                    "remote resource transition completed.".into(),
                ));
                self.peer_stable = true;
                self.announce(self.phase == Phase::Stable, None, out);
                self.auto_failback(now, out);
            }
            Some(false) => self.peer_stable = false,
            _ => {}
        }
        let settling = !matches!(
            self.phase,
            Phase::Stable | Phase::ShuttingDown | Phase::Down
        );
        if settling && self.peer_stable {
            out.push(Action::Log(
                Level::Info,
                "remote resource transition completed.".into(),
            ));
            self.req_our_resources(false, out);
            self.phase = Phase::Stable;
            self.announce(true, None, out);
            self.auto_failback(now, out);
        }
        self.audit(out);
    }

    /// Takes our local groups unless someone holds them already.
    pub(super) fn req_our_resources(&mut self, get_anyway: bool, out: &mut Vec<Action>) {
        if matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            return;
        }
        if self.mode.nice()
            && !get_anyway
            && self.standby == Standby::Not
            && (self.peer_holds.foreign || self.held.local)
        {
            out.push(Action::Log(
                Level::Info,
                "Local Resource acquisition completed. (none)".into(),
            ));
            return;
        }
        self.hold(RscSet::LOCAL);
        if !self.groups.has_any(RscSet::LOCAL) {
            out.push(Action::Log(
                Level::Info,
                "No local resources to acquire.".into(),
            ));
        }
        self.groups.want_set(RscSet::LOCAL, true, out);
        self.then.push(Then::LocalAcquired);
    }

    /// Neither side became stable within `RQSTDELAY`: take our own groups.
    pub(super) fn rqst_timer(&mut self, now: Time, out: &mut Vec<Action>) {
        let Phase::RscRcvd { since } = self.phase else {
            return;
        };
        if !self.mode.nice() || now < since.plus(RQSTDELAY_MS) {
            return;
        }
        self.phase = Phase::Stable;
        self.req_our_resources(false, out);
        out.push(Action::Log(
            Level::Info,
            "local resource transition completed.".into(),
        ));
        self.announce(true, None, out);
        self.audit(out);
    }

    /// `AuditResources`, plus acting on what it finds (see the split-brain
    /// rule on [`Resources`]).
    pub(super) fn audit(&mut self, out: &mut Vec<Action>) {
        if !self.mode.nice() || matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            return;
        }
        let mine = self.held;
        let theirs = self.peer_holds.mirrored();
        let both = mine.intersection(theirs);
        if both.local {
            out.push(Action::Log(
                Level::Error,
                "Both machines own our resources!".into(),
            ));
        }
        if both.foreign {
            out.push(Action::Log(
                Level::Error,
                "Both machines own foreign resources!".into(),
            ));
        }
        if !both.is_empty() {
            // No legitimate transition claims a group twice (releases
            // always precede the peer's acquisition, and messages arrive in
            // order), so this is a split brain: resolve it at once. A
            // standby exchange in progress is left alone: cancelling one
            // side only would strand the groups the other side moves.
            if self.peer_alive {
                self.resolve_split_brain(both, out);
            }
            return;
        }
        if !self.is_stable() || !self.peer_alive || !self.peer_stable {
            return;
        }
        if !mine.local && !theirs.local {
            out.push(Action::Log(
                Level::Error,
                "No one owns our local resources!".into(),
            ));
            self.req_our_resources(true, out);
        }
        if !mine.foreign && !theirs.foreign {
            // The peer's audit takes them: they are its local groups.
            out.push(Action::Log(
                Level::Error,
                "No one owns foreign resources!".into(),
            ));
        }
    }

    fn resolve_split_brain(&mut self, both: RscSet, out: &mut Vec<Action>) {
        if both.foreign {
            out.push(Action::Log(
                Level::Warning,
                format!(
                    "Split brain resolution: releasing foreign resources to their home node {}",
                    self.peer_name()
                ),
            ));
            self.groups.want_set(RscSet::FOREIGN, false, out);
            self.unhold(RscSet::FOREIGN);
            self.needs_failback = false;
            self.then.push(Then::Announce);
        }
        if both.local {
            // The peer must release them; make sure it knows we hold them.
            out.push(Action::Log(
                Level::Warning,
                format!(
                    "Split brain resolution: keeping our local resources, {} must release them",
                    self.peer_name()
                ),
            ));
            self.announce(true, None, out);
        }
    }

    /// `PerformAutoFailback`: give foreign groups back to their home node
    /// once it is stable.
    pub(super) fn auto_failback(&mut self, now: Time, out: &mut Vec<Action>) {
        self.failback_retry_at = None;
        if self.mode != FailbackMode::On
            || matches!(self.phase, Phase::ShuttingDown | Phase::Down)
            || !self.needs_failback
            || !self.held.foreign
        {
            self.needs_failback = false;
            return;
        }
        if !self.peer_stable || !self.is_stable() || !self.peer_alive {
            out.push(Action::Log(Level::Debug, "Auto failback delayed.".into()));
            if self.peer_alive {
                self.failback_retry_at = Some(now.plus(FAILBACK_RETRY_MS));
            }
            return;
        }
        out.push(Action::Log(Level::Debug, "Auto failback triggered.".into()));
        self.needs_failback = false;
        self.begin_standby(now, RscSet::FOREIGN, out);
    }
}
