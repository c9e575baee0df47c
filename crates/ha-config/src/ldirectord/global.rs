//! Lines outside virtual sections.
//!
//! The legacy matches these on the raw line: no indentation, no inline
//! comments (a `# ...` after `quiescent=no` makes the value wrong, after
//! `checktimeout=3` it is ignored because only the first digits are read),
//! and a carriage return is part of the value.

use super::email;
use super::fallback;
use super::model::{Family, Global, LogTarget};
use super::values::{directive, first_digits, number, quoted_directive, truthy, yes_no};
use crate::diag::Collector;
use crate::lines::Line;
use crate::suggest::did_you_mean;

/// Every directive the legacy accepts outside a virtual section.
pub const GLOBAL_DIRECTIVES: &[&str] = &[
    "autoreload",
    "callback",
    "checkcount",
    "checkinterval",
    "checktimeout",
    "cleanstop",
    "emailalert",
    "emailalertfreq",
    "emailalertfrom",
    "emailalertstatus",
    "execute",
    "failurecount",
    "fallback",
    "fallback6",
    "fallbackcommand",
    "fork",
    "logfile",
    "maintenancedir",
    "negotiatetimeout",
    "quiescent",
    "readdquiescent",
    "smtp",
    "supervised",
    "virtual",
    "virtual6",
];

/// The digits of a count/interval value, checked the legacy's way:
/// `$1 =~ /(\d+)/ && $1` (so `00` passes), plus `> 0` where asked.
fn positive(value: &str, strictly: bool) -> Option<u64> {
    let d = first_digits(value)?;
    let n = number(d);
    (truthy(d) && (!strictly || n > 0)).then_some(n)
}

fn yes_no_into(c: &mut Collector, line: &Line, value: &str, name: &str, slot: &mut bool) {
    match yes_no(value) {
        Some(b) => *slot = b,
        None => {
            c.error(
                line.number,
                line.col_of(value),
                format!("{name} must be 'yes' or 'no'"),
            );
        }
    }
}

