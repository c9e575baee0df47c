//! The reconciler: check results in, IPVS operations and ldirectord's log
//! lines out.
//!
//! The desired table is computed from the plan and every real's health
//! (quiescent reals at weight 0, the fallback when no real is up), the diff
//! engine compares it with the table as we last left it, and each operation
//! is worded the way ldirectord 4.12 logs the same change. Services in the
//! kernel that this configuration does not manage are never touched.

use crate::health::{HealthEvent, RealHealth};
use crate::logs;
use crate::plan::{CheckId, Plan, RealPlan, VirtualPlan};
use ipvs::{Dest, Operation, Service, ServiceKey, Table};
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
    health: Vec<Vec<RealHealth>>,
    fallback_command_status: Vec<Option<&'static str>>,
    /// The managed part of the kernel's table, as we last left it.
    belief: Table,
    /// For each check, the (virtual, real) pairs that follow it.
    users: Vec<Vec<(usize, usize)>>,
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
            plan,
            health,
            fallback_command_status: vec![None; n],
            belief: Table::default(),
        }
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
        self.belief = Self::managed(kernel, &self.managed_keys());
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
            let live = self.belief.services.get(&v.key);
            for (ri, r) in v.reals.iter().enumerate() {
                let up = live
                    .and_then(|s| s.dests.iter().find(|d| d.addr == r.addr))
                    .map(|d| d.conf.weight > 0)
                    .unwrap_or(false);
                self.health[vi][ri] = RealHealth { up, failcount: 0 };
            }
        }
        self.reconcile("start", Vec::new())
    }

    /// The kernel's table as read again (after an apply failed, or
    /// periodically): whatever differs from what we want is put right.
    pub fn resync(&mut self, kernel: &Table) -> Vec<Action> {
        self.belief = Self::managed(kernel, &self.managed_keys());
        self.reconcile("resync", Vec::new())
    }

    /// One check's result, for every virtual service that uses it. Only
    /// the services whose reals changed state are reconciled: at ten
    /// thousand results a second, almost every result changes nothing.
    pub fn on_check(&mut self, check: CheckId, ok: bool) -> Vec<Action> {
        let mut logs = Vec::new();
        let mut changed = BTreeSet::new();
        for &(vi, ri) in self.users.get(check).map(Vec::as_slice).unwrap_or(&[]) {
            let v = &self.plan.virtuals[vi];
            let r = &v.reals[ri];
            for e in self.health[vi][ri].on_result(ok, v.failurecount) {
                match e {
                    HealthEvent::SoftFailure { count, of } => {
                        logs.push(Action::Log(logs::soft_failure(&r.addr, &v.id, count, of)))
                    }
                    HealthEvent::Reset => logs.push(Action::Log(logs::reset_soft(&r.addr, &v.id))),
                    HealthEvent::WentUp | HealthEvent::WentDown => {
                        changed.insert(vi);
                    }
                }
            }
        }
        if changed.is_empty() {
            return logs;
        }
        self.reconcile_some("check", logs, Some(&changed))
    }

    /// `maintenancedir`: the real behind `check` is forced down at once,
    /// whatever `failurecount` says, as the legacy forces it.
    pub fn force_down(&mut self, check: CheckId) -> Vec<Action> {
        let mut changed = BTreeSet::new();
        for &(vi, ri) in self.users.get(check).map(Vec::as_slice).unwrap_or(&[]) {
            let h = &mut self.health[vi][ri];
            h.failcount = h.failcount.max(1);
            if h.up {
                h.up = false;
                changed.insert(vi);
            }
        }
        if changed.is_empty() {
            return Vec::new();
        }
        self.reconcile_some("check", Vec::new(), Some(&changed))
    }

    /// A new configuration: health carries over for reals that stay in
    /// the same virtual service; services no longer configured are removed.
    pub fn reload(&mut self, plan: Plan) -> Vec<Action> {
        let mut health = Vec::new();
        let mut status = Vec::new();
        for v in &plan.virtuals {
            let old = self.plan.virtuals.iter().position(|o| o.key == v.key);
            health.push(
                v.reals
                    .iter()
                    .map(|r| {
                        old.and_then(|oi| {
                            let ov = &self.plan.virtuals[oi];
                            ov.reals
                                .iter()
                                .position(|or| or.addr == r.addr)
                                .map(|ori| self.health[oi][ori])
                        })
                        .unwrap_or_default()
                    })
                    .collect(),
            );
            status.push(old.and_then(|oi| self.fallback_command_status[oi]));
        }
        self.users = users_of(&plan);
        self.plan = plan;
        self.health = health;
        self.fallback_command_status = status;
        self.reconcile("reload", Vec::new())
    }

    /// Stopping: each virtual service with `cleanstop` (its own, or the
    /// global) has every real purged and then the service itself, each
    /// logged as the legacy does (observed: 4.12 purges the virtual service
    /// too); one with `cleanstop=no` stays in the table as it is.
    pub fn stop(&mut self) -> Vec<Action> {
        let mut ops = Vec::new();
        let mut actions = Vec::new();
        for v in self.plan.virtuals.iter().filter(|v| v.cleanstop) {
            if let Some(s) = self.belief.services.get(&v.key) {
                // In the config's order, as the legacy walks its reals;
                // anything else (a fallback) after them.
                let rank = |a: &std::net::SocketAddr| {
                    v.reals
                        .iter()
                        .position(|r| r.addr == *a)
                        .unwrap_or(usize::MAX)
                };
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
        if let Err(e) = ipvs::apply(&ops, &mut self.belief) {
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
            let mut any_up = false;
            for (ri, r) in v.reals.iter().enumerate() {
                if dests.iter().any(|d| d.addr == r.addr) {
                    continue;
                }
                if self.health[vi][ri].up {
                    any_up = true;
                    dests.push(Dest::new(r.addr, r.conf));
                } else if v.quiescent
                    && (readd_absent || v.readdquiescent || self.believed(&v.key, &r.addr))
                {
                    let mut c = r.conf;
                    c.weight = 0;
                    dests.push(Dest::new(r.addr, c));
                }
            }
            if let Some(fb) = &v.fallback {
                if !any_up && !dests.iter().any(|d| d.addr == fb.addr) {
                    dests.push(Dest::new(fb.addr, fb.conf));
                }
            }
            Service::new(v.key, v.conf.clone(), dests)
        }))
    }

    fn believed(&self, key: &ServiceKey, addr: &SocketAddr) -> bool {
        self.belief
            .services
            .get(key)
            .map(|s| s.dests.iter().any(|d| d.addr == *addr))
            .unwrap_or(false)
    }

    fn reconcile(&mut self, tag: &str, actions: Vec<Action>) -> Vec<Action> {
        self.reconcile_some(tag, actions, None)
    }

    /// Brings the kernel to the desired table: all of it, or only the
    /// virtual services in `only`.
    fn reconcile_some(
        &mut self,
        tag: &str,
        mut actions: Vec<Action>,
        only: Option<&BTreeSet<usize>>,
    ) -> Vec<Action> {
        // A reload sets services up again as a start does (the legacy
        // re-adds every real of the new config, quiescing those down).
        let start = tag == "start" || tag == "reload";
        let ops = match only {
            None => ipvs::diff(&self.desired_with(start), &self.belief),
            Some(vis) => {
                let desired = self.desired_of(start, vis.iter().copied());
                let current = Table::from_services(vis.iter().filter_map(|&vi| {
                    self.belief
                        .services
                        .get(&self.plan.virtuals[vi].key)
                        .cloned()
                }));
                ipvs::diff(&desired, &current)
            }
        };
        let ops = legacy_order(ops, &self.plan);
        let mut logs = Vec::new();
        for op in &ops {
            if let Some(line) = log_line(op, &self.plan, &self.belief, tag) {
                if let Some(alert) = alert_for(op, &self.plan, &line, tag) {
                    logs.push(Action::Log(line));
                    logs.push(Action::Alert(alert));
                } else {
                    logs.push(Action::Log(line));
                }
            }
        }
        if let Err(e) = ipvs::apply(&ops, &mut self.belief) {
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
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
            if only.is_some_and(|o| !o.contains(&vi)) {
                continue;
            }
            let any_up = self.health[vi].iter().any(|h| h.up);
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

fn virtual_of<'a>(plan: &'a Plan, key: &ServiceKey) -> Option<&'a VirtualPlan> {
    plan.virtuals.iter().find(|v| v.key == *key)
}

