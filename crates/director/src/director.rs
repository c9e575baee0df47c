//! The reconciler: check results in, IPVS operations and ldirectord's log
//! lines out.
//!
//! The desired table is computed from the plan and every real's health
//! (quiescent reals at weight 0, the fallback when no real is up), the diff
//! engine compares it with the table as we last left it, and each operation
//! is worded the way ldirectord 4.12 logs the same change. Services in the
//! kernel that this configuration does not manage are never touched.

use crate::health::{HealthEvent, RealHealth};
use crate::index::{apply_indexed, index_belief, Index};
use crate::logs;
use crate::plan::{CheckId, Plan};
use ipvs::{Dest, DestConf, Operation, Service, ServiceKey, Table};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeSet;
use std::net::SocketAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Apply these in order (one netlink batch).
    Apply(Vec<Operation>),
    /// A line for the log, without the legacy's `[date|config|pid] ` prefix.
    Log(String),
    /// Run through the shell, as the legacy's `fallbackcommand` is:
    /// `COMMAND start|stop VIP:PORT PROTO`.
    Command(String),
    /// A change the legacy sends an e-mail alert for (see [`crate::alerts`]).
    Alert(Alert),
}

/// What ldirectord was doing when a change happened (`emailalertstatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonStatus {
    Starting,
    Running,
    Stopping,
    Reloading,
}

impl DaemonStatus {
    fn of(tag: &str) -> DaemonStatus {
        match tag {
            "start" => DaemonStatus::Starting,
            "stop" => DaemonStatus::Stopping,
            "reload" => DaemonStatus::Reloading,
            _ => DaemonStatus::Running,
        }
    }

    /// The legacy's `Daemon-Status:` word.
    pub fn word(self) -> &'static str {
        match self {
            DaemonStatus::Starting => "starting",
            DaemonStatus::Running => "running",
            DaemonStatus::Stopping => "stopping",
            DaemonStatus::Reloading => "reloading",
        }
    }
}

/// A real server's change, worded as its log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Index into the plan's virtuals.
    pub virtual_index: usize,
    /// `10.9.0.2:80 (10.9.0.100:80)`: the legacy's key for re-sending.
    pub id: String,
    pub subject: String,
    /// Down or quiescent: re-sent every `emailalertfreq` seconds until the
    /// real comes back.
    pub recurring: bool,
    pub status: DaemonStatus,
}

pub struct Director {
    plan: Plan,
    /// Lookups into `plan`, so that nothing on the per-result path scans
    /// a whole virtual service.
    ix: Index,
    health: Vec<Vec<RealHealth>>,
    /// Per virtual: how many of its reals are up.
    up_count: Vec<usize>,
    fallback_command_status: Vec<Option<&'static str>>,
    /// The managed part of the kernel's table, as we last left it.
    belief: Table,
    /// Per service in `belief`: each destination's position in its `dests`.
    belief_pos: HashMap<ServiceKey, HashMap<SocketAddr, usize>>,
    /// For each check, the (virtual, real) pairs that follow it.
    users: Vec<Vec<(usize, usize)>>,
    /// Whether a check result that changes a real's state is reconciled for
    /// that real only (off: the whole virtual service, as the tests' oracle).
    incremental: bool,
}

fn users_of(plan: &Plan) -> Vec<Vec<(usize, usize)>> {
    let mut users = vec![Vec::new(); plan.checks.len()];
    for (vi, v) in plan.virtuals.iter().enumerate() {
        for (ri, r) in v.reals.iter().enumerate() {
            if let Some(u) = r.check.and_then(|c| users.get_mut(c)) {
                u.push((vi, ri));
            }
        }
    }
    users
}

impl Director {
    pub fn new(plan: Plan) -> Director {
        let health = plan
            .virtuals
            .iter()
            .map(|v| vec![RealHealth::default(); v.reals.len()])
            .collect();
        let n = plan.virtuals.len();
        Director {
            users: users_of(&plan),
            ix: Index::of(&plan),
            plan,
            health,
            up_count: vec![0; n],
            fallback_command_status: vec![None; n],
            belief: Table::default(),
            belief_pos: HashMap::default(),
            incremental: true,
        }
    }

