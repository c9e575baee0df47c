//! The issue-4 benchmark against the real kernel (run inside the VM by
//! `make bench-ipvs`; on a host without IPVS it says so and exits 0).
//!
//! (a) load 10,000 services x 2 reals from empty through this crate, then
//!     dump it; (b) the same table with `ipvsadm -R`, then `ipvsadm -Ln`;
//! (c) 1,000 weight edits the legacy way, one `ipvsadm -e` process each;
//! (d) the same edits through the diff engine: as one reconciliation, and
//!     as 1,000 single-service reconciliations.
//! Each phase runs in its own network namespace, so each starts empty.

use ipvs::listing::{list_all, Format, Numeric};
use ipvs::*;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERVICES: u32 = 10_000;
const EDITS: u32 = 1_000;

fn vip(i: u32) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)), 80),
    }
}

fn rip(i: u32, r: u32) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + i * 2 + r)), 80)
}

/// The table, with the first `edited` services' first real at weight 0.
fn table(edited: u32) -> Table {
    Table::from_services((0..SERVICES).map(|i| {
        let dests = (0..2)
            .map(|r| {
                let w = if r == 0 && i < edited { 0 } else { 1 };
                Dest::new(rip(i, r), DestConf::new(Forward::Route, w))
            })
            .collect();
        Service::new(vip(i), ServiceConf::with_scheduler("wlc"), dests)
    }))
}

fn in_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        // SAFETY: unshare changes only this thread's network namespace.
        assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0, "unshare");
        let up = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status();
        assert!(up.map(|s| s.success()).unwrap_or(false));
        f()
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn ipvsadm_restore(text: &str) {
    let mut child = Command::new("ipvsadm")
        .arg("-R")
        .stdin(Stdio::piped())
        .spawn()
        .expect("ipvsadm -R");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("feed ipvsadm -R");
    assert!(child.wait().expect("ipvsadm -R").success());
}

fn main() {
    if Ipvs::open().is_err() {
        println!("kernel_bench: this kernel has no IPVS; run `make bench-ipvs` (boots the VM)");
        return;
    }
    let desired = table(0);
    let services: Vec<Service> = desired.services.values().cloned().collect();
    let save = list_all(
        None,
        &services,
        &Format {
            numeric: true,
            rule: true,
            ..Format::default()
        },
        &Numeric,
    );
    println!(
        "table: {SERVICES} services x 2 reals ({} lines of ipvsadm -S)",
        save.lines().count()
    );

    // (a) this crate
    let d = desired.clone();
    let (load_a, dump_a, list_a) = in_netns(move || {
        let mut ipvs = Ipvs::open().expect("IPVS");
        let t = Instant::now();
        let report = ipvs.apply(&diff(&d, &Table::default())).expect("apply");
        let load = t.elapsed();
        assert!(report.failed.is_empty(), "{:?}", report.failed.first());
        let t = Instant::now();
        let dumped = ipvs.dump_services().expect("dump");
        let dump = t.elapsed();
        assert_eq!(dumped.len(), SERVICES as usize);
        let t = Instant::now();
        let info = ipvs.info().expect("info");
        let dumped = ipvs.dump_services().expect("dump");
        let text = list_all(
            Some(&info),
            &dumped,
            &Format {
                numeric: true,
                ..Format::default()
            },
            &Numeric,
        );
        std::hint::black_box(text);
        (load, dump, t.elapsed())
    });

    // (b) ipvsadm -R, then ipvsadm -Ln
    let text = save.clone();
    let (load_b, list_b) = in_netns(move || {
        let t = Instant::now();
        ipvsadm_restore(&text);
        let load = t.elapsed();
        let t = Instant::now();
        let out = Command::new("ipvsadm")
            .arg("-Ln")
            .output()
            .expect("ipvsadm -Ln");
        let list = t.elapsed();
        assert_eq!(
            out.stdout.iter().filter(|&&b| b == b'\n').count(),
            3 + 3 * SERVICES as usize
        );
        (load, list)
    });

    // (c) the legacy way: one ipvsadm -e process per edit
    let text = save.clone();
    let edit_c = in_netns(move || {
        ipvsadm_restore(&text);
        let t = Instant::now();
        for i in 0..EDITS {
            let svc = match vip(i) {
                ServiceKey::Addr { addr, .. } => addr.to_string(),
                ServiceKey::FwMark { .. } => unreachable!(),
            };
            let st = Command::new("ipvsadm")
                .args([
                    "-e",
                    "-t",
                    &svc,
                    "-r",
                    &rip(i, 0).to_string(),
                    "-g",
                    "-w",
                    "0",
                ])
                .status()
                .expect("ipvsadm -e");
            assert!(st.success());
        }
        t.elapsed()
    });

    // (d) the diff engine: one reconciliation, and one per edit
    let text = save.clone();
    let (edit_d1, edit_d2, ops_d1) = in_netns(move || {
        ipvsadm_restore(&text);
        let mut ipvs = Ipvs::open().expect("IPVS");
        let current = table(0);
        let wanted = table(EDITS);
        let t = Instant::now();
        let ops = diff(&wanted, &current);
        let report = ipvs.apply(&ops).expect("apply");
        let d1 = t.elapsed();
        assert!(report.failed.is_empty() && ops.len() == EDITS as usize);
        // Back to weight 1, one virtual service at a time, as a reconciler
        // reacting to single check results does.
        let t = Instant::now();
        for i in 0..EDITS {
            let before = Table::from_services([wanted.services[&vip(i)].clone()]);
            let after = Table::from_services([current.services[&vip(i)].clone()]);
            let ops = diff(&after, &before);
            let report = ipvs.apply(&ops).expect("apply");
            assert!(report.failed.is_empty() && ops.len() == 1);
        }
        (d1, t.elapsed(), ops.len())
    });

    println!();
    println!(
        "(a) this crate: load from empty      {:>10.1} ms",
        ms(load_a)
    );
    println!(
        "    this crate: dump (netlink)       {:>10.1} ms",
        ms(dump_a)
    );
    println!(
        "    this crate: dump + -Ln text      {:>10.1} ms",
        ms(list_a)
    );
    println!(
        "(b) ipvsadm -R                       {:>10.1} ms",
        ms(load_b)
    );
    println!(
        "    ipvsadm -Ln                      {:>10.1} ms",
        ms(list_b)
    );
    println!(
        "    load ratio (b)/(a)               {:>10.2} x",
        ms(load_b) / ms(load_a)
    );
    println!(
        "    listing ratio ipvsadm/ours       {:>10.2} x",
        ms(list_b) / ms(list_a)
    );
    println!(
        "(c) {EDITS} x ipvsadm -e processes     {:>10.1} ms",
        ms(edit_c)
    );
    println!(
        "(d) diff engine, one reconciliation  {:>10.1} ms ({ops_d1} ops)",
        ms(edit_d1)
    );
    println!(
        "    diff engine, {EDITS} single ones    {:>10.1} ms",
        ms(edit_d2)
    );
    println!(
        "    ratio (c)/(d) one reconciliation {:>10.1} x",
        ms(edit_c) / ms(edit_d1)
    );
    println!(
        "    ratio (c)/(d) single ones        {:>10.1} x",
        ms(edit_c) / ms(edit_d2)
    );
}
