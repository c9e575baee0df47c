//! A table reduced to its configuration: what `diff` compares and what
//! "the same table" means in tests (counters and connection counts and the
//! kernel's list order do not count).

use crate::model::{DestConf, ServiceConf, ServiceKey, Table};
use std::collections::BTreeMap;
use std::net::SocketAddr;

pub type ConfigView = BTreeMap<ServiceKey, (ServiceConf, BTreeMap<SocketAddr, DestConf>)>;

pub fn config_view(t: &Table) -> ConfigView {
    t.services
        .iter()
        .map(|(k, s)| {
            let dests = s.dests.iter().map(|d| (d.addr, d.conf)).collect();
            (*k, (s.conf.clone(), dests))
        })
        .collect()
}
