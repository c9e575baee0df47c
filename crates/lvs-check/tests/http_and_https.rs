//! service=http and service=https against Python's http.server (with and
//! without TLS, a certificate made by rcgen at test time), on loopback.

mod support;

use lvs_check::*;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::{in_private_netns, nft, nft_counters, rt, web_server};

fn spec(tls: bool, target: SocketAddr, path: &str, receive: Option<&str>) -> CheckSpec {
    let (path, receive) = (
        path.to_string(),
        receive.map(|r| std::sync::Arc::new(regex::Regex::new(r).unwrap())),
    );
    let (virtualhost, method) = (None, HttpMethod::Get);
    CheckSpec {
        target,
        kind: if tls {
            CheckKind::Https {
                path,
                virtualhost,
                method,
                receive,
            }
        } else {
            CheckKind::Http {
                path,
                virtualhost,
                method,
                receive,
            }
        },
        check_timeout: Duration::from_secs(2),
        negotiate_timeout: Duration::from_secs(3),
    }
}

fn with_virtualhost(mut s: CheckSpec, vhost: &str) -> CheckSpec {
    if let CheckKind::Http { virtualhost, .. } | CheckKind::Https { virtualhost, .. } = &mut s.kind
    {
        *virtualhost = Some(vhost.to_string());
    }
    s
}

fn with_head(mut s: CheckSpec) -> CheckSpec {
    if let CheckKind::Http { method, .. } | CheckKind::Https { method, .. } = &mut s.kind {
        *method = HttpMethod::Head;
    }
    s
}

/// The verdicts the legacy gives, over TLS and without.
fn verdicts(tls: bool, ip: &str) {
    let web = web_server(ip, tls);
    let rt = rt();
    let run = |s: CheckSpec| rt.block_on(run_check(&s));
    let up = run(spec(tls, web.addr, "/test.html", Some("test page")));
    assert_eq!(up, Outcome::up("200 OK"));
    let wrong = run(spec(tls, web.addr, "/test.html", Some("^welcome")));
    assert!(
        !wrong.up && wrong.reason.contains("does not match"),
        "{wrong:?}"
    );
    let missing = run(spec(tls, web.addr, "/nope.html", None));
    assert!(
        !missing.up && missing.reason.starts_with("404"),
        "{missing:?}"
    );
    // HEAD: no body, so only a check without `receive` can pass.
    assert!(run(with_head(spec(tls, web.addr, "/test.html", None))).up);
    assert!(!run(with_head(spec(tls, web.addr, "/test.html", Some("test")))).up);
}

#[test]
fn https_verdicts_with_a_self_signed_certificate() {
    verdicts(true, "127.0.0.1");
}

#[test]
fn https_over_ipv6() {
    verdicts(true, "::1");
}

#[test]
fn http_verdicts() {
    verdicts(false, "127.0.0.1");
}

#[test]
fn the_request_line_host_header_and_sni() {
    let web = web_server("127.0.0.1", true);
    let rt = rt();
    let run = |s: CheckSpec| rt.block_on(run_check(&s));
    // Host is the real's IP, without a port; an IP is never sent as SNI.
    let plain = run(spec(
        true,
        web.addr,
        "whoami",
        Some("(?m)^GET HTTP/1.1 host=127.0.0.1 sni=None$"),
    ));
    assert!(plain.up, "{plain:?}");
    let vhost = with_virtualhost(
        spec(
            true,
            web.addr,
            "/whoami",
            Some("host=www.example.test sni=www.example.test"),
        ),
        "www.example.test",
    );
    assert!(run(vhost).up);
}

