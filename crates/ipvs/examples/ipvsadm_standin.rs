//! A stateful stand-in for `/sbin/ipvsadm`, for benchmarking the legacy
//! ldirectord on a host whose kernel has no IPVS (benches/ldirectord-scale.sh
//! bind-mounts it over `/usr/sbin/ipvsadm` in a private mount namespace).
//!
//! It keeps the table in a file (`$IPVSADM_STANDIN_STATE`, in `-S -n` rule
//! form), applies table-changing command lines with the same model and
//! command-line parser as `ldirectord-rs ipvs`, and lists in ipvsadm's
//! format — which is all the legacy daemon asks of ipvsadm. One call costs
//! about a millisecond plus the table's size, less than the real ipvsadm,
//! so the stand-in never makes the legacy look slower than it is.

use ipvs::admin::{self, Cmd};
use ipvs::listing::{self, Numeric};
use ipvs::wire::Info;
use ipvs::{Operation, Table};
use std::io::Write;

fn load(path: &str) -> Table {
    let mut table = Table::default();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for (_, words) in admin::restore::lines(&text) {
        if let Ok(inv) = admin::parse("ipvsadm", &words) {
            if let Ok(Some(op)) = admin::operation(&inv) {
                let _ = ipvs::apply(&[op], &mut table);
            }
        }
    }
    table
}

fn save(path: &str, table: &Table) {
    let fmt = listing::Format {
        rule: true,
        numeric: true,
        ..Default::default()
    };
    let services: Vec<_> = table.services.values().cloned().collect();
    let text = listing::list_all(None, &services, &fmt, &Numeric);
    let tmp = format!("{path}.tmp");
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let state = std::env::var("IPVSADM_STANDIN_STATE")
        .unwrap_or_else(|_| "/run/ipvsadm-standin.rules".to_string());
    let inv = match admin::parse("ipvsadm", &argv) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{}", e.message);
            std::process::exit(e.status);
        }
    };
    let mut table = load(&state);
    match inv.cmd {
        Cmd::List | Cmd::Save => {
            let mut fmt = inv.format;
            fmt.rule = inv.cmd == Cmd::Save;
            let info = Info {
                version: 0x010201,
                conn_tab_size: 4096,
            };
            let services: Vec<_> = table.services.values().cloned().collect();
            let text = listing::list_all(Some(&info), &services, &fmt, &Numeric);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        Cmd::Flush => {
            table = Table::default();
            save(&state, &table);
        }
        _ => match admin::operation(&inv) {
            Ok(Some(op)) => {
                let refused = ipvs::apply(std::slice::from_ref(&op), &mut table).is_err();
                if refused {
                    eprintln!("{}", refusal(&op));
                    std::process::exit(255);
                }
                save(&state, &table);
            }
            Ok(None) => {}
            Err(msg) => {
                eprintln!("{msg}");
                std::process::exit(2);
            }
        },
    }
}

/// ipvsadm's text for the refusals the model can produce.
fn refusal(op: &Operation) -> &'static str {
    match op {
        Operation::AddService { .. } => "Service already exists",
        Operation::AddDest { .. } => "Destination already exists",
        Operation::EditDest { .. } | Operation::DelDest { .. } => "No such destination",
        _ => "No such service",
    }
}
