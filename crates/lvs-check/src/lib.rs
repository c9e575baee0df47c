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
mod half_open;
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
mod sockopt;
mod spec;
mod spec_eq;
mod tls;

pub use half_open::segment as syn_segment;
pub use negotiate_every::{NegotiateEvery, Phase};
pub use outcome::Outcome;
pub use spec::{CheckKind, CheckSpec, HttpMethod, Service, ServiceCheck, VirtualId};

use std::future::Future;
use std::time::Duration;

/// Runs one check; never takes longer than the spec's timeout (an external
/// check: plus at most 50 ms to reap the process it killed at timeout).
///
/// Every kind but a connect check runs boxed: the future of this function
/// is as large as its largest arm (several kB for TLS), and ten thousand
/// reals at `checkinterval=1` keep thousands of checks in flight, nearly
/// all of them connects of a few hundred bytes.
pub async fn run_check(spec: &CheckSpec) -> Outcome {
    let limit = spec.timeout();
    match &spec.kind {
        CheckKind::On => Outcome::up("checktype=on"),
        CheckKind::Off => Outcome::down("checktype=off"),
        CheckKind::Connect => bounded(limit, connect::check(spec)).await,
        CheckKind::UdpConnect => Box::pin(bounded(limit, connect::check_udp(spec))).await,
        CheckKind::Http { .. } | CheckKind::Https { .. } | CheckKind::HttpProxy { .. } => {
            Box::pin(bounded(limit, http::check(spec))).await
        }
        CheckKind::SimpleTcp { .. } => Box::pin(bounded(limit, simpletcp::check(spec))).await,
        CheckKind::Service(check) => {
            Box::pin(bounded(limit, services::probe(spec.target, check))).await
        }
        // These two keep their own deadlines, for a reason that says which
        // attempt timed out, and so that a killed command is reaped.
        CheckKind::Ping { .. } => Box::pin(ping::check(spec)).await,
        CheckKind::External { .. } => Box::pin(external::check(spec)).await,
    }
}

async fn bounded(limit: Duration, check: impl Future<Output = Outcome>) -> Outcome {
    match tokio::time::timeout(limit, check).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::down(format!("timed out after {:.1} s", limit.as_secs_f64())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Future sizes are fixed at compile time: any spec will do.
    fn any_spec() -> CheckSpec {
        CheckSpec {
            target: "127.0.0.1:80".parse().unwrap(),
            kind: CheckKind::Connect,
            check_timeout: Duration::from_secs(1),
            negotiate_timeout: Duration::from_secs(1),
        }
    }

    /// What each connect check in flight costs the daemon: the future of
    /// `run_check` for it (9 kB before the other kinds were boxed).
    #[test]
    fn a_connect_check_in_flight_is_small() {
        let spec = any_spec();
        let size = std::mem::size_of_val(&run_check(&spec));
        assert!(size <= 2048, "run_check's future is {size} bytes");
    }

    /// And each http check in flight: the boxed arm of `run_check` (5 kB
    /// while it held the TLS state of an https check too).
    #[test]
    fn an_http_check_in_flight_is_small() {
        let spec = any_spec();
        let size = std::mem::size_of_val(&bounded(spec.timeout(), http::check(&spec)));
        assert!(size <= 2048, "an http check's future is {size} bytes");
    }
}