    fn set_belief(&mut self, belief: Table) {
        self.belief_pos = index_belief(&belief);
        self.belief = belief;
    }

    fn recount(&mut self) {
        self.up_count = self
            .health
            .iter()
            .map(|h| h.iter().filter(|h| h.up).count())
            .collect();
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Whether real `r` of virtual `v` is currently up.
    pub fn is_up(&self, v: usize, r: usize) -> bool {
        self.health
            .get(v)
            .and_then(|h| h.get(r))
            .map(|h| h.up)
            .unwrap_or(false)
    }

    fn managed_keys(&self) -> BTreeSet<ServiceKey> {
        self.plan.virtuals.iter().map(|v| v.key).collect()
    }

    fn managed(kernel: &Table, keys: &BTreeSet<ServiceKey>) -> Table {
        Table::from_services(
            kernel
                .services
                .values()
                .filter(|s| keys.contains(&s.key))
                .cloned(),
        )
    }

    /// Takes over the kernel's current table at start. Reals already in it
    /// with a weight are taken as up (as the legacy does), so a restart
    /// does not drop live servers before their first check.
    pub fn start(&mut self, kernel: &Table) -> Vec<Action> {
        self.set_belief(Self::managed(kernel, &self.managed_keys()));
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
            let live = self.belief.services.get(&v.key).map(|s| {
                let mut w: HashMap<SocketAddr, i32> = HashMap::default();
                for d in &s.dests {
                    w.entry(d.addr).or_insert(d.conf.weight);
                }
                w
            });
            for (ri, r) in v.reals.iter().enumerate() {
                let up = live
                    .as_ref()
                    .and_then(|w| w.get(&r.addr))
                    .is_some_and(|&w| w > 0);
                self.health[vi][ri] = RealHealth { up, failcount: 0 };
            }
        }
        self.recount();
        self.reconcile("start", Vec::new())
    }

    /// The kernel's table as read again (after an apply failed, or
    /// periodically): whatever differs from what we want is put right.
    pub fn resync(&mut self, kernel: &Table) -> Vec<Action> {
        self.set_belief(Self::managed(kernel, &self.managed_keys()));
        self.reconcile("resync", Vec::new())
    }

    /// One check's result, for every virtual service that uses it. Only
    /// the reals that changed state are reconciled (with their services'
    /// fallbacks): at ten thousand results a second, almost every result
    /// changes nothing, and one that does costs the same whether its
    /// service has two reals or ten thousand.
    pub fn on_check(&mut self, check: CheckId, ok: bool) -> Vec<Action> {
        let mut logs = Vec::new();
        let mut changed = BTreeSet::new();
        let mut reals = Vec::new();
        for &(vi, ri) in self.users.get(check).map(Vec::as_slice).unwrap_or(&[]) {
            let v = &self.plan.virtuals[vi];
            let r = &v.reals[ri];
            for e in self.health[vi][ri].on_result(ok, v.failurecount) {
                match e {
                    HealthEvent::SoftFailure { count, of } => {
                        logs.push(Action::Log(logs::soft_failure(&r.addr, &v.id, count, of)))
                    }
                    HealthEvent::Reset => logs.push(Action::Log(logs::reset_soft(&r.addr, &v.id))),
                    HealthEvent::WentUp => {
                        self.up_count[vi] += 1;
                        changed.insert(vi);
                        reals.push((vi, ri));
                    }
                    HealthEvent::WentDown => {
                        self.up_count[vi] -= 1;
                        changed.insert(vi);
                        reals.push((vi, ri));
                    }
                }
            }
        }
        if changed.is_empty() {
            return logs;
        }
        self.reconcile_reals(logs, &changed, &reals)
    }

    /// `maintenancedir`: the real behind `check` is forced down at once,
    /// whatever `failurecount` says, as the legacy forces it.
    pub fn force_down(&mut self, check: CheckId) -> Vec<Action> {
        let mut changed = BTreeSet::new();
        let mut reals = Vec::new();
        for &(vi, ri) in self.users.get(check).map(Vec::as_slice).unwrap_or(&[]) {
            let h = &mut self.health[vi][ri];
            h.failcount = h.failcount.max(1);
            if h.up {
                h.up = false;
                self.up_count[vi] -= 1;
                changed.insert(vi);
                reals.push((vi, ri));
            }
        }
        if changed.is_empty() {
            return Vec::new();
        }
        self.reconcile_reals(Vec::new(), &changed, &reals)
    }

