//! The history graphs with hours of data, in a real browser.
//!
//! Twenty hours of traffic of a known shape (traffic.rs: bursts on web1,
//! another level on web2, the daemon down for an hour and for 3 minutes)
//! go through the daemon's own path: every 5 s of an injected clock the
//! kernel's table as a dump gives it (rates and counters), joined with
//! the configuration by `model::views` and recorded by
//! `History::record_views` into the real store in a temporary directory.
//! The dashboard's own `Site` and HTTP server then serve the page on a
//! loopback port as of the end of those hours, and Debian's chromium
//! loads it: the page must link every graph; each graph's DOM must have
//! its connections/s line exactly where the traffic was (lines.rs); the
//! hour and day graphs as painted must show it there too (pixels.rs); and
//! the page's screenshot must contain those graphs as painted alone.
//! Screenshots: target/dashboard/history-*.png.

mod browser;
mod drawn;
mod lines;
mod pixels;
mod traffic;

use ipvs::{Dest, DestConf, Forward, Protocol, Service, ServiceConf, ServiceKey, Stats, Table};
use lvs_dashboard::history::History;
use lvs_dashboard::http::{self, Limits};
use lvs_dashboard::model::{views, ConfiguredReal, ConfiguredVirtual, Snapshot, VirtualView};
use lvs_dashboard::site::Site;
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use traffic::{Who, END, RANGES, REFRESH, WHO};

const VIP: &str = "10.9.0.100:80";
const WEB1: &str = "10.9.0.2:80";
const WEB2: &str = "10.9.0.3:80";

fn key() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: VIP.parse().unwrap(),
    }
}

fn configured() -> Vec<ConfiguredVirtual> {
    vec![ConfiguredVirtual {
        key: key(),
        name: format!("TCP {VIP}"),
        reals: [WEB1, WEB2]
            .iter()
            .map(|a| ConfiguredReal {
                addr: a.parse().unwrap(),
                check: None,
            })
            .collect(),
        fallback: None,
    }]
}

/// The page's label of each graph row.
fn label(who: Who) -> String {
    match who {
        Who::Virtual => format!("TCP {VIP}"),
        Who::Web1 => format!("TCP {VIP} → {WEB1}"),
        Who::Web2 => format!("TCP {VIP} → {WEB2}"),
    }
}

/// What the kernel keeps per real: counters since the start, and the
/// rates its estimator gives (the history must graph the rates).
fn stats(counters: &mut Stats, cps: u64, secs: u64) -> Stats {
    counters.conns += cps * secs;
    counters.inpkts += 5 * cps * secs;
    counters.outpkts += 4 * cps * secs;
    counters.inbytes += 400 * cps * secs;
    counters.outbytes += 9000 * cps * secs;
    Stats {
        cps,
        inpps: 5 * cps,
        outpps: 4 * cps,
        inbps: 400 * cps,
        outbps: 9000 * cps,
        ..*counters
    }
}

fn add(a: &Stats, b: &Stats) -> Stats {
    Stats {
        conns: a.conns + b.conns,
        inpkts: a.inpkts + b.inpkts,
        outpkts: a.outpkts + b.outpkts,
        inbytes: a.inbytes + b.inbytes,
        outbytes: a.outbytes + b.outbytes,
        cps: a.cps + b.cps,
        inpps: a.inpps + b.inpps,
        outpps: a.outpps + b.outpps,
        inbps: a.inbps + b.inbps,
        outbps: a.outbps + b.outbps,
    }
}

/// The table as a dump at `t` returns it.
fn table_at(t: u64, counters: &mut [Stats; 2]) -> Table {
    let dest = |addr: &str, s: Stats, cps: u64| {
        let mut d = Dest::new(addr.parse().unwrap(), DestConf::new(Forward::Masq, 1));
        d.stats = s;
        d.active_conns = 2 * cps as u32;
        d.inactive_conns = cps as u32;
        d
    };
    let (c1, c2) = (traffic::cps(Who::Web1, t), traffic::cps(Who::Web2, t));
    let s1 = stats(&mut counters[0], c1, REFRESH);
    let s2 = stats(&mut counters[1], c2, REFRESH);
    let mut service = Service::new(
        key(),
        ServiceConf::with_scheduler("wrr"),
        vec![dest(WEB1, s1, c1), dest(WEB2, s2, c2)],
    );
    service.stats = add(&s1, &s2);
    Table::from_services([service])
}