/// Applies one non-blank, non-comment line outside any virtual section.
pub fn apply(line: &Line, g: &mut Global, c: &mut Collector) {
    let t = line.text;
    let n = line.number;
    let err = |c: &mut Collector, v: &str, m: &str| {
        c.error(n, line.col_of(v), m.to_string());
    };
    if let Some(v) = directive(t, "checktimeout") {
        match positive(v, true) {
            Some(x) => g.checktimeout = Some(x),
            None => err(c, v, "invalid check timeout value"),
        }
    } else if directive(t, "connecttimeout").is_some() {
        c.error(
            n,
            1,
            "connecttimeout directive deprecated in favour of negotiatetimeout",
        )
        .hint = Some("use negotiatetimeout=".into());
    } else if let Some(v) = directive(t, "negotiatetimeout") {
        match positive(v, true) {
            Some(x) => g.negotiatetimeout = Some(x),
            None => err(c, v, "invalid negotiate timeout value"),
        }
    } else if let Some(v) = directive(t, "checkinterval") {
        match positive(v, false) {
            Some(x) => g.checkinterval = x,
            None => err(c, v, "invalid check interval value"),
        }
    } else if let Some(v) = directive(t, "checkcount") {
        match positive(v, false) {
            Some(x) => {
                g.checkcount = x;
                c.warning(n, 1, "checkcount option is deprecated and slated for removal.  please see 'failurecount'");
            }
            None => err(c, v, "invalid check count value"),
        }
    } else if let Some(v) = directive(t, "failurecount") {
        match positive(v, false) {
            Some(x) => g.failurecount = x,
            None => err(c, v, "invalid failure count value"),
        }
    } else if let Some(v) = directive(t, "fallback") {
        match fallback::parse(v, n, Family::Inet, None) {
            Ok(f) => g.fallback = Some(f),
            Err(m) => err(c, v, &m),
        }
    } else if let Some(v) = directive(t, "fallback6") {
        match fallback::parse(v, n, Family::Inet6, None) {
            Ok(f) => g.fallback6 = Some(f),
            Err(m) => err(c, v, &m),
        }
    } else if let Some(v) = directive(t, "fallbackcommand") {
        // quotes are kept here, unlike inside a virtual section
        if v.is_empty() {
            err(c, v, "invalid fallback command");
        } else {
            g.fallbackcommand = Some(v.to_string());
        }
    } else if let Some(v) = directive(t, "autoreload") {
        yes_no_into(c, line, v, "autoreload", &mut g.autoreload);
    } else if let Some(v) = quoted_directive(t, "callback") {
        g.callback = Some(v.to_string());
    } else if let Some(v) = quoted_directive(t, "logfile") {
        g.logfile = if v.starts_with('/') {
            LogTarget::File(v.to_string())
        } else {
            LogTarget::Syslog(v.to_string())
        };
    } else if let Some(v) = directive(t, "execute") {
        g.execute.push(v.to_string());
    } else if let Some(v) = directive(t, "fork") {
        yes_no_into(c, line, v, "fork", &mut g.fork);
    } else if let Some(rest) = t.strip_prefix("supervised") {
        supervised(line, rest, g, c);
    } else if let Some(v) = directive(t, "quiescent") {
        yes_no_into(c, line, v, "quiescent", &mut g.quiescent);
    } else if let Some(v) = directive(t, "readdquiescent") {
        yes_no_into(c, line, v, "readdquiescent", &mut g.readdquiescent);
    } else if let Some(v) = directive(t, "emailalert") {
        match email::address(v) {
            Ok(a) => g.emailalert = Some(a),
            Err(m) => err(c, v, &m),
        }
    } else if let Some(v) = directive(t, "emailalertfreq") {
        match v.get(..v.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(v.len())) {
            Some(d) if !d.is_empty() => g.emailalertfreq = number(d),
            _ => err(c, v, "invalid email alert frequency"),
        }
    } else if let Some(v) = directive(t, "emailalertstatus") {
        match email::status(v) {
            Ok(s) => g.emailalertstatus = s,
            Err(m) => err(c, v, &m),
        }
    } else if let Some(v) = directive(t, "emailalertfrom") {
        if v.is_empty() {
            err(c, v, "no email from address specified");
        } else {
            g.emailalertfrom = Some(v.to_string());
        }
    } else if let Some(v) = directive(t, "cleanstop") {
        yes_no_into(c, line, v, "cleanstop", &mut g.cleanstop);
    } else if let Some(v) = directive(t, "smtp") {
        match smtp_host(v) {
            Some(h) => g.smtp = Some(h.to_string()),
            None => err(c, v, "invalid SMTP server address"),
        }
    } else if let Some(v) = directive(t, "maintenancedir") {
        // the legacy only warns when the directory is missing; that is a
        // host check, left to the daemon
        if v.is_empty() {
            err(c, v, "maintenance directory not specified");
        } else {
            g.maintenancedir = Some(v.to_string());
        }
    } else if directive(t, "timeout").is_some() {
        c.error(
            n,
            1,
            "timeout directive deprecated in favour of checktimeout and negotiatetimeout",
        );
    } else {
        unknown(line, c);
    }
}

/// `supervised` alone (deprecated), `supervised=yes|no`, anything else
/// starting with the word is an error.
fn supervised(line: &Line, rest: &str, g: &mut Global, c: &mut Collector) {
    if let Some(v) = directive(line.text, "supervised") {
        if let Some(b) = yes_no(v) {
            g.supervised = b;
            return;
        }
    } else if rest.chars().all(super::values::is_space) {
        g.supervised = true;
        c.warning(
            line.number,
            1,
            "please update your config not to use a bare supervised directive",
        );
        return;
    }
    c.error(line.number, 1, "supervised must be 'yes' or 'no'");
}

/// `^([0-9A-Za-z._+-]+)` of the value.
pub fn smtp_host(v: &str) -> Option<&str> {
    let end = v
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '+' | '-')))
        .unwrap_or(v.len());
    v.get(..end).filter(|h| !h.is_empty())
}

fn unknown(line: &Line, c: &mut Collector) {
    let t = line.text;
    let key: String = t
        .trim_start()
        .chars()
        .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
        .collect();
    let mut hint = did_you_mean(&key, GLOBAL_DIRECTIVES);
    if t.starts_with(char::is_whitespace) && GLOBAL_DIRECTIVES.contains(&key.as_str()) {
        hint = Some("global directives must start in the first column".into());
    } else if super::virtual_block::VIRTUAL_DIRECTIVES.contains(&key.as_str()) {
        hint = Some(format!(
            "`{key}` is only valid inside a virtual section (indented by at least 4 spaces or a tab, with no blank line before it)"
        ));
    } else if (key == "logfile" || key == "callback") && hint.is_none() {
        hint = Some(format!("{key} needs a quoted value: {key}=\"...\""));
    }
    c.error(line.number, 1, format!("Unknown command {t}")).hint = hint;
}