fn is_fallback(v: &VirtualPlan, addr: &SocketAddr) -> bool {
    v.fallback.as_ref().map(|f| f.addr) == Some(*addr) && !v.reals.iter().any(|r| r.addr == *addr)
}

fn is_configured(v: &VirtualPlan, addr: &SocketAddr) -> bool {
    v.reals
        .iter()
        .chain(v.fallback.iter())
        .any(|r: &RealPlan| r.addr == *addr)
}

/// The legacy changes reals before the fallback: a real going down is
/// deleted and then the fallback added; a real coming back is added and
/// then the fallback deleted. Within each service, keep the diff's order
/// but move fallback operations after the others.
fn legacy_order(ops: Vec<Operation>, plan: &Plan) -> Vec<Operation> {
    let fallback_op = |op: &Operation| match op {
        Operation::AddDest { service, addr, .. }
        | Operation::EditDest { service, addr, .. }
        | Operation::DelDest { service, addr } => virtual_of(plan, service)
            .map(|v| is_fallback(v, addr))
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
fn alert_for(op: &Operation, plan: &Plan, line: &str, tag: &str) -> Option<Alert> {
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
    let virtual_index = plan.virtuals.iter().position(|v| v.key == *service)?;
    let v = &plan.virtuals[virtual_index];
    let recurring = down && is_configured(v, addr) && !is_fallback(v, addr);
    Some(Alert {
        virtual_index,
        id: format!("{} ({})", logs::server(addr), v.display),
        subject: line.to_string(),
        recurring,
        status: DaemonStatus::of(tag),
    })
}

fn log_line(op: &Operation, plan: &Plan, before: &Table, tag: &str) -> Option<String> {
    let key = match op {
        Operation::AddService { key, .. }
        | Operation::EditService { key, .. }
        | Operation::DelService { key } => *key,
        Operation::AddDest { service, .. }
        | Operation::EditDest { service, .. }
        | Operation::DelDest { service, .. } => *service,
    };
    let Some(v) = virtual_of(plan, &key) else {
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
        if is_fallback(v, addr) {
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
            let was = before
                .services
                .get(&key)
                .and_then(|s| s.dests.iter().find(|d| d.addr == *addr))
                .map(|d| d.conf.weight);
            if conf.weight == 0 && was != Some(0) {
                logs::quiescent(addr, &v.display)
            } else {
                logs::restored(kind(addr), addr, &v.display, conf.weight)
            }
        }
        Operation::DelDest { addr, .. } => {
            if is_configured(v, addr) {
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
