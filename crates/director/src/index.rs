//! Indexes that keep the reconciler's per-result work proportional to what
//! changed: a plan's services and reals by key and address, and the
//! destinations of the table as we last left it by address.

use crate::plan::{Plan, RealPlan, VirtualPlan};
use ipvs::{ApplyError, Dest, Operation, Service, ServiceConf, ServiceKey, Table};
use rustc_hash::FxHashMap as HashMap;
use std::net::SocketAddr;

/// Lookups into a plan.
pub(crate) struct Index {
    /// Service key to the first virtual with it.
    pub(crate) vindex: HashMap<ServiceKey, usize>,
    /// Per virtual: each real address to its reals' indexes, in order.
    pub(crate) reals_at: Vec<HashMap<SocketAddr, Vec<usize>>>,
    /// Per virtual: its service settings as the table holds them.
    pub(crate) conf: Vec<ServiceConf>,
    /// Per virtual: a real's change can be reconciled for that real alone:
    /// its key is its own, no address is listed twice, and the fallback is
    /// not also a real. (With duplicates, which occurrence wins depends on
    /// the others' states, so those services are reconciled whole.)
    pub(crate) simple: Vec<bool>,
}

impl Index {
    pub(crate) fn of(plan: &Plan) -> Index {
        let mut vindex = HashMap::default();
        let mut key_count: HashMap<ServiceKey, usize> = HashMap::default();
        for (vi, v) in plan.virtuals.iter().enumerate() {
            vindex.entry(v.key).or_insert(vi);
            *key_count.entry(v.key).or_default() += 1;
        }
        let reals_at: Vec<HashMap<SocketAddr, Vec<usize>>> = plan
            .virtuals
            .iter()
            .map(|v| {
                let mut m: HashMap<SocketAddr, Vec<usize>> = HashMap::default();
                for (ri, r) in v.reals.iter().enumerate() {
                    m.entry(r.addr).or_default().push(ri);
                }
                m
            })
            .collect();
        let conf = plan
            .virtuals
            .iter()
            .map(|v| Service::new(v.key, v.conf.clone(), Vec::new()).conf)
            .collect();
        let simple = plan
            .virtuals
            .iter()
            .zip(&reals_at)
            .map(|(v, at)| {
                key_count[&v.key] == 1
                    && at.len() == v.reals.len()
                    && v.fallback
                        .as_ref()
                        .is_none_or(|f| !at.contains_key(&f.addr))
            })
            .collect();
        Index {
            vindex,
            reals_at,
            conf,
            simple,
        }
    }

    pub(crate) fn virtual_of<'a>(
        &self,
        plan: &'a Plan,
        key: &ServiceKey,
    ) -> Option<(usize, &'a VirtualPlan)> {
        let vi = *self.vindex.get(key)?;
        Some((vi, &plan.virtuals[vi]))
    }

    pub(crate) fn is_fallback(&self, vi: usize, v: &VirtualPlan, addr: &SocketAddr) -> bool {
        v.fallback.as_ref().map(|f| f.addr) == Some(*addr) && !self.reals_at[vi].contains_key(addr)
    }

    pub(crate) fn is_configured(&self, vi: usize, v: &VirtualPlan, addr: &SocketAddr) -> bool {
        self.reals_at[vi].contains_key(addr)
            || v.fallback.iter().any(|f: &RealPlan| f.addr == *addr)
    }
}

pub(crate) fn index_belief(belief: &Table) -> HashMap<ServiceKey, HashMap<SocketAddr, usize>> {
    belief
        .services
        .iter()
        .map(|(k, s)| {
            (
                *k,
                s.dests
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.addr, i))
                    .collect(),
            )
        })
        .collect()
}

/// A table that takes operations one at a time at a cost independent of
/// its size (the daemon's in-process stand-in for the kernel's table).
#[derive(Debug, Default, Clone)]
pub struct IndexedTable {
    table: Table,
    pos: HashMap<ServiceKey, HashMap<SocketAddr, usize>>,
}

impl IndexedTable {
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// As `ipvs::apply` of `op` alone: refused, it changes nothing.
    pub fn apply_one(&mut self, op: &Operation) -> Result<(), ApplyError> {
        apply_indexed(std::slice::from_ref(op), &mut self.table, &mut self.pos)
    }
}

/// `ipvs::apply` on our belief, with its destinations indexed by address
/// (a removed destination's place is taken by the last one). Service
/// operations cost the same either way and go to `ipvs::apply` itself.
pub(crate) fn apply_indexed(
    ops: &[Operation],
    table: &mut Table,
    pos: &mut HashMap<ServiceKey, HashMap<SocketAddr, usize>>,
) -> Result<(), ApplyError> {
    for op in ops {
        match op {
            Operation::AddService { key, .. } => {
                ipvs::apply(std::slice::from_ref(op), table)?;
                pos.insert(*key, HashMap::default());
            }
            Operation::EditService { .. } => ipvs::apply(std::slice::from_ref(op), table)?,
            Operation::DelService { key } => {
                ipvs::apply(std::slice::from_ref(op), table)?;
                pos.remove(key);
            }
            Operation::AddDest {
                service,
                addr,
                conf,
            } => {
                let s = service_mut(table, service)?;
                let p = pos.entry(*service).or_default();
                if p.contains_key(addr) {
                    return Err(ApplyError::DestExists(*service, *addr));
                }
                p.insert(*addr, s.dests.len());
                s.dests.push(Dest::new(*addr, *conf));
            }
            Operation::EditDest {
                service,
                addr,
                conf,
            } => {
                let s = service_mut(table, service)?;
                let i = pos
                    .get(service)
                    .and_then(|p| p.get(addr))
                    .copied()
                    .ok_or(ApplyError::NoDest(*service, *addr))?;
                s.dests[i].conf = *conf;
            }
            Operation::DelDest { service, addr } => {
                let s = service_mut(table, service)?;
                let p = pos.entry(*service).or_default();
                let i = p.remove(addr).ok_or(ApplyError::NoDest(*service, *addr))?;
                s.dests.swap_remove(i);
                if let Some(moved) = s.dests.get(i) {
                    p.insert(moved.addr, i);
                }
            }
        }
    }
    Ok(())
}

fn service_mut<'a>(table: &'a mut Table, key: &ServiceKey) -> Result<&'a mut Service, ApplyError> {
    table
        .services
        .get_mut(key)
        .ok_or(ApplyError::NoService(*key))
}
