//! The negotiate checks of the services with a protocol of their own, one
//! module each behind [`Probe`]. A probe talks to one real server and says
//! whether it answered as the legacy's check requires; `run_check` bounds
//! it by the spec's timeout, so a probe never needs a deadline of its own.

use crate::{Outcome, Service, ServiceCheck};
use std::net::SocketAddr;

mod dns;
mod ftp;
mod imap;
mod ldap;
mod line_conn;
mod nntp;
mod pop;
mod radius;
mod reply;
mod sip;
mod smtp;
mod sql;
mod udp;

/// One service's negotiate check.
pub(crate) trait Probe {
    /// Talks to the real server at `target` (its check port) and returns
    /// the verdict with the reason the log and the dashboard show.
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome;
}

pub(crate) async fn probe(target: SocketAddr, check: &ServiceCheck) -> Outcome {
    match check.service {
        Service::Ftp => ftp::Ftp.probe(target, check).await,
        Service::Smtp => smtp::Smtp.probe(target, check).await,
        Service::Pop { tls } => pop::Pop { tls }.probe(target, check).await,
        Service::Imap { tls } => imap::Imap { tls }.probe(target, check).await,
        Service::Nntp => nntp::Nntp.probe(target, check).await,
        Service::Ldap { tls } => ldap::Ldap { tls }.probe(target, check).await,
        Service::Dns => dns::Dns.probe(target, check).await,
        Service::Mysql => sql::Mysql.probe(target, check).await,
        Service::Pgsql => sql::Pgsql.probe(target, check).await,
        Service::Radius => radius::Radius.probe(target, check).await,
        Service::Sip => sip::Sip.probe(target, check).await,
    }
}
