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
}

pub struct Director {
    plan: Plan,
    health: Vec<Vec<RealHealth>>,
    fallback_command_status: Vec<Option<&'static str>>,
    /// The managed part of the kernel's table, as we last left it.
    belief: Table,
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

    /// One check's result, for every virtual service that uses it.
    pub fn on_check(&mut self, check: CheckId, ok: bool) -> Vec<Action> {
        let mut logs = Vec::new();
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
            for (ri, r) in v.reals.iter().enumerate() {
                if r.check != Some(check) {
                    continue;
                }
                for e in self.health[vi][ri].on_result(ok, v.failurecount) {
                    match e {
                        HealthEvent::SoftFailure { count, of } => {
                            logs.push(Action::Log(logs::soft_failure(&r.addr, &v.id, count, of)))
                        }
                        HealthEvent::Reset => {
                            logs.push(Action::Log(logs::reset_soft(&r.addr, &v.id)))
                        }
                        HealthEvent::WentUp | HealthEvent::WentDown => {}
                    }
                }
            }
        }
        self.reconcile("check", logs)
    }

    /// `maintenancedir`: the real behind `check` is forced down at once,
    /// whatever `failurecount` says, as the legacy forces it.
    pub fn force_down(&mut self, check: CheckId) -> Vec<Action> {
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
            for (ri, r) in v.reals.iter().enumerate() {
                if r.check == Some(check) {
                    let h = &mut self.health[vi][ri];
                    h.failcount = h.failcount.max(1);
                    h.up = false;
                }
            }
        }
        self.reconcile("check", Vec::new())
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
        self.plan = plan;
        self.health = health;
        self.fallback_command_status = status;
        self.reconcile("reload", Vec::new())
    }

    /// Stopping: with `cleanstop`, every real of the managed services is
    /// purged and then the service itself, each logged as the legacy does
    /// (observed: 4.12 purges the virtual service too).
    pub fn stop(&mut self, cleanstop: bool) -> Vec<Action> {
        if !cleanstop {
            return Vec::new();
        }
        let mut ops = Vec::new();
        let mut actions = Vec::new();
        for v in &self.plan.virtuals {
            if let Some(s) = self.belief.services.get(&v.key) {
                for d in &s.dests {
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
        Table::from_services(self.plan.virtuals.iter().enumerate().map(|(vi, v)| {
            let mut dests: Vec<Dest> = Vec::new();
            let mut any_up = false;
            for (ri, r) in v.reals.iter().enumerate() {
                if dests.iter().any(|d| d.addr == r.addr) {
                    continue;
                }
                if self.health[vi][ri].up {
                    any_up = true;
                    dests.push(Dest::new(r.addr, r.conf));
                } else if v.quiescent {
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

    fn reconcile(&mut self, tag: &str, mut actions: Vec<Action>) -> Vec<Action> {
        let desired = self.desired();
        let ops = legacy_order(ipvs::diff(&desired, &self.belief), &self.plan);
        let mut logs = Vec::new();
        for op in &ops {
            if let Some(line) = log_line(op, &self.plan, &self.belief, tag) {
                logs.push(Action::Log(line));
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
        actions.extend(self.fallback_commands());
        actions
    }

    /// `fallbackcommand start` when a virtual loses its last real,
    /// `stop` when one comes back; only on change.
    fn fallback_commands(&mut self) -> Vec<Action> {
        let mut out = Vec::new();
        for (vi, v) in self.plan.virtuals.iter().enumerate() {
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
