//! `service=mysql` and `pgsql`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Mysql;
pub(crate) struct Pgsql;

impl Probe for Mysql {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        Outcome::down("service=mysql: not implemented yet")
    }
}

impl Probe for Pgsql {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        Outcome::down("service=pgsql: not implemented yet")
    }
}
