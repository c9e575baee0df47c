//! `ldirectord.cf`: ldirectord 4.12's configuration.
//!
//! The walk is line-oriented like the legacy's: a `virtual=` line opens a
//! section of indented lines, everything else is a global directive. Every
//! rule (which directives allow quotes, inline comments, what ends a
//! section) follows the legacy; see docs/facts/ldirectord-config.md.

mod email;
mod fallback;
mod global;
pub mod model;
mod names;
mod real;
mod resolve;
mod section;
mod values;
mod virtual_block;

use crate::diag::{Collector, ConfigError, Diagnostic, Parsed};
use crate::lines::{lines, Line};
use std::collections::HashSet;
use std::path::Path;

pub use model::*;
pub use names::{check_names, EtcFiles, NameLookup};
pub use resolve::{resolve_config_name, resolve_in};

pub fn parse(text: &str, file: &str) -> Result<Parsed<LdirectordCf>, ConfigError> {
    let all: Vec<Line> = lines(text).collect();
    let mut c = Collector::new(file);
    let mut global = Global::default();
    let mut blocks = Vec::new();
    let mut seen = HashSet::new();
    let mut i = 0;
    while let Some(line) = all.get(i) {
        if virtual_block::header(line.text).is_some() {
            let (block, next) = virtual_block::parse(&all, i, &mut c);
            if let Some(mut b) = block {
                let n = virtual_block::section_end_line(&all, next);
                b.vs.section_end_line = n;
                if let Some(id) = &b.id {
                    if !seen.insert(id.clone()) {
                        c.error(n, 1, "duplicate virtual server").hint =
                            Some(format!("{id} is already defined above"));
                    }
                }
                blocks.push(b);
            }
            i = next.max(i + 1);
            continue;
        }
        i += 1;
        if line.text.chars().all(values::is_space)
            || line
                .text
                .trim_start_matches(values::is_space)
                .starts_with('#')
        {
            continue;
        }
        global::apply(line, &mut global, &mut c);
    }
    let virtuals = blocks
        .into_iter()
        .map(|b| effective(b, &global, &mut c))
        .collect();
    c.finish(LdirectordCf { global, virtuals })
}

/// Folds the globals into a virtual service, as the legacy's start-up
/// (`ld_setup`, the check loop, the alert and fallback lookups) does.
fn effective(b: virtual_block::Block, g: &Global, c: &mut Collector) -> VirtualService {
    let own = b.own;
    let mut v = b.vs;
    // checktimeout and negotiatetimeout default to each other before
    // falling back to the globals, and only then to 5 / 30 seconds
    v.checktimeout = own
        .checktimeout
        .or(own.negotiatetimeout)
        .or(g.checktimeout)
        .or(g.negotiatetimeout)
        .unwrap_or(5);
    v.negotiatetimeout = own
        .negotiatetimeout
        .or(own.checktimeout)
        .or(g.negotiatetimeout)
        .or(g.checktimeout)
        .unwrap_or(30);
    v.checkcount = own.checkcount.unwrap_or(g.checkcount);
    v.failurecount = own.failurecount.unwrap_or(g.failurecount);
    // a per-virtual interval only exists with one checker process per
    // virtual service
    v.checkinterval = match (g.fork, own.checkinterval) {
        (true, Some(ci)) => ci,
        (false, Some(_)) => {
            c.warning(
                v.line,
                1,
                format!(
                    "checkinterval in virtual service {} ignored when fork=no",
                    id_text(&v)
                ),
            );
            g.checkinterval
        }
        (_, None) => g.checkinterval,
    };
    v.quiescent = own.quiescent.unwrap_or(g.quiescent);
    v.cleanstop = own.cleanstop.unwrap_or(g.cleanstop);
    v.emailalert = own.emailalert.or_else(|| g.emailalert.clone());
    v.emailalertfreq = own.emailalertfreq.unwrap_or(g.emailalertfreq);
    v.emailalertstatus = own.emailalertstatus.unwrap_or(g.emailalertstatus);
    v.smtp = own.smtp.or_else(|| g.smtp.clone());
    if !b.fallback_own {
        let inherited = match v.family {
            Family::Inet => g.fallback.as_ref(),
            Family::Inet6 => g.fallback6.as_ref(),
        };
        if let (Some(f), VirtualAddress::Service { port, .. }) = (inherited, &v.address) {
            v.fallback = Some(fallback::inherit(f, port));
        }
    }
    v
}

fn id_text(v: &VirtualService) -> String {
    let proto = match v.protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Fwm => "fwm",
    };
    match &v.address {
        VirtualAddress::Fwmark { mark } => {
            format!(
                "{proto}{}:{mark}",
                if v.family == Family::Inet6 { "6" } else { "" }
            )
        }
        VirtualAddress::Service { host, port } => {
            let h = match host {
                Host::Ipv4(a) => a.to_string(),
                Host::Ipv6(a) => format!("[{a}]"),
                Host::Name(n) => n.clone(),
            };
            let p = match port {
                Port::Number(n) => n.to_string(),
                Port::Name(n) => n.clone(),
            };
            format!("{proto}:{h}:{p}")
        }
    }
}

/// Reads and parses a file; an unreadable file is reported the legacy's
/// way (`can not open file ...`).
pub fn load(path: &Path) -> Result<Parsed<LdirectordCf>, ConfigError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ConfigError::single(Diagnostic::error(
            &file,
            0,
            0,
            format!("can not open file {file}: {e}"),
        ))
    })?;
    // the legacy reads bytes; invalid UTF-8 can only sit in comments or
    // free-text values, where a replacement character changes no verdict
    let text = String::from_utf8_lossy(&bytes);
    parse(&text, &file)
}

/// Reads, parses and then resolves names the way the legacy does while it
/// reads the file: a name that `lookup` cannot resolve rejects the file.
pub fn load_resolved(
    path: &Path,
    lookup: &dyn NameLookup,
) -> Result<Parsed<LdirectordCf>, ConfigError> {
    let parsed = load(path)?;
    let file = path.display().to_string();
    let errors = check_names(&parsed.value, &file, lookup);
    if errors.is_empty() {
        Ok(parsed)
    } else {
        let mut diagnostics = errors;
        diagnostics.extend(parsed.warnings);
        Err(ConfigError { diagnostics })
    }
}

#[cfg(test)]
mod tests;