struct Served {
    base: String,
    _dir: tempfile::TempDir,
}

/// Records the traffic as the daemon would, then serves the page as it
/// is at [`END`].
fn record_and_serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let site = Arc::new(Site::new(History::new(dir.path()).unwrap()));
    let configured = configured();
    let mut counters = [Stats::default(), Stats::default()];
    let mut last: (u64, Vec<VirtualView>) = (0, Vec::new());
    for t in traffic::ticks() {
        let table = table_at(t, &mut counters);
        let virtuals = views(&configured, &table, &[]);
        site.with_history(|h| h.record_views(t, &virtuals)).unwrap();
        last = (t, virtuals);
    }
    site.publish(Snapshot {
        taken_at: last.0,
        host: "history-test".into(),
        virtuals: last.1,
        ..Default::default()
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    http::spawn(
        listener,
        Limits::default(),
        Arc::new(move |p: &str| site.respond(p, END)),
    )
    .unwrap();
    Served {
        base: format!("http://{addr}"),
        _dir: dir,
    }
}

/// Graph label → its images' sources, from the page's DOM.
fn graph_sources(page: &str) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for part in page.split("<h3>").skip(1) {
        let label = part[..part.find("</h3>").unwrap()].replace("&gt;", ">");
        let div = &part[..part.find("</div>").unwrap_or(part.len())];
        let srcs = div
            .split(" src=\"")
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
            .collect();
        out.insert(label, srcs);
    }
    out
}

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn name(who: Who) -> &'static str {
    match who {
        Who::Virtual => "virtual",
        Who::Web1 => "web1",
        Who::Web2 => "web2",
    }
}

#[test]
#[ignore = "needs chromium (Debian package): make dashboard-test"]
fn history_graphs_draw_the_traffic_where_it_was() {
    let served = record_and_serve();
    let chromium = browser::Chromium::new();
    let out = out_dir();
    let page_url = format!("{}/lvs/", served.base);
    let page = chromium.dump_dom(&page_url);
    let sources = graph_sources(&page);
    let page_png = out.join("history-page.png");
    let page_shot = chromium.screenshot(&page_url, 1800, 1900, &page_png);
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for who in WHO {
        let srcs = sources
            .get(&label(who))
            .unwrap_or_else(|| panic!("no graphs for {} on the page", label(who)));
        for range in RANGES {
            let what = format!("{} {}", name(who), range.name);
            let src = srcs
                .iter()
                .find(|s| s.ends_with(&format!("/{}.svg", range.name)))
                .unwrap_or_else(|| panic!("{what}: no image in {srcs:?}"));
            let url = format!("{}{src}", served.base);
            let graph = drawn::parse(&chromium.dump_dom(&url));
            match lines::check(who, &graph, range) {
                Ok(s) => report.push(format!("{what} (DOM): {s}")),
                Err(e) => failures.push(format!("{what} (DOM): {e}")),
            }
            if !["hour", "day"].contains(&range.name) {
                continue;
            }
            let png = out.join(format!("history-{}-{}.png", name(who), range.name));
            let (w, h) = (graph.width as u32, graph.height as u32);
            let shot = chromium.screenshot(&url, w, h, &png);
            match pixels::check(who, &graph, range, &shot) {
                Ok(s) => report.push(format!("{what} (painted): {s}")),
                Err(e) => failures.push(format!("{what} (painted, {}): {e}", png.display())),
            }
            match pixels::find_in(&page_shot, &shot) {
                Some((x, y)) => report.push(format!("{what}: on the page at {x},{y}")),
                None => failures.push(format!(
                    "{what}: not on the page as painted alone ({})",
                    page_png.display()
                )),
            }
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n(passed: {})",
        failures.join("\n"),
        report.len()
    );
}
