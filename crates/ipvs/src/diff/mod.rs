//! The diff engine: a desired table and the kernel's current one in, the
//! minimal list of operations out.
//!
//! Every setting of a service (scheduler, persistence, netmask, flags, pe)
//! and of a destination (forwarding method, weight, thresholds) can be
//! changed in place by the kernel (`IPVS_CMD_SET_SERVICE`, `IPVS_CMD_SET_DEST`
//! update the live entry), so nothing that exists on both sides is ever
//! deleted and re-added: a quiescent real is one `EditDest` to weight 0, and
//! its connections survive. A service's key (protocol, address, port or
//! fwmark, family) identifies it, so a changed key is a different service.
//!
//! Order, so that each operation is valid when applied in sequence:
//! 1. `DelService` for services that are no longer wanted (the kernel drops
//!    their destinations with them, so no `DelDest` is emitted for those);
//! 2. then, service by service in key order: `AddService` or `EditService`,
//!    followed by its `DelDest`s, `EditDest`s and `AddDest`s.
//!
//! Destinations are compared per service, so a real shared by several
//! virtual services is added, edited or removed only where that service's
//! entry differs; the other services' entries are not touched.

mod apply;
mod view;

pub use apply::{apply, ApplyError};
pub use view::{config_view, ConfigView};

use crate::model::{Service, Table};
use crate::ops::Operation;
use std::collections::BTreeMap;
use std::net::SocketAddr;

pub fn diff(desired: &Table, current: &Table) -> Vec<Operation> {
    let mut ops = Vec::new();
    for key in current.services.keys() {
        if !desired.services.contains_key(key) {
            ops.push(Operation::DelService { key: *key });
        }
    }
    for (key, want) in &desired.services {
        match current.services.get(key) {
            None => {
                ops.push(Operation::AddService {
                    key: *key,
                    conf: want.conf.clone(),
                });
                for d in dests_by_addr(want).values() {
                    ops.push(Operation::AddDest {
                        service: *key,
                        addr: d.addr,
                        conf: d.conf,
                    });
                }
            }
            Some(have) => {
                if have.conf != want.conf {
                    ops.push(Operation::EditService {
                        key: *key,
                        conf: want.conf.clone(),
                    });
                }
                diff_dests(want, have, &mut ops);
            }
        }
    }
    ops
}

fn dests_by_addr(s: &Service) -> BTreeMap<SocketAddr, &crate::model::Dest> {
    s.dests.iter().map(|d| (d.addr, d)).collect()
}

fn diff_dests(want: &Service, have: &Service, ops: &mut Vec<Operation>) {
    let want_dests = dests_by_addr(want);
    let have_dests = dests_by_addr(have);
    for addr in have_dests.keys() {
        if !want_dests.contains_key(addr) {
            ops.push(Operation::DelDest {
                service: want.key,
                addr: *addr,
            });
        }
    }
    for (addr, w) in &want_dests {
        match have_dests.get(addr) {
            Some(h) if h.conf == w.conf => {}
            Some(_) => ops.push(Operation::EditDest {
                service: want.key,
                addr: *addr,
                conf: w.conf,
            }),
            None => {}
        }
    }
    for (addr, w) in &want_dests {
        if !have_dests.contains_key(addr) {
            ops.push(Operation::AddDest {
                service: want.key,
                addr: *addr,
                conf: w.conf,
            });
        }
    }
}

#[cfg(test)]
mod tests;
