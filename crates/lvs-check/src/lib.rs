//! ldirectord's health checks, one real server at a time.
//!
//! A check is a [`CheckSpec`] (what to contact and what counts as alive) run
//! by [`run_check`], which always returns within the spec's timeout with an
//! [`Outcome`] carrying the reason a real was judged down — the text that
//! goes into the log and the dashboard's timeline. Checks are async so that
//! thousands run concurrently on a few threads and a hung real server only
//! ever holds up its own check. Scheduling (when to check, failure counts,
//! the connect/negotiate alternation of `checktype=N` kept by
//! [`NegotiateEvery`]) and what to do with the result belong to the daemon.

mod connect;
mod external;
mod http;
mod http_exchange;
mod http_response;
mod http_url;
mod icmp_packet;
mod negotiate_every;
mod outcome;
mod ping;
mod services;
mod simpletcp;
mod spec;
mod tls;

pub use negotiate_every::{NegotiateEvery, Phase};
pub use outcome::Outcome;
pub use spec::{CheckKind, CheckSpec, HttpMethod, Service, ServiceCheck, VirtualId};

use std::future::Future;
use std::time::Duration;

/// Runs one check; never takes longer than the spec's timeout (an external
/// check: plus at most 50 ms to reap the process it killed at timeout).
pub async fn run_check(spec: &CheckSpec) -> Outcome {
    let limit = spec.timeout();
    match &spec.kind {
        CheckKind::On => Outcome::up("checktype=on"),
        CheckKind::Off => Outcome::down("checktype=off"),
        CheckKind::Connect => bounded(limit, connect::check(spec)).await,
        CheckKind::UdpConnect => bounded(limit, connect::check_udp(spec)).await,
        CheckKind::Http { .. } | CheckKind::Https { .. } | CheckKind::HttpProxy { .. } => {
            bounded(limit, http::check(spec)).await
        }
        CheckKind::SimpleTcp { .. } => bounded(limit, simpletcp::check(spec)).await,
        CheckKind::Service(check) => bounded(limit, services::probe(spec.target, check)).await,
        // These two keep their own deadlines, for a reason that says which
        // attempt timed out, and so that a killed command is reaped.
        CheckKind::Ping { .. } => ping::check(spec).await,
        CheckKind::External { .. } => external::check(spec).await,
    }
}

async fn bounded(limit: Duration, check: impl Future<Output = Outcome>) -> Outcome {
    match tokio::time::timeout(limit, check).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::down(format!("timed out after {:.1} s", limit.as_secs_f64())),
    }
}