    /// A new configuration: health carries over for reals that stay in
    /// the same virtual service; services no longer configured are removed.
    pub fn reload(&mut self, plan: Plan) -> Vec<Action> {
        let mut health = Vec::new();
        let mut status = Vec::new();
        // What the reload must reconcile: a virtual whose plan changed (or
        // is new), and a quiescent one with a real down (a reload puts such
        // reals back at weight 0, as a start does); an unchanged virtual
        // with the same health wants the table it has. So one edited line
        // costs one service's diff, not the whole table's.
        let mut changed = BTreeSet::new();
        for (vi, v) in plan.virtuals.iter().enumerate() {
            let old = self.ix.vindex.get(&v.key).copied();
            if old.is_none_or(|oi| self.plan.virtuals[oi] != *v) {
                changed.insert(vi);
            }
            health.push(
                v.reals
                    .iter()
                    .map(|r| {
                        old.and_then(|oi| {
                            self.ix.reals_at[oi]
                                .get(&r.addr)
                                .map(|at| self.health[oi][at[0]])
                        })
                        .unwrap_or_default()
                    })
                    .collect(),
            );
            status.push(old.and_then(|oi| self.fallback_command_status[oi]));
        }
        let planned: HashSet<&ServiceKey> = plan.virtuals.iter().map(|v| &v.key).collect();
        let gone: Vec<ServiceKey> = self
            .belief
            .services
            .keys()
            .filter(|k| !planned.contains(k))
            .copied()
            .collect();
        let had_duplicates = self.ix.vindex.len() != self.plan.virtuals.len();
        self.users = users_of(&plan);
        self.ix = Index::of(&plan);
        self.plan = plan;
        self.health = health;
        self.recount();
        self.fallback_command_status = status;
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
            if v.quiescent && self.up_count[vi] < v.reals.len() {
                changed.insert(vi);
            }
        }
        // Two virtuals with one key share a service: which one's reals
        // win depends on both, so such tables are reconciled whole.
        if had_duplicates || self.ix.vindex.len() != self.plan.virtuals.len() || !self.incremental {
            return self.reconcile("reload", Vec::new());
        }
        self.reconcile_some_and_gone("reload", Vec::new(), Some(&changed), &gone)
    }

    /// Stopping: each virtual service with `cleanstop` (its own, or the
    /// global) has every real purged and then the service itself, each
    /// logged as the legacy does (observed: 4.12 purges the virtual service
    /// too); one with `cleanstop=no` stays in the table as it is.
    pub fn stop(&mut self) -> Vec<Action> {
        let mut ops = Vec::new();
        let mut actions = Vec::new();
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
            if !v.cleanstop {
                continue;
            }
            if let Some(s) = self.belief.services.get(&v.key) {
                // In the config's order, as the legacy walks its reals;
                // anything else (a fallback) after them.
                let at = &self.ix.reals_at[vi];
                let rank = |a: &SocketAddr| at.get(a).map(|r| r[0]).unwrap_or(usize::MAX);
                let mut dests: Vec<_> = s.dests.iter().collect();
                dests.sort_by_key(|d| rank(&d.addr));
                for d in dests {
                    ops.push(Operation::DelDest {
                        service: v.key,
                        addr: d.addr,
                    });
                    actions.push(Action::Log(logs::purged_real("stop", &d.addr, &v.display)));
                }
                ops.push(Operation::DelService { key: v.key });
                actions.push(Action::Log(logs::purged_virtual("stop", &v.display)));
            }
        }
        if let Err(e) = apply_indexed(&ops, &mut self.belief, &mut self.belief_pos) {
            actions.push(Action::Log(format!(
                "internal: stop plan inconsistent: {e}"
            )));
        }
        if !ops.is_empty() {
            actions.insert(0, Action::Apply(ops));
        }
        actions
    }

    /// The table we want the kernel to have now (managed services only).
    pub fn desired(&self) -> Table {
        self.desired_with(true)
    }

    /// `readd_absent`: whether a quiescent real that is down and missing
    /// from the table as we know it goes back in at weight 0. At start it
    /// always does (the legacy adds every real and then quiesces it);
    /// afterwards only with `readdquiescent=yes`.
    fn desired_with(&self, readd_absent: bool) -> Table {
        self.desired_of(readd_absent, 0..self.plan.virtuals.len())
    }

    fn desired_of(&self, readd_absent: bool, vis: impl Iterator<Item = usize>) -> Table {
        Table::from_services(vis.map(|vi| {
            let v = &self.plan.virtuals[vi];
            let mut dests: Vec<Dest> = Vec::new();
            let mut seen: HashSet<SocketAddr> = HashSet::default();
            let mut any_up = false;
            for (ri, r) in v.reals.iter().enumerate() {
                if seen.contains(&r.addr) {
                    continue;
                }
                if self.health[vi][ri].up {
                    any_up = true;
                    seen.insert(r.addr);
                    dests.push(Dest::new(r.addr, r.conf));
                } else if v.quiescent
                    && (readd_absent || v.readdquiescent || self.believed(&v.key, &r.addr))
                {
                    let mut c = r.conf;
                    c.weight = 0;
                    seen.insert(r.addr);
                    dests.push(Dest::new(r.addr, c));
                }
            }
            if let Some(fb) = &v.fallback {
                if !any_up && !seen.contains(&fb.addr) {
                    dests.push(Dest::new(fb.addr, fb.conf));
                }
            }
            Service::new(v.key, v.conf.clone(), dests)
        }))
    }

    fn believed_conf(&self, key: &ServiceKey, addr: &SocketAddr) -> Option<DestConf> {
        let i = *self.belief_pos.get(key)?.get(addr)?;
        Some(self.belief.services.get(key)?.dests[i].conf)
    }

    fn believed(&self, key: &ServiceKey, addr: &SocketAddr) -> bool {
        self.belief_pos
            .get(key)
            .is_some_and(|p| p.contains_key(addr))
    }

    /// Reconciles the reals whose state changed (a check result,
    /// maintenance): only their destinations and their services'
    /// fallbacks, unless a service needs the whole treatment.
    fn reconcile_reals(
        &mut self,
        actions: Vec<Action>,
        changed: &BTreeSet<usize>,
        reals: &[(usize, usize)],
    ) -> Vec<Action> {
        let whole = !self.incremental
            || changed.iter().any(|&vi| {
                !self.ix.simple[vi]
                    || self
                        .belief
                        .services
                        .get(&self.plan.virtuals[vi].key)
                        .is_none_or(|s| s.conf != self.ix.conf[vi])
            });
        if whole {
            return self.reconcile_some("check", actions, Some(changed));
        }
        // What the diff engine would give for these services: per service
        // in key order, its deletions, edits and additions, each by
        // address, the fallback's last (`legacy_order`).
        let mut by_key: Vec<usize> = changed.iter().copied().collect();
        by_key.sort_by_key(|&vi| self.plan.virtuals[vi].key);
        let mut ops = Vec::new();
        for vi in by_key {
            let v = &self.plan.virtuals[vi];
            let addrs: BTreeSet<SocketAddr> = reals
                .iter()
                .filter(|&&(rvi, _)| rvi == vi)
                .map(|&(_, ri)| v.reals[ri].addr)
                .collect();
            let mut want: Vec<(SocketAddr, Option<DestConf>)> = addrs
                .iter()
                .map(|addr| {
                    let ri = self.ix.reals_at[vi][addr][0];
                    let r = &v.reals[ri];
                    let conf = if self.health[vi][ri].up {
                        Some(r.conf)
                    } else if v.quiescent && (v.readdquiescent || self.believed(&v.key, addr)) {
                        Some(DestConf {
                            weight: 0,
                            ..r.conf
                        })
                    } else {
                        None
                    };
                    (*addr, conf)
                })
                .collect();
            let fallback = v
                .fallback
                .as_ref()
                .map(|fb| (fb.addr, (self.up_count[vi] == 0).then_some(fb.conf)));
            want.extend(fallback);
            let mut dels = Vec::new();
            let mut edits = Vec::new();
            let mut adds = Vec::new();
            for (addr, conf) in want {
                match (self.believed_conf(&v.key, &addr), conf) {
                    (Some(_), None) => dels.push(Operation::DelDest {
                        service: v.key,
                        addr,
                    }),
                    (Some(have), Some(conf)) if have != conf => edits.push(Operation::EditDest {
                        service: v.key,
                        addr,
                        conf,
                    }),
                    (None, Some(conf)) => adds.push(Operation::AddDest {
                        service: v.key,
                        addr,
                        conf,
                    }),
                    _ => {}
                }
            }
            // The fallback was pushed last; sort as the diff does, then
            // move it after the reals.
            let fb_addr = fallback.map(|(a, _)| a);
            let is_fb = |op: &Operation| op_addr(op) == fb_addr.as_ref();
            let mut svc: Vec<Operation> = Vec::new();
            for mut group in [dels, edits, adds] {
                group.sort_by_key(|op| op_addr(op).copied());
                svc.extend(group);
            }
            let (fb, rest): (Vec<_>, Vec<_>) = svc.into_iter().partition(is_fb);
            ops.extend(rest);
            ops.extend(fb);
        }
        self.finish("check", actions, ops, Some(changed))
    }

    fn reconcile(&mut self, tag: &str, actions: Vec<Action>) -> Vec<Action> {
        self.reconcile_some(tag, actions, None)
    }

    /// Brings the kernel to the desired table: all of it, or only the
    /// virtual services in `only`.
    fn reconcile_some(
        &mut self,
        tag: &str,
        actions: Vec<Action>,
        only: Option<&BTreeSet<usize>>,
    ) -> Vec<Action> {
        self.reconcile_some_and_gone(tag, actions, only, &[])
    }

    /// As `reconcile_some`, and services in `gone` (no longer planned)
    /// are taken out of the table.
    fn reconcile_some_and_gone(
        &mut self,
        tag: &str,
        actions: Vec<Action>,
        only: Option<&BTreeSet<usize>>,
        gone: &[ServiceKey],
    ) -> Vec<Action> {
        // A reload sets services up again as a start does (the legacy
        // re-adds every real of the new config, quiescing those down).
        let start = tag == "start" || tag == "reload";
        let ops = match only {
            None => ipvs::diff(&self.desired_with(start), &self.belief),
            Some(vis) => {
                let desired = self.desired_of(start, vis.iter().copied());
                let current = Table::from_services(
                    vis.iter()
                        .map(|&vi| &self.plan.virtuals[vi].key)
                        .chain(gone)
                        .filter_map(|key| self.belief.services.get(key).cloned()),
                );
                ipvs::diff(&desired, &current)
            }
        };
        let ops = legacy_order(ops, &self.plan, &self.ix);
        self.finish(tag, actions, ops, only)
    }

    /// Logs, applies to our belief and returns `ops`, then the fallback
    /// commands of the services in `only` (all if None).
    fn finish(
        &mut self,
        tag: &str,
        mut actions: Vec<Action>,
        ops: Vec<Operation>,
        only: Option<&BTreeSet<usize>>,
    ) -> Vec<Action> {
        let mut logs = Vec::new();
        for op in &ops {
            let was = match op {
                Operation::EditDest { service, addr, .. } => {
                    self.believed_conf(service, addr).map(|c| c.weight)
                }
                _ => None,
            };
            if let Some(line) = log_line(op, &self.plan, &self.ix, was, tag) {
                if let Some(alert) = alert_for(op, &self.plan, &self.ix, &line, tag) {
                    logs.push(Action::Log(line));
                    logs.push(Action::Alert(alert));
                } else {
                    logs.push(Action::Log(line));
                }
            }
        }
        if let Err(e) = apply_indexed(&ops, &mut self.belief, &mut self.belief_pos) {
            logs.push(Action::Log(format!(
                "internal: reconcile plan inconsistent: {e}"
            )));
        }
        if !ops.is_empty() {
            actions.push(Action::Apply(ops));
        }
        actions.extend(logs);
        actions.extend(self.fallback_commands(only));
        actions
    }

    /// `fallbackcommand start` when a virtual loses its last real,
    /// `stop` when one comes back; only on change.
    fn fallback_commands(&mut self, only: Option<&BTreeSet<usize>>) -> Vec<Action> {
        let mut out = Vec::new();
        let vis: Vec<usize> = match only {
            Some(o) => o.iter().copied().collect(),
            None => (0..self.plan.virtuals.len()).collect(),
        };
        for vi in vis {
            let v = &self.plan.virtuals[vi];
            let any_up = self.up_count[vi] > 0;
            let status = if any_up { "stop" } else { "start" };
            let before = self.fallback_command_status[vi];
            if before == Some(status) || (before.is_none() && status == "stop") {
                self.fallback_command_status[vi] = Some(status);
                continue;
            }
            self.fallback_command_status[vi] = Some(status);
            if let Some(cmd) = &v.fallbackcommand {
                out.push(Action::Command(format!(
                    "{cmd} {status} {} {}",
                    v.display, v.protocol_word
                )));
            }
        }
        out
    }
}