#[test]
fn redirects_are_followed_with_the_host_of_the_new_url() {
    for tls in [false, true] {
        let web = web_server("127.0.0.1", tls);
        let rt = rt();
        let run = |s: CheckSpec| rt.block_on(run_check(&s));
        // http.server answers a directory without its slash with a 301.
        assert!(run(spec(tls, web.addr, "/sub", Some("index page"))).up);
        // LWP drops the configured Host on a redirect: the URL's is sent.
        let port = web.addr.port();
        let moved = with_virtualhost(
            spec(
                tls,
                web.addr,
                "/to-whoami",
                Some(&format!("host=127.0.0.1:{port} ")),
            ),
            "www.example.test",
        );
        assert!(run(moved).up);
        let looping = run(spec(tls, web.addr, "/loop", None));
        assert_eq!(looping, Outcome::down("302 Found"));
    }
}

#[test]
fn bodies_are_framed_not_read_to_the_close() {
    for tls in [false, true] {
        let web = web_server("127.0.0.1", tls);
        let rt = rt();
        let start = Instant::now();
        let out = rt.block_on(run_check(&spec(
            tls,
            web.addr,
            "/linger",
            Some("linger test"),
        )));
        assert!(out.up, "{out:?}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        let chunked = rt.block_on(run_check(&spec(
            tls,
            web.addr,
            "/chunked",
            Some("^chunked test\n$"),
        )));
        assert!(chunked.up, "{chunked:?}");
    }
}

#[test]
fn the_wrong_protocol_is_down_not_a_hang() {
    let tls_server = web_server("127.0.0.1", true);
    let plain_server = web_server("127.0.0.1", false);
    let rt = rt();
    let start = Instant::now();
    let tls_to_plain = rt.block_on(run_check(&spec(true, plain_server.addr, "/", None)));
    assert!(
        !tls_to_plain.up && tls_to_plain.reason.contains("TLS"),
        "{tls_to_plain:?}"
    );
    let plain_to_tls = rt.block_on(run_check(&spec(false, tls_server.addr, "/", None)));
    assert!(!plain_to_tls.up, "{plain_to_tls:?}");
    assert!(start.elapsed() < Duration::from_secs(7));
}

#[test]
fn https_to_a_refused_port_is_down_at_once() {
    let port = support::free_port("127.0.0.1");
    let target: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    let out = rt().block_on(run_check(&spec(true, target, "/", None)));
    assert!(!out.up && out.reason.contains("refused"), "{out:?}");
    assert!(start.elapsed() < Duration::from_secs(1));
}

/// What an http check sends the real server, counted by nftables in a
/// private namespace: the request carries the handshake's last ACK (no
/// bare ACK as the second segment), and the close is a reset, not a FIN,
/// so the real keeps no TIME_WAIT socket for each check.
#[test]
fn an_http_check_sends_no_bare_handshake_ack_and_no_fin() {
    in_private_netns(&["link set lo up"], || {
        let web = web_server("127.0.0.1", false);
        let port = web.addr.port();
        let rules = [
            "ct original packets 2 tcp flags & (syn | fin | rst | psh) == 0",
            "ct original packets 2 tcp flags & psh == psh",
            "tcp flags & fin == fin",
            "tcp flags & rst == rst",
        ];
        let mut script = "add table inet t; \
            add chain inet t out { type filter hook output priority 0; }; "
            .to_string();
        for r in rules {
            script += &format!("add rule inet t out tcp dport {port} {r} counter; ");
        }
        nft(&script);
        // Per connection counters, for the rules that name a packet's
        // place in its connection; per namespace, and set before the
        // connection is tracked.
        std::fs::write("/proc/sys/net/netfilter/nf_conntrack_acct", "1").unwrap();
        let out = rt().block_on(run_check(&spec(
            false,
            web.addr,
            "/test.html",
            Some("test"),
        )));
        assert_eq!(out, Outcome::up("200 OK"));
        // The server's side of the reset has arrived once the check ends.
        let listed = nft("list chain inet t out");
        let counts = nft_counters(&listed);
        assert_eq!(
            counts,
            ["0", "1", "0", "1"],
            "bare second ACK, request second, FIN, reset:\n{listed}"
        );
    });
}
