//! checktype=N against a real web server: the phases NegotiateEvery picks,
//! run by run_check_in, and the verdicts each phase gives.

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
            receive: Some(regex::Regex::new("test page").unwrap()),
        },
        check_timeout: Duration::from_secs(2),
        negotiate_timeout: Duration::from_secs(2),
    };
    let runs = |spec: &CheckSpec, every: &mut NegotiateEvery, n: usize| {
        (0..n)
            .map(|_| {
                let phase = every.next_phase();
                let out = rt.block_on(run_check_in(spec, phase));
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
