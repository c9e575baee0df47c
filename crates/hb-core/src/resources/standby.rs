//! The standby exchange (`ask_resources` me/other/done, §6.7) used by
//! `hb_standby`, `hb_takeover` and auto-failback. Sets are named as the
//! giver names them; the taker mirrors them.

use std::fmt;

use super::{Phase, Resources, Then};
use crate::action::{Action, Level};
use crate::messages::{self, build, fields, types, StandbyStep};
use crate::rscset::RscSet;
use crate::time::Time;

/// The giver waits this long for the taker's `other` (`STANDBY_INIT_TO_MS`).
const INIT_TIMEOUT_MS: u64 = 10_000;
/// Any later step may take this long (`HB_STANDBY_RSC_TO_MS`, one hour).
const STEP_TIMEOUT_MS: u64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standby {
    Not,
    /// We give `set` (our terms).
    Giving {
        set: RscSet,
        step: GiveStep,
        deadline: Time,
    },
    /// The peer gives `set` (its terms).
    Taking {
        set: RscSet,
        step: TakeStep,
        deadline: Time,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GiveStep {
    AwaitOther,
    Releasing,
    AwaitDone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TakeStep {
    AwaitDone,
    Acquiring,
}

impl Standby {
    pub(super) fn deadline(&self) -> Option<Time> {
        match self {
            Standby::Not => None,
            Standby::Giving { deadline, .. } | Standby::Taking { deadline, .. } => Some(*deadline),
        }
    }
}

impl fmt::Display for Standby {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Standby::Not => f.write_str("not in standby"),
            Standby::Giving { set, step, .. } => write!(f, "giving {set} ({step:?})"),
            Standby::Taking { set, step, .. } => write!(f, "taking {set} ({step:?})"),
        }
    }
}

impl Resources {
    /// `hb_standby <set>` on this node (also what a received `hb_takeover`
    /// turns into).
    pub fn standby(&mut self, now: Time, set: RscSet, out: &mut Vec<Action>) {
        if !self.mode.nice() {
            out.push(Action::Log(
                Level::Info,
                "Standby mode only implemented when nice_failback on".into(),
            ));
            return;
        }
        if matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            out.push(Action::Log(
                Level::Debug,
                "standby message ignored during shutdown".into(),
            ));
            return;
        }
        if let Some(deadline) = self.standby.deadline() {
            out.push(Action::Log(
                Level::Warning,
                format!(
                    "Standby in progress- new request from {} ignored [{} seconds left]",
                    self.me,
                    deadline.since(now).div_ceil(1000)
                ),
            ));
            return;
        }
        if !self.standby_allowed(&self.me.clone(), StandbyStep::Me, out) {
            return;
        }
        self.begin_standby(now, set, out);
        self.settle(now, out);
    }

    /// `hb_takeover <set>`: asks the peer to go standby for the mirrored set.
    pub fn takeover(&mut self, now: Time, set: RscSet, out: &mut Vec<Action>) {
        out.push(Action::Send(build(
            types::HB_TAKEOVER,
            &[(fields::RSC_HOLD, set.word())],
        )));
        self.settle(now, out);
    }

    pub(super) fn begin_standby(&mut self, now: Time, set: RscSet, out: &mut Vec<Action>) {
        out.push(Action::Log(
            Level::Info,
            format!("{} wants to go standby [{set}]", self.me),
        ));
        self.peer_stable = false;
        self.standby = Standby::Giving {
            set,
            step: GiveStep::AwaitOther,
            deadline: now.plus(INIT_TIMEOUT_MS),
        };
        out.push(Action::Send(messages::ask_resources(set, StandbyStep::Me)));
    }

    /// Both sides must be stable before a standby may start.
    fn standby_allowed(&self, from: &str, step: StandbyStep, out: &mut Vec<Action>) -> bool {
        let why = if !self.peer_stable {
            "Other side is in flux."
        } else if self.phase != Phase::Stable {
            "local resources in flux."
        } else {
            return true;
        };
        out.push(Action::Log(
            Level::Warning,
            format!(
                "standby message [{}] from {from} ignored.  {why}",
                step.word()
            ),
        ));
        false
    }

    pub(super) fn on_ask_resources(
        &mut self,
        now: Time,
        set: RscSet,
        step: StandbyStep,
        out: &mut Vec<Action>,
    ) {
        if matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            return;
        }
        let peer = self.peer_name().to_string();
        match (self.standby, step) {
            (Standby::Not, StandbyStep::Me) => {
                if !self.standby_allowed(&peer, step, out) {
                    return;
                }
                out.push(Action::Log(
                    Level::Info,
                    format!("{peer} wants to go standby [{set}]"),
                ));
                self.peer_stable = false;
                self.standby = Standby::Taking {
                    set,
                    step: TakeStep::AwaitDone,
                    deadline: now.plus(STEP_TIMEOUT_MS),
                };
                out.push(Action::Send(messages::ask_resources(
                    set,
                    StandbyStep::Other,
                )));
            }
            (
                Standby::Giving {
                    step: GiveStep::AwaitOther,
                    ..
                },
                StandbyStep::Other,
            ) => {
                out.push(Action::Log(
                    Level::Info,
                    format!("standby: {peer} can take our {set} resources"),
                ));
                self.standby = Standby::Giving {
                    set,
                    step: GiveStep::Releasing,
                    deadline: now.plus(STEP_TIMEOUT_MS),
                };
                self.peer_stable = false;
                self.groups.want_set(set, false, out);
                self.unhold(set);
                if set.foreign {
                    self.needs_failback = false;
                }
                self.announce(false, Some("standby"), out);
                self.then.push(Then::StandbyReleased);
            }
            (
                Standby::Taking {
                    step: TakeStep::AwaitDone,
                    ..
                },
                StandbyStep::Done,
            ) => {
                out.push(Action::Log(
                    Level::Info,
                    format!("standby: acquire [{set}] resources from {peer}"),
                ));
                self.standby = Standby::Taking {
                    set,
                    step: TakeStep::Acquiring,
                    deadline: now.plus(STEP_TIMEOUT_MS),
                };
                self.groups.want_set(set.mirrored(), true, out);
                self.then.push(Then::StandbyAcquired);
            }
            (
                Standby::Giving {
                    step: GiveStep::AwaitDone,
                    ..
                },
                StandbyStep::Done,
            ) => {
                out.push(Action::Log(
                    Level::Info,
                    format!("Other node completed standby takeover of {set} resources."),
                ));
                self.standby = Standby::Not;
                self.announce(true, None, out);
            }
            (state, step) => out.push(Action::Log(
                Level::Error,
                format!(
                    "Ignored standby message '{}' from {peer} in state {state}",
                    step.word()
                ),
            )),
        }
    }

    pub(super) fn standby_released(&mut self, now: Time, out: &mut Vec<Action>) {
        let Standby::Giving {
            set,
            step: GiveStep::Releasing,
            ..
        } = self.standby
        else {
            return;
        };
        out.push(Action::Log(
            Level::Info,
            format!("Local standby process completed [{set}]."),
        ));
        out.push(Action::Send(messages::ask_resources(
            set,
            StandbyStep::Done,
        )));
        self.standby = Standby::Giving {
            set,
            step: GiveStep::AwaitDone,
            deadline: now.plus(STEP_TIMEOUT_MS),
        };
    }

    pub(super) fn standby_acquired(&mut self, out: &mut Vec<Action>) {
        let Standby::Taking {
            set,
            step: TakeStep::Acquiring,
            ..
        } = self.standby
        else {
            return;
        };
        out.push(Action::Send(messages::ask_resources(
            set,
            StandbyStep::Done,
        )));
        out.push(Action::Log(
            Level::Info,
            format!("Standby resource acquisition done [{set}]."),
        ));
        if self.mode == crate::config::FailbackMode::On {
            self.announce_initial("auto_failback", out);
        }
        self.hold(set.mirrored());
        self.standby = Standby::Not;
        self.announce(true, None, out);
    }

    pub(super) fn standby_timer(&mut self, now: Time, out: &mut Vec<Action>) {
        if self.standby.deadline().is_some_and(|d| now >= d) {
            self.standby = Standby::Not;
            self.peer_stable = true;
            out.push(Action::Log(
                Level::Warning,
                "No reply to standby request.  Standby request cancelled.".into(),
            ));
        }
    }

    /// A peer failure ends any standby in progress.
    pub(super) fn cancel_standby(&mut self, out: &mut Vec<Action>) {
        if self.standby != Standby::Not {
            out.push(Action::Log(
                Level::Info,
                "Cancelling pending standby operation".into(),
            ));
            self.standby = Standby::Not;
        }
    }
}
