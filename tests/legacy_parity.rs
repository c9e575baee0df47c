//! Parity with the legacy daemons: for every file in compat-configs/, our
//! parser accepts exactly when the real heartbeat 3.0.6 / ldirectord 4.12 does,
//! and for a rejection the line agrees where the legacy names one.
//!
//! Needs root, `unshare`, and Debian's heartbeat + ldirectord packages, so it
//! is `#[ignore]`d in plain `cargo test`; `make parity` (part of `make test`)
//! runs it.

use linux_ha_rs_tests::legacy::{heartbeat_verdict, ldirectord_verdict, Verdict};
use linux_ha_rs_tests::{heartbeat_cases, installed_copy, ldirectord_cases};
use std::sync::mpsc;
use std::thread;

/// Runs `f` over the cases on a few threads: each legacy run waits seconds for
/// the daemon, not CPU.
fn parallel<T: Send + Clone + 'static, R: Send + 'static>(cases: Vec<T>, f: fn(T) -> R) -> Vec<R> {
    let (tx, rx) = mpsc::channel();
    let chunks: Vec<Vec<(usize, T)>> = {
        let mut v: Vec<Vec<(usize, T)>> = (0..6).map(|_| Vec::new()).collect();
        for (i, c) in cases.into_iter().enumerate() {
            v[i % 6].push((i, c));
        }
        v
    };
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let tx = tx.clone();
            thread::spawn(move || {
                for (i, c) in chunk {
                    tx.send((i, f(c))).expect("send");
                }
            })
        })
        .collect();
    drop(tx);
    let mut out: Vec<(usize, R)> = rx.iter().collect();
    for h in handles {
        h.join().expect("worker");
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

#[test]
#[ignore = "needs root and the legacy daemons; run by `make parity`"]
fn heartbeat_parity() {
    let results = parallel(heartbeat_cases(), |case| {
        let copy = installed_copy(&case.dir);
        let legacy = heartbeat_verdict(copy.path());
        let ours = ha_config::heartbeat_dir::load(copy.path());
        (case, legacy, ours)
    });
    let mut failures = Vec::new();
    for (case, legacy, ours) in &results {
        let legacy = match legacy {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: oracle failed: {e}", case.name));
                continue;
            }
        };
        let ours_ok = ours.is_ok();
        println!(
            "{:<50} legacy={:<8} ours={}",
            case.name,
            if legacy.accepted() {
                "accept"
            } else {
                "reject"
            },
            if ours_ok { "accept" } else { "reject" }
        );
        if legacy.accepted() != ours_ok {
            let detail = match (legacy, ours) {
                (Verdict::Reject(m), Ok(_)) => format!("legacy rejects ({m}), we accept"),
                (Verdict::Accept, Err(e)) => format!("legacy accepts, we reject:\n{e}"),
                _ => String::new(),
            };
            failures.push(format!("{}: {detail}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
#[ignore = "needs root and the legacy daemons; run by `make parity`"]
fn ldirectord_parity() {
    let results = parallel(ldirectord_cases(), |case| {
        let legacy = ldirectord_verdict(&case.file);
        let ours = ha_config::ldirectord::load_resolved(
            &case.file,
            &ha_config::ldirectord::EtcFiles::system(),
        );
        (case, legacy, ours)
    });
    let mut failures = Vec::new();
    for (case, legacy, ours) in &results {
        let legacy = match legacy {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: oracle failed: {e}", case.name));
                continue;
            }
        };
        println!(
            "{:<50} legacy={:<8} ours={}",
            case.name,
            if legacy.accepted() {
                "accept"
            } else {
                "reject"
            },
            if ours.is_ok() { "accept" } else { "reject" }
        );
        match (legacy, ours) {
            (Verdict::Accept, Ok(_)) => {}
            (Verdict::Reject(m), Ok(_)) => {
                failures.push(format!("{}: legacy rejects ({m}), we accept", case.name))
            }
            (Verdict::Accept, Err(e)) => {
                failures.push(format!("{}: legacy accepts, we reject:\n{e}", case.name))
            }
            (Verdict::Reject(m), Err(e)) => {
                // The legacy says `line N: ...`; our first error must be on that line.
                if let Some(n) = legacy_line(m) {
                    let ours_line = e.first_error().map(|d| d.line);
                    if ours_line != Some(n) {
                        failures.push(format!(
                            "{}: legacy rejects at line {n} ({m}), we at {ours_line:?}:\n{e}",
                            case.name
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn legacy_line(msg: &str) -> Option<usize> {
    let rest = msg.strip_prefix("line ")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}
