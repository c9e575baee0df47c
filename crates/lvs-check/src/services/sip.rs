//! `service=sip`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Sip;

impl Probe for Sip {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        Outcome::down("service=sip: not implemented yet")
    }
}
