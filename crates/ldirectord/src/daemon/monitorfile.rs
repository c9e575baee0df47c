//! `monitorfile=`: every check result of a virtual's reals appended to its
//! own file, in the legacy's format:
//! `[Wed Nov 25 03:33:40 2026] [PID] REAL_ID [up|down] MESSAGE`, where
//! REAL_ID is the legacy's id of the check (check type, protocol, address,
//! port, virtualhost, checkport, weight, forward, request, receive) with
//! its colons squeezed to spaces, and MESSAGE is why (`%`, `|`, CR and LF
//! escaped as `%xx`). We write our check's reason where the legacy often
//! writes `-`.

use super::config::Loaded;
use super::logger::ctime_now;
use ha_config::ldirectord::{CheckType, VirtualService};
use ipvs::Forward;
use std::io::Write;
use std::path::PathBuf;

/// For each planned check, the (file, real id) lines it writes.
pub type Targets = Vec<Vec<(PathBuf, String)>>;

pub fn targets(loaded: &Loaded) -> Targets {
    let mut out: Targets = vec![Vec::new(); loaded.plan.checks.len()];
    for vp in &loaded.plan.virtuals {
        let v = &loaded.cf.virtuals[vp.config_index];
        let Some(file) = &v.monitorfile else {
            continue;
        };
        for r in &vp.reals {
            let Some(c) = r.check else { continue };
            let check = &loaded.plan.checks[c];
            let request = check.request.clone().unwrap_or_else(|| v.request.clone());
            let receive = check.receive.clone().unwrap_or_else(|| v.receive.clone());
            out[c].push((
                PathBuf::from(file),
                real_id(v, r.addr, r.conf.weight, r.conf.forward, &request, &receive),
            ));
        }
    }
    out
}

fn real_id(
    v: &VirtualService,
    real: std::net::SocketAddr,
    weight: i32,
    forward: Forward,
    request: &str,
    receive: &str,
) -> String {
    let service = v.service.clone().unwrap_or_else(|| "none".into());
    let check = match &v.checktype {
        CheckType::Negotiate => format!("negotiate:{service}"),
        CheckType::Combined(_) => format!("combined:{service}"),
        CheckType::External => format!("external:{}", v.checkcommand),
        CheckType::ExternalPerl => format!("external-perl:{}", v.checkcommand),
        CheckType::Connect => "connect".into(),
        CheckType::Ping => "ping".into(),
        CheckType::On => "on".into(),
        CheckType::Off => "off".into(),
    };
    let protocol = format!("{:?}", v.protocol).to_lowercase();
    let forward = match forward {
        Forward::Masq => "masq",
        Forward::Tunnel => "ipip",
        _ => "gate",
    };
    let joined = [
        check,
        protocol,
        real.ip().to_string(),
        real.port().to_string(),
        v.virtualhost.clone().unwrap_or_default(),
        v.checkport.map(|p| p.to_string()).unwrap_or_default(),
        weight.to_string(),
        forward.to_string(),
        request.to_string(),
        receive.to_string(),
    ]
    .join(":");
    squeeze_colons(&joined).replace('\\', "")
}

/// Perl's `tr/:/ /s`: every run of colons becomes one space.
fn squeeze_colons(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for c in s.chars() {
        if c == ':' {
            if !in_run {
                out.push(' ');
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

fn escape(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        match c {
            '%' | '|' | '\r' | '\n' => out.push_str(&format!("%{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Appends one result; an unwritable file is reported (the legacy dies).
/// Whether the legacy writes this verdict to the monitorfile: it does for
/// connect and negotiate checks, but its ping check logs only a reply, and
/// its external and `checktype=on` checks never log.
pub fn logged(kind: &lvs_check::CheckKind, up: bool) -> bool {
    use lvs_check::CheckKind;
    match kind {
        CheckKind::External { .. } | CheckKind::On => false,
        CheckKind::Ping { .. } => up,
        _ => true,
    }
}

pub fn write(lines: &[(PathBuf, String)], up: bool, reason: &str) -> Result<(), String> {
    if lines.is_empty() {
        return Ok(());
    }
    let (now, pid) = (ctime_now(), std::process::id());
    let state = if up { "up" } else { "down" };
    let message = if reason.is_empty() {
        "-".to_string()
    } else {
        escape(reason)
    };
    for (file, id) in lines {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .and_then(|mut f| {
                f.write_all(format!("[{now}] [{pid}] {id} [{state}] {message}\n").as_bytes())
            })
            .map_err(|e| format!("Error writing to monitorfile '{}': {e}", file.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_messages_are_written_the_legacy_way() {
        assert_eq!(
            squeeze_colons("negotiate:http:tcp:192.168.72.9:80:::1:gate:test.html:test"),
            "negotiate http tcp 192.168.72.9 80 1 gate test.html test"
        );
        assert_eq!(escape("500 x|y\n100%"), "500 x%7cy%0a100%25");
    }
}
