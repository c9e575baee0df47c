//! The resource groups on this node: what we want to run and what the
//! driver is doing. Changing the wish starts at most one operation per
//! group at a time; when it completes, the group is reconciled again, so
//! a wish that flips while a start is running ends in a stop.

use crate::action::Action;
use crate::config::{Config, Group};
use crate::rscset::RscSet;

/// Where a group is, as far as this node's own operations go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupState {
    Stopped,
    Starting,
    Running,
    Stopping,
}

#[derive(Debug, Clone)]
struct Slot {
    key: String,
    /// Home node is this node.
    local: bool,
    state: GroupState,
    want: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Groups {
    /// The configured groups in haresources order, then groups a reload
    /// removed that are still being released ("retired", see `regroup`).
    slots: Vec<Slot>,
    /// How many of `slots` are configured groups.
    configured: usize,
}

impl Groups {
    pub(crate) fn new(cfg: &Config) -> Self {
        Groups {
            slots: cfg
                .groups
                .iter()
                .map(|g| Slot {
                    key: g.key.clone(),
                    local: g.home == cfg.node_name,
                    state: GroupState::Stopped,
                    want: false,
                })
                .collect(),
            configured: cfg.groups.len(),
        }
    }

    /// Wants (or not) every group of `set`.
    pub(crate) fn want_set(&mut self, set: RscSet, want: bool, out: &mut Vec<Action>) {
        for i in 0..self.configured {
            if self.slots.get(i).is_some_and(|s| set.covers(s.local)) {
                self.want(i, want, out);
            }
        }
    }

    pub(crate) fn want(&mut self, i: usize, want: bool, out: &mut Vec<Action>) {
        if let Some(s) = self.slots.get_mut(i) {
            s.want = want;
        }
        self.reconcile(i, out);
    }

    fn reconcile(&mut self, i: usize, out: &mut Vec<Action>) {
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        match (s.state, s.want) {
            (GroupState::Stopped, true) => {
                s.state = GroupState::Starting;
                out.push(Action::AcquireGroup(i));
            }
            (GroupState::Running, false) => {
                s.state = GroupState::Stopping;
                out.push(Action::ReleaseGroup(i));
            }
            _ => {}
        }
    }

    /// An operation finished. `Err` (with a log line) if none was running
    /// for that group in that direction.
    pub(crate) fn done(
        &mut self,
        i: usize,
        acquired: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), String> {
        let Some(s) = self.slots.get_mut(i) else {
            return Err(format!("completion for unknown resource group {i}"));
        };
        match (s.state, acquired) {
            (GroupState::Starting, true) => s.state = GroupState::Running,
            (GroupState::Stopping, false) => s.state = GroupState::Stopped,
            (state, _) => {
                return Err(format!(
                    "unexpected {} completion for resource group {} in state {state:?}",
                    if acquired { "acquire" } else { "release" },
                    s.key
                ))
            }
        }
        self.reconcile(i, out);
        // A retired group is forgotten once stopped; only from the end, so
        // no other group's index moves.
        while self.slots.len() > self.configured
            && self
                .slots
                .last()
                .is_some_and(|s| s.state == GroupState::Stopped)
        {
            self.slots.pop();
        }
        Ok(())
    }

    /// No operation running and every group where we want it.
    pub(crate) fn settled(&self) -> bool {
        self.slots.iter().all(|s| {
            matches!(
                (s.state, s.want),
                (GroupState::Running, true) | (GroupState::Stopped, false)
            )
        })
    }

    /// Whether `set` has any group at all (a node may have no foreign ones).
    pub(crate) fn has_any(&self, set: RscSet) -> bool {
        self.configured().iter().any(|s| set.covers(s.local))
    }

    pub(crate) fn index_of(&self, key: &str) -> Option<usize> {
        self.configured().iter().position(|s| s.key == key)
    }

    fn configured(&self) -> &[Slot] {
        &self.slots[..self.configured]
    }

    pub(crate) fn wanted(&self, i: usize) -> bool {
        self.slots.get(i).is_some_and(|s| s.want)
    }

    pub(crate) fn is_local(&self, i: usize) -> bool {
        self.slots.get(i).is_some_and(|s| s.local)
    }

    pub(crate) fn key(&self, i: usize) -> &str {
        self.slots.get(i).map_or("", |s| s.key.as_str())
    }

    /// The number of configured groups (retired ones are not counted).
    pub(crate) fn len(&self) -> usize {
        self.configured
    }

    /// Whether the configured groups of `set` are wanted: `Some` if the
    /// set has any (they move together), `None` if it has none.
    pub(crate) fn set_wanted(&self, set: RscSet) -> Option<bool> {
        self.configured()
            .iter()
            .find(|s| set.covers(s.local))
            .map(|s| s.want)
    }