fn op_addr(op: &Operation) -> Option<&SocketAddr> {
    match op {
        Operation::AddDest { addr, .. }
        | Operation::EditDest { addr, .. }
        | Operation::DelDest { addr, .. } => Some(addr),
        _ => None,
    }
}

/// The legacy changes reals before the fallback: a real going down is
/// deleted and then the fallback added; a real coming back is added and
/// then the fallback deleted. Within each service, keep the diff's order
/// but move fallback operations after the others.
fn legacy_order(ops: Vec<Operation>, plan: &Plan, ix: &Index) -> Vec<Operation> {
    let fallback_op = |op: &Operation| match op {
        Operation::AddDest { service, addr, .. }
        | Operation::EditDest { service, addr, .. }
        | Operation::DelDest { service, addr } => ix
            .virtual_of(plan, service)
            .map(|(vi, v)| ix.is_fallback(vi, v, addr))
            .unwrap_or(false),
        _ => false,
    };
    let service_of = |op: &Operation| match op {
        Operation::AddService { key, .. }
        | Operation::EditService { key, .. }
        | Operation::DelService { key } => *key,
        Operation::AddDest { service, .. }
        | Operation::EditDest { service, .. }
        | Operation::DelDest { service, .. } => *service,
    };
    let mut out: Vec<Operation> = Vec::with_capacity(ops.len());
    let mut i = 0;
    while i < ops.len() {
        let key = service_of(&ops[i]);
        let mut j = i;
        while j < ops.len() && service_of(&ops[j]) == key {
            j += 1;
        }
        let (fb, rest): (Vec<_>, Vec<_>) = ops[i..j].iter().cloned().partition(fallback_op);
        out.extend(rest);
        out.extend(fb);
        i = j;
    }
    out
}

