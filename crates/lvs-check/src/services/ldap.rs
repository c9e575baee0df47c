//! `service=ldap` and `ldaps`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Ldap {
    pub tls: bool,
}

impl Probe for Ldap {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        let _ = self.tls;
        Outcome::down("service=ldap: not implemented yet")
    }
}