    /// Takes a reloaded haresources, called only when [`Self::settled`].
    /// A group that is in both lists (same key, same home, resources not
    /// in `changed`) keeps its state: it is not touched. Old groups not
    /// carried over that run are retired: appended after the new ones and
    /// released. New groups start stopped and unwanted; the caller decides.
    /// Returns, for each slot, its index before (`None`: a new group).
    pub(crate) fn regroup(
        &mut self,
        new: &[Group],
        me: &str,
        changed: &[String],
        out: &mut Vec<Action>,
    ) -> Vec<Option<usize>> {
        let mut old: Vec<Option<Slot>> = std::mem::take(&mut self.slots)
            .into_iter()
            .map(Some)
            .collect();
        let mut origin = Vec::with_capacity(new.len());
        for g in new {
            let local = g.home == me;
            let same = old.iter().position(|o| {
                o.as_ref().is_some_and(|o| {
                    o.key == g.key && o.local == local && !changed.contains(&g.key)
                })
            });
            match same.and_then(|i| old.get_mut(i).and_then(Option::take).map(|s| (i, s))) {
                Some((i, slot)) => {
                    origin.push(Some(i));
                    self.slots.push(slot);
                }
                None => {
                    origin.push(None);
                    self.slots.push(Slot {
                        key: g.key.clone(),
                        local,
                        state: GroupState::Stopped,
                        want: false,
                    });
                }
            }
        }
        self.configured = self.slots.len();
        for (i, o) in old.into_iter().enumerate() {
            if let Some(slot) = o.filter(|s| s.state != GroupState::Stopped) {
                origin.push(Some(i));
                self.slots.push(slot);
                self.want(self.slots.len() - 1, false, out);
            }
        }
        origin
    }

    pub(crate) fn states(&self) -> Vec<GroupState> {
        self.slots.iter().map(|s| s.state).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Groups {
        let mut c = Config::new("a", &["a", "b"]);
        c.groups = vec![
            Group {
                key: "ga".into(),
                home: "a".into(),
            },
            Group {
                key: "gb".into(),
                home: "b".into(),
            },
        ];
        Groups::new(&c)
    }

    #[test]
    fn one_operation_at_a_time_and_flips_reconcile() {
        let mut g = groups();
        let mut out = Vec::new();
        g.want_set(RscSet::ALL, true, &mut out);
        assert_eq!(out, [Action::AcquireGroup(0), Action::AcquireGroup(1)]);
        assert!(g.wanted(0) && g.wanted(1));
        out.clear();
        g.want(1, false, &mut out);
        assert!(out.is_empty(), "a start is running");
        assert!(g.wanted(0) && !g.wanted(1), "the wish flips at once");
        g.done(1, true, &mut out).expect("expected");
        assert_eq!(out, [Action::ReleaseGroup(1)]);
        assert!(!g.settled());
        g.done(0, true, &mut out).expect("expected");
        g.done(1, false, &mut out).expect("expected");
        assert!(g.settled());
        assert_eq!(g.states(), [GroupState::Running, GroupState::Stopped]);
        assert!(g.done(1, false, &mut out).is_err());
        assert!(g.done(9, true, &mut out).is_err());
    }

    #[test]
    fn regroup_keeps_unchanged_groups_and_retires_removed_ones() {
        let mut g = groups();
        let mut out = Vec::new();
        g.want_set(RscSet::ALL, true, &mut out);
        g.done(0, true, &mut out).expect("expected");
        g.done(1, true, &mut out).expect("expected");
        out.clear();
        // gb removed, gc added, ga kept.
        let new = [
            Group {
                key: "gc".into(),
                home: "a".into(),
            },
            Group {
                key: "ga".into(),
                home: "a".into(),
            },
        ];
        let origin = g.regroup(&new, "a", &[], &mut out);
        assert_eq!(origin, [None, Some(0), Some(1)]);
        assert_eq!(out, [Action::ReleaseGroup(2)], "only the removed group");
        assert_eq!(g.len(), 2);
        assert_eq!(g.index_of("gb"), None, "a retired group is not looked up");
        assert_eq!(g.set_wanted(RscSet::LOCAL), Some(false), "the first local");
        assert!(g.wanted(1));
        assert!(!g.settled());
        out.clear();
        g.done(2, false, &mut out).expect("expected");
        assert!(out.is_empty());
        assert_eq!(g.states(), [GroupState::Stopped, GroupState::Running]);
        // A group whose resources changed is replaced: released, new slot.
        let origin = g.regroup(&new[1..], "a", &["ga".to_string()], &mut out);
        assert_eq!(origin, [None, Some(1)]);
        assert_eq!(out, [Action::ReleaseGroup(1)]);
    }
}
