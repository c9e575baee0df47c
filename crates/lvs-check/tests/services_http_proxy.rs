//! service=http_proxy against a real forward proxy from Debian 12
//! (tinyproxy) in a private network namespace, the origin being Python's
//! http.server; and the legacy ldirectord's verdict (LWP with the real as
//! its proxy) on the same proxy in the same state. Run as root:
//! `make checks-test`.

mod support;

use lvs_check::*;
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{free_port, in_private_netns, legacy, rt, spawn_server, wait_until_listening};

const TIMEOUT: Duration = Duration::from_secs(2);

fn spec(proxy: SocketAddr, url: &str, receive: Option<&str>) -> CheckSpec {
    CheckSpec {
        target: proxy,
        kind: CheckKind::HttpProxy {
            url: url.into(),
            method: HttpMethod::Get,
            receive: receive.map(|r| std::sync::Arc::new(regex::Regex::new(r).unwrap())),
        },
        check_timeout: TIMEOUT,
        negotiate_timeout: TIMEOUT,
    }
}

fn check(spec: &CheckSpec) -> Outcome {
    rt().block_on(run_check(spec))
}

/// tinyproxy in the foreground on 127.0.0.1:`port`, its config in `dir`.
fn tinyproxy(dir: &std::path::Path) -> support::Server {
    let port = free_port("127.0.0.1");
    let conf = dir.join("tinyproxy.conf");
    std::fs::write(
        &conf,
        format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 10\nMaxClients 20\n\
             LogLevel Info\nAllow 127.0.0.1\nDisableViaHeader Yes\n"
        ),
    )
    .unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let server = spawn_server(
        Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        addr,
    );
    wait_until_listening(addr);
    server
}

fn legacy_agrees(proxy: SocketAddr, url: &str, receive: &str, ours: &Outcome) {
    if !legacy::available() {
        return;
    }
    let lines = format!("service=http_proxy\nrequest=\"{url}\"\nreceive=\"{receive}\"\n");
    let (up, log) = legacy::verdict(&proxy.to_string(), &lines, Duration::from_secs(7));
    assert_eq!(
        up, ours.up,
        "legacy says up={up}, we say {ours:?}\n{lines}\nlegacy log:\n{log}"
    );
    assert!(
        log.contains("check_http"),
        "the legacy never checked:\n{log}"
    );
}

#[test]
#[ignore = "needs root and tinyproxy: make checks-test"]
fn http_proxy_through_tinyproxy() {
    in_private_netns(&["link set lo up"], || {
        let web = support::web_server("127.0.0.1", false);
        let dir = support::temp_dir();
        let proxy = tinyproxy(dir.path());
        let page = format!("http://{}/test.html", web.addr);

        // The page through the proxy, and its body matched.
        let ok = check(&spec(proxy.addr, &page, Some("test page")));
        assert!(ok.up, "{ok:?}");
        assert_eq!(ok.reason, "200 OK");
        legacy_agrees(proxy.addr, &page, "test page", &ok);

        // A wrong answer: the body does not match; a page that is missing
        // at the origin comes back as the proxy relays it (404).
        let wrong = check(&spec(proxy.addr, &page, Some("^nothing like it")));
        assert!(
            !wrong.up && wrong.reason.contains("does not match"),
            "{wrong:?}"
        );
        legacy_agrees(proxy.addr, &page, "^nothing like it", &wrong);
        let missing = format!("http://{}/missing.html", web.addr);
        let gone = check(&spec(proxy.addr, &missing, None));
        assert!(!gone.up && gone.reason.starts_with("404"), "{gone:?}");

        // The proxy is up but the origin is not: the proxy's error (5xx).
        let dead = format!("http://127.0.0.1:{}/test.html", free_port("127.0.0.1"));
        let bad_gateway = check(&spec(proxy.addr, &dead, None));
        assert!(
            !bad_gateway.up && bad_gateway.reason.starts_with('5'),
            "{bad_gateway:?}"
        );

        // A request that is not an absolute http URL is refused by us.
        let relative = check(&spec(proxy.addr, "test.html", None));
        assert!(
            !relative.up && relative.reason.contains("absolute"),
            "{relative:?}"
        );

        // A proxy that accepts and never answers: down at the timeout,
        // while a check of the good proxy at the same time is not held up.
        let hung = TcpListener::bind("127.0.0.1:0").unwrap();
        let hung_spec = spec(hung.local_addr().unwrap(), &page, None);
        let good = spec(proxy.addr, &page, Some("test page"));
        let (h, g) = rt().block_on(async {
            let started = Instant::now();
            let good = async {
                let o = run_check(&good).await;
                (o, started.elapsed())
            };
            let hung = async {
                let o = run_check(&hung_spec).await;
                (o, started.elapsed())
            };
            tokio::join!(hung, good)
        });
        assert!(!h.0.up && h.0.reason.contains("timed out"), "{:?}", h.0);
        assert!(h.1 >= TIMEOUT && h.1 < TIMEOUT + Duration::from_millis(500));
        assert!(g.0.up && g.1 < Duration::from_secs(1), "{g:?}");

        // A refused port.
        let closed: SocketAddr = ([127, 0, 0, 1], free_port("127.0.0.1")).into();
        let refused = check(&spec(closed, &page, None));
        assert!(
            !refused.up && refused.reason.contains("Connection refused"),
            "{refused:?}"
        );
        drop(proxy);
        drop(web);
    });
}
