//! `service=dns`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Dns;

impl Probe for Dns {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        Outcome::down("service=dns: not implemented yet")
    }
}
