//! What the kernel does with each operation, on an in-memory table: the
//! model the diff engine is tested against, and a dry run for operators.

use crate::model::{Dest, Service, ServiceKey, Table};
use crate::ops::Operation;
use std::net::SocketAddr;
use thiserror::Error;

/// The kernel's refusals, named as ipvsadm names them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplyError {
    #[error("service {0:?}: service already exists")]
    ServiceExists(ServiceKey),
    #[error("service {0:?}: no such service")]
    NoService(ServiceKey),
    #[error("service {0:?}, destination {1}: destination already exists")]
    DestExists(ServiceKey, SocketAddr),
    #[error("service {0:?}, destination {1}: no such destination")]
    NoDest(ServiceKey, SocketAddr),
}

pub fn apply(ops: &[Operation], table: &mut Table) -> Result<(), ApplyError> {
    ops.iter().try_for_each(|op| apply_one(op, table))
}

fn service_mut<'a>(table: &'a mut Table, key: &ServiceKey) -> Result<&'a mut Service, ApplyError> {
    table
        .services
        .get_mut(key)
        .ok_or(ApplyError::NoService(*key))
}

fn apply_one(op: &Operation, table: &mut Table) -> Result<(), ApplyError> {
    match op {
        Operation::AddService { key, conf } => {
            if table.services.contains_key(key) {
                return Err(ApplyError::ServiceExists(*key));
            }
            table
                .services
                .insert(*key, Service::new(*key, conf.clone(), Vec::new()));
        }
        Operation::EditService { key, conf } => service_mut(table, key)?.conf = conf.clone(),
        Operation::DelService { key } => {
            table
                .services
                .remove(key)
                .ok_or(ApplyError::NoService(*key))?;
        }
        Operation::AddDest {
            service,
            addr,
            conf,
        } => {
            let s = service_mut(table, service)?;
            if s.dests.iter().any(|d| d.addr == *addr) {
                return Err(ApplyError::DestExists(*service, *addr));
            }
            s.dests.push(Dest::new(*addr, *conf));
        }
        Operation::EditDest {
            service,
            addr,
            conf,
        } => {
            let s = service_mut(table, service)?;
            let d = s
                .dests
                .iter_mut()
                .find(|d| d.addr == *addr)
                .ok_or(ApplyError::NoDest(*service, *addr))?;
            d.conf = *conf;
        }
        Operation::DelDest { service, addr } => {
            let s = service_mut(table, service)?;
            let before = s.dests.len();
            s.dests.retain(|d| d.addr != *addr);
            if s.dests.len() == before {
                return Err(ApplyError::NoDest(*service, *addr));
            }
        }
    }
    Ok(())
}
