//! `service=imap` and `imaps`: TODO (being written).

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Imap {
    pub tls: bool,
}

impl Probe for Imap {
    async fn probe(&self, _target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        let _ = self.tls;
        Outcome::down("service=imap: not implemented yet")
    }
}
