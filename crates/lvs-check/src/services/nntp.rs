//! `service=nntp`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Nntp;

impl Probe for Nntp {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        Outcome::down("service=nntp: not implemented yet")
    }
}
