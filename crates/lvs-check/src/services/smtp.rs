//! `service=smtp`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Smtp;

impl Probe for Smtp {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        Outcome::down("service=smtp: not implemented yet")
    }
}
