//! A reloaded haresources (SIGHUP, `heartbeatd -r`) without a restart:
//! groups that stay are not touched, removed groups are released and new
//! ones are taken when this node holds their set. The legacy restarts
//! itself instead (`-R -C state`) and never starts a group added on the
//! way; taking it here is what an operator who adds a group expects.
//!
//! The swap waits until nothing is moving (no group operation, start-up
//! negotiation step or standby exchange in flight), so a completion
//! report never refers to a group list it was not issued for.

use super::{Phase, Resources};
use crate::action::{Action, Level};
use crate::config::{FailbackMode, Group};
use crate::rscset::RscSet;
use crate::time::Time;

/// Where a reload's group swap is.
#[derive(Debug, Clone)]
pub(super) enum Regrouping {
    /// A new group list waiting for the resources to settle.
    Waiting {
        groups: Vec<Group>,
        changed: Vec<String>,
    },
    /// Swapped; the new groups of these sets are taken once the removed
    /// (or changed) groups are released, so a changed group never runs
    /// twice.
    Taking { local: bool, foreign: bool },
}

impl Resources {
    /// Takes a reloaded configuration's groups and failback mode. Switching
    /// between `legacy` and `on`/`off` changes the protocol and is refused
    /// by the caller (`Node`), not here.
    pub(crate) fn reload(
        &mut self,
        now: Time,
        groups: &[Group],
        mode: FailbackMode,
        changed: Vec<String>,
        out: &mut Vec<Action>,
    ) {
        if mode.nice() == self.mode.nice() {
            self.mode = mode;
        }
        self.regrouping = Some(Regrouping::Waiting {
            groups: groups.to_vec(),
            changed,
        });
        self.settle(now, out);
    }

    fn regroup_ready(&self) -> bool {
        self.groups.settled()
            && self.then.is_empty()
            && self.standby == super::standby::Standby::Not
            && !self.shutdown_pending
            && !matches!(self.phase, Phase::ShuttingDown | Phase::Down)
    }

    /// Whether this node holds `set` now: its groups are wanted, or, with
    /// none configured, the set is held.
    fn holds_set(&self, set: RscSet, local: bool) -> bool {
        if let Some(w) = self.groups.set_wanted(set) {
            return w;
        }
        if self.mode.nice() {
            return if local {
                self.held.local
            } else {
                self.held.foreign
            };
        }
        // auto_failback legacy keeps no held sets: our own groups are
        // ours once running, the peer's only while it is gone.
        self.phase == Phase::Stable && (local || !self.peer_alive)
    }

    /// Moves a reload's group swap on; called from `settle`.
    pub(super) fn regroup_step(&mut self, out: &mut Vec<Action>) {
        if !self.regroup_ready() {
            return;
        }
        match self.regrouping.take() {
            None => {}
            Some(Regrouping::Waiting { groups, changed }) => {
                let local = self.holds_set(RscSet::LOCAL, true);
                let foreign = self.holds_set(RscSet::FOREIGN, false);
                // The driver must see the new list before any operation on it.
                let mut ops = Vec::new();
                let origin = self.groups.regroup(&groups, &self.me, &changed, &mut ops);
                out.push(Action::Regroup(origin.clone()));
                out.append(&mut ops);
                for (j, o) in origin.iter().enumerate() {
                    let key = self.groups.key(j);
                    let text = match o {
                        None if j < self.groups.len() => {
                            format!("Resource group {key} added by reload")
                        }
                        Some(_) if j >= self.groups.len() => {
                            format!(
                                "Resource group {key} removed or changed by reload: releasing it"
                            )
                        }
                        _ => continue,
                    };
                    out.push(Action::Log(Level::Info, text));
                }
                self.regrouping = Some(Regrouping::Taking { local, foreign });
                self.regroup_step(out);
            }
            Some(Regrouping::Taking { local, foreign }) => {
                for j in 0..self.groups.len() {
                    let want = if self.groups.is_local(j) {
                        local
                    } else {
                        foreign
                    };
                    if want && !self.groups.wanted(j) {
                        out.push(Action::Log(
                            Level::Info,
                            format!("Acquiring resource group {} (reload)", self.groups.key(j)),
                        ));
                        self.groups.want(j, true, out);
                    }
                }
            }
        }
    }
}