/// The e-mail alert the legacy sends with a real's log line: every change
/// of a real or fallback server; a real going down or quiescent recurs.
fn alert_for(op: &Operation, plan: &Plan, ix: &Index, line: &str, tag: &str) -> Option<Alert> {
    let (service, addr, down) = match op {
        Operation::AddDest {
            service,
            addr,
            conf,
        }
        | Operation::EditDest {
            service,
            addr,
            conf,
        } => (service, addr, conf.weight == 0),
        Operation::DelDest { service, addr } => (service, addr, true),
        _ => return None,
    };
    let (virtual_index, v) = ix.virtual_of(plan, service)?;
    let recurring =
        down && ix.is_configured(virtual_index, v, addr) && !ix.is_fallback(virtual_index, v, addr);
    Some(Alert {
        virtual_index,
        id: format!("{} ({})", logs::server(addr), v.display),
        subject: line.to_string(),
        recurring,
        status: DaemonStatus::of(tag),
    })
}

/// `was`: for an `EditDest`, the destination's weight before it.
fn log_line(
    op: &Operation,
    plan: &Plan,
    ix: &Index,
    was: Option<i32>,
    tag: &str,
) -> Option<String> {
    let key = match op {
        Operation::AddService { key, .. }
        | Operation::EditService { key, .. }
        | Operation::DelService { key } => *key,
        Operation::AddDest { service, .. }
        | Operation::EditDest { service, .. }
        | Operation::DelDest { service, .. } => *service,
    };
    let Some((vi, v)) = ix.virtual_of(plan, &key) else {
        // A service from the previous configuration, removed on reload.
        return match op {
            Operation::DelService { key } => Some(logs::purged_virtual(
                tag,
                &ipvs::error::describe_service(key),
            )),
            _ => None,
        };
    };
    let kind = |addr: &SocketAddr| {
        if ix.is_fallback(vi, v, addr) {
            "fallback"
        } else {
            "real"
        }
    };
    Some(match op {
        Operation::AddService { .. } => logs::added_virtual(&v.display),
        Operation::EditService { .. } => logs::changed_virtual(&v.display),
        Operation::DelService { .. } => logs::purged_virtual(tag, &v.display),
        Operation::AddDest { addr, conf, .. } if conf.weight == 0 && kind(addr) == "real" => {
            if v.readdquiescent {
                logs::readd_quiescent(addr, &v.display)
            } else {
                logs::quiescent(addr, &v.display)
            }
        }
        Operation::AddDest { addr, conf, .. } => {
            logs::added(kind(addr), addr, &v.display, conf.weight)
        }
        Operation::EditDest { addr, conf, .. } => {
            if conf.weight == 0 && was != Some(0) {
                logs::quiescent(addr, &v.display)
            } else {
                logs::restored(kind(addr), addr, &v.display, conf.weight)
            }
        }
        Operation::DelDest { addr, .. } => {
            if ix.is_configured(vi, v, addr) {
                logs::deleted(kind(addr), addr, &v.display)
            } else {
                logs::purged_real(
                    if tag == "check" { "reload" } else { tag },
                    addr,
                    &v.display,
                )
            }
        }
    })
}

