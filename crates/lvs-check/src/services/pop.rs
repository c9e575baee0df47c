//! `service=pop` and `pops`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Pop {
    pub tls: bool,
}

impl Probe for Pop {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        let _ = self.tls;
        Outcome::down("service=pop: not implemented yet")
    }
}
