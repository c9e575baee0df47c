//! checktype=N against real servers: the phases NegotiateEvery picks, the
//! checks it gives for them, and the verdicts each phase gives.

mod support;

use lvs_check::*;
use std::time::Duration;
use support::{rt, web_server};

#[test]
fn connects_between_negotiates_and_negotiate_again_while_it_fails() {
    let web = web_server("127.0.0.1", false);
    let rt = rt();
    let spec = |path: &str| CheckSpec {
        target: web.addr,
        kind: CheckKind::Http {
            path: path.into(),
            virtualhost: None,
            method: HttpMethod::Get,
            receive: Some(std::sync::Arc::new(regex::Regex::new("test page").unwrap())),
        },
        check_timeout: Duration::from_secs(2),
        negotiate_timeout: Duration::from_secs(2),
    };
    let runs = |spec: &CheckSpec, every: &mut NegotiateEvery, n: usize| {
        (0..n)
            .map(|_| {
                let phase = every.next_phase();
                let out = rt.block_on(run_check(&every.check(phase, spec)));
                every.record(phase, out.up);
                (phase, out.up)
            })
            .collect::<Vec<_>>()
    };
    use Phase::{Connect as C, Negotiate as N};
    let mut every = NegotiateEvery::new(2);
    let good = spec("/test.html");
    assert_eq!(
        runs(&good, &mut every, 4),
        [(N, true), (C, true), (C, true), (N, true)]
    );
    // The page goes missing: the port still connects, so the next connect
    // passes, and then every run negotiates until the page is back.
    let broken = spec("/gone.html");
    assert_eq!(
        runs(&broken, &mut every, 4),
        [(C, true), (C, true), (N, false), (N, false)]
    );
    assert_eq!(runs(&good, &mut every, 2), [(N, true), (C, true)]);
}

/// A UDP service often has nothing on TCP (RADIUS, many DNS and SIP
/// servers). The legacy's connect step opens a socket of the virtual's
/// protocol, and connecting a UDP socket sends nothing: the real stays up
/// between negotiates. A TCP connect step would drop it every time.
#[test]
fn the_connect_step_of_a_udp_service_is_a_udp_connect() {
    // The port is taken for UDP only; nothing accepts TCP on it.
    let udp_only = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let spec = CheckSpec {
        target: udp_only.local_addr().unwrap(),
        // service=none: the negotiate step always passes.
        kind: CheckKind::On,
        check_timeout: Duration::from_secs(2),
        negotiate_timeout: Duration::from_secs(2),
    };
    let rt = rt();
    let runs = |mut every: NegotiateEvery| {
        (0..4)
            .map(|_| {
                let phase = every.next_phase();
                let out = rt.block_on(run_check(&every.check(phase, &spec)));
                every.record(phase, out.up);
                (phase, out.up)
            })
            .collect::<Vec<_>>()
    };
    use Phase::{Connect as C, Negotiate as N};
    assert_eq!(
        runs(NegotiateEvery::new(1).over_udp()),
        [(N, true), (C, true), (N, true), (C, true)]
    );
    // What a TCP service's connect step makes of the same port.
    assert_eq!(
        runs(NegotiateEvery::new(1)),
        [(N, true), (C, false), (N, true), (C, false)]
    );
}