#[cfg(test)]
mod tests {
    //! The incremental path against the whole-service reconciliation it
    //! replaces on the per-result path and the whole-table one on reload
    //! (kept as the oracle: `incremental` off), on random check results,
    //! resyncs and reloads.
    use super::*;
    use crate::plan;
    use ha_config::ldirectord::{parse, EtcFiles};

    fn config(readdquiescent: bool) -> String {
        let yn = if readdquiescent { "yes" } else { "no" };
        format!(
            "checktimeout=3\ncheckinterval=1\nreaddquiescent={yn}\nquiescent=no\n\
virtual=10.0.0.1:80\n\tquiescent=yes\n\tfailurecount=2\n\tfallbackcommand=\"/bin/fb\"\n\
\treal=10.1.0.1:80 gate 2\n\treal=10.1.0.2:80 gate\n\treal=10.1.0.3:80 gate 3\n\
\treal=10.1.0.4:80 gate\n\tfallback=127.0.0.1:80 gate\n\tchecktype=connect\n\tprotocol=tcp\n\
virtual=10.0.0.2:80\n\tfailurecount=1\n\
\treal=10.1.0.1:80 gate\n\treal=10.1.0.5:80 gate\n\treal=10.1.0.6:80 gate 4\n\
\tfallback=127.0.0.2:80 gate\n\tchecktype=connect\n\tprotocol=tcp\n\
virtual=10.0.0.3:80\n\tquiescent=yes\n\
\treal=10.1.0.7:80 masq\n\treal=10.1.0.8:80 masq\n\treal=10.1.0.7:80 masq 5\n\
\tfallback=127.0.0.3:80 gate\n\tchecktype=connect\n\tprotocol=tcp\n\
virtual=10.0.0.4:80\n\tquiescent=yes\n\
\treal=10.1.0.9:80 gate\n\treal=10.1.0.10:80 gate\n\
\tfallback=10.1.0.9:80 gate\n\tchecktype=connect\n\tprotocol=tcp\n\
virtual=10.0.0.5:81\n\tquiescent=yes\n\
\treal=10.1.0.2:81 masq\n\treal=10.1.0.3:81 masq\n\tchecktype=connect\n\tprotocol=tcp\n"
        )
    }

