//! The table build and steady state with many reals in one virtual service
//! (issue 15), driving `Director` directly: no kernel, no checks, no I/O.
//!
//! `cargo bench -p director --bench one_virtual -- [N ...]` (default 10000).
//! Each N: start plus every real's first (successful) check result, then N
//! more results with 1% flipping state, then a reload that changes one
//! real's weight. Prints wall-clock times.

use director::{plan, Action, Director};
use ha_config::ldirectord::{parse, EtcFiles};
use ipvs::Table;
use std::fmt::Write;
use std::time::Instant;

fn config(n: usize, weight0: u32) -> String {
    let mut cf =
        String::from("checktimeout=3\ncheckinterval=1\nquiescent=yes\nvirtual=10.0.0.1:80\n");
    for i in 0..n {
        let w = if i == 0 { weight0 } else { 1 };
        let _ = writeln!(
            cf,
            "\treal=10.{}.{}.{}:80 gate {w}",
            1 + i / 65536,
            (i / 256) % 256,
            i % 256
        );
    }
    cf.push_str("\tfallback=127.0.0.1:80 gate\n\tservice=http\n\tscheduler=wrr\n\tprotocol=tcp\n\tchecktype=connect\n");
    cf
}

fn director_plan(n: usize, weight0: u32) -> plan::Plan {
    let cf = config(n, weight0);
    let parsed = parse(&cf, "ldirectord.cf").unwrap_or_else(|e| panic!("{e}"));
    let names = EtcFiles::new("", "http 80/tcp\n");
    plan::build(&parsed.value, &names).expect("plan")
}

fn count(actions: &[Action]) -> (usize, usize) {
    let ops = actions
        .iter()
        .map(|a| match a {
            Action::Apply(o) => o.len(),
            _ => 0,
        })
        .sum();
    let logs = actions
        .iter()
        .filter(|a| matches!(a, Action::Log(_)))
        .count();
    (ops, logs)
}

fn run(n: usize) {
    let t = Instant::now();
    let p = director_plan(n, 1);
    let checks: Vec<usize> = p.virtuals[0]
        .reals
        .iter()
        .map(|r| r.check.expect("check"))
        .collect();
    let mut d = Director::new(p);
    println!("n={n}: plan built in {:?}", t.elapsed());

    let t = Instant::now();
    let (mut ops, mut logs) = count(&d.start(&Table::default()));
    let mut up = vec![true; n];
    for &c in &checks {
        let (o, l) = count(&d.on_check(c, true));
        ops += o;
        logs += l;
    }
    println!(
        "n={n}: table build (start + {n} first results): {:?} ({ops} ops, {logs} log lines)",
        t.elapsed()
    );

    // Deterministic 1% flips (an LCG, so runs compare).
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let t = Instant::now();
    let (mut ops, mut logs) = (0, 0);
    for i in 0..n {
        let ri = i % n;
        if next() % 100 == 0 {
            up[ri] = !up[ri];
        }
        let (o, l) = count(&d.on_check(checks[ri], up[ri]));
        ops += o;
        logs += l;
    }
    println!(
        "n={n}: {n} more results, 1% flips: {:?} ({ops} ops, {logs} log lines)",
        t.elapsed()
    );

    let p = director_plan(n, 5);
    let t = Instant::now();
    let a = d.reload(p);
    let (ops, logs) = count(&a);
    println!(
        "n={n}: reload changing one weight: {:?} ({ops} ops, {logs} log lines)",
        t.elapsed()
    );
    for a in a.iter().take(3) {
        println!("    {a:?}");
    }
}

fn main() {
    let ns: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    for n in if ns.is_empty() { vec![10_000] } else { ns } {
        run(n);
    }
}