    fn plan_of(cf: &str) -> Plan {
        let parsed = parse(cf, "ldirectord.cf").unwrap_or_else(|e| panic!("{e}"));
        let names = EtcFiles::new("", "http 80/tcp\n");
        plan::build(&parsed.value, &names).expect("plan")
    }

    /// A table with each service's destinations by address (our belief's
    /// order is not the kernel's).
    fn sorted(t: &Table) -> Table {
        let mut t = t.clone();
        for s in t.services.values_mut() {
            s.dests.sort_by_key(|d| d.addr);
        }
        t
    }

    fn ops_of(actions: &[Action]) -> Vec<Operation> {
        actions
            .iter()
            .flat_map(|a| match a {
                Action::Apply(o) => o.clone(),
                _ => vec![],
            })
            .collect()
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n
        }
    }

    #[test]
    fn the_incremental_path_matches_whole_service_reconciliation() {
        for readd in [false, true] {
            for seed in 1..=40u64 {
                let cf = config(readd);
                let mut fast = Director::new(plan_of(&cf));
                let mut oracle = Director::new(plan_of(&cf));
                oracle.incremental = false;
                assert!(!fast.ix.simple[2] && !fast.ix.simple[3] && fast.ix.simple[0]);
                let mut rng = Rng(seed);
                // What the kernel would hold, from the operations alone.
                let mut kernel = Table::default();
                let a = fast.start(&kernel);
                assert_eq!(a, oracle.start(&kernel));
                ipvs::apply(&ops_of(&a), &mut kernel).expect("start applies");
                let checks = fast.plan().checks.len();
                for step in 0..400 {
                    let what = rng.next(100);
                    let (a, b) = if what < 90 {
                        let c = rng.next(checks);
                        let ok = rng.next(3) != 0;
                        (fast.on_check(c, ok), oracle.on_check(c, ok))
                    } else if what < 95 {
                        let c = rng.next(checks);
                        (fast.force_down(c), oracle.force_down(c))
                    } else if what < 98 {
                        // A real deleted by hand, and the table read again.
                        let keys: Vec<ServiceKey> = kernel.services.keys().copied().collect();
                        if let Some(k) = keys.get(rng.next(keys.len().max(1))) {
                            let s = kernel.services.get_mut(k).expect("service");
                            if !s.dests.is_empty() {
                                let i = rng.next(s.dests.len());
                                s.dests.remove(i);
                            }
                        }
                        (fast.resync(&kernel), oracle.resync(&kernel))
                    } else {
                        let cf = match rng.next(3) {
                            0 => config(readd),
                            1 => config(readd).replace("gate 4", "gate 7"),
                            // A real and a virtual service gone.
                            _ => {
                                let cf = config(readd).replace("\treal=10.1.0.4:80 gate\n", "");
                                assert!(!cf.contains("10.1.0.4:80"));
                                cf[..cf.find("virtual=10.0.0.5:81").expect("v5")].to_string()
                            }
                        };
                        (fast.reload(plan_of(&cf)), oracle.reload(plan_of(&cf)))
                    };
                    assert_eq!(a, b, "readd={readd} seed={seed} step={step}");
                    ipvs::apply(&ops_of(&a), &mut kernel)
                        .unwrap_or_else(|e| panic!("seed={seed} step={step}: {e}"));
                    assert_eq!(sorted(&fast.belief), sorted(&oracle.belief));
                    assert_eq!(
                        sorted(&fast.belief),
                        sorted(&kernel),
                        "seed={seed} step={step}"
                    );
                    // Where a real's change is reconciled alone, the table
                    // is what the whole computation wants, all the time.
                    let simple: Vec<usize> = (0..fast.plan.virtuals.len())
                        .filter(|&vi| fast.ix.simple[vi])
                        .collect();
                    let want = fast.desired_of(false, simple.iter().copied());
                    for (k, s) in &sorted(&want).services {
                        assert_eq!(Some(s), sorted(&fast.belief).services.get(k));
                    }
                    assert_eq!(fast.belief_pos, index_belief(&fast.belief));
                }
            }
        }
    }
}
