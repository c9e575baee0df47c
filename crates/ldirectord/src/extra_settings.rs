//! Our settings that have no place in ldirectord.cf (the legacy rejects
//! unknown directives, and operators keep the same file during an
//! upgrade): the command line first, then `$LDIRECTORD_RS_DASHBOARD`, then
//! the optional extra file `/etc/ha.d/ldirectord-rs.conf` (another path in
//! `$LDIRECTORD_RS_CONF`). The extra file is what reaches a daemon started
//! by heartbeat's `ldirectord::ldirectord.cf` resource, whose argv is the
//! legacy's.

use std::net::SocketAddr;
use std::path::PathBuf;

const DEFAULT_FILE: &str = "/etc/ha.d/ldirectord-rs.conf";

/// Where the dashboard is served, if anywhere; an unusable setting is an
/// error naming where it came from.
pub fn dashboard(from_argv: Option<SocketAddr>) -> Result<Option<SocketAddr>, String> {
    if from_argv.is_some() {
        return Ok(from_argv);
    }
    if let Some(v) = std::env::var_os("LDIRECTORD_RS_DASHBOARD") {
        let v = v.to_string_lossy();
        return parse_addr(v.trim())
            .map(Some)
            .map_err(|e| format!("LDIRECTORD_RS_DASHBOARD: {e}"));
    }
    let path: PathBuf = std::env::var_os("LDIRECTORD_RS_CONF")
        .map(Into::into)
        .unwrap_or_else(|| DEFAULT_FILE.into());
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            dashboard_in(&text).map_err(|(line, e)| format!("{}:{line}: {e}", path.display()))
        }
        Err(_) => Ok(None),
    }
}

/// `dashboard = ADDR:PORT` in the extra file (`#` comments, blank lines).
fn dashboard_in(text: &str) -> Result<Option<SocketAddr>, (usize, String)> {
    let mut found = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) if k.trim() == "dashboard" => {
                found = Some(parse_addr(v.trim().trim_matches('"')).map_err(|e| (i + 1, e))?)
            }
            _ => {
                return Err((
                    i + 1,
                    format!("unknown setting {line:?} (known: dashboard = ADDR:PORT)"),
                ))
            }
        }
    }
    Ok(found)
}

fn parse_addr(v: &str) -> Result<SocketAddr, String> {
    v.parse()
        .map_err(|_| format!("{v:?} is not an ADDR:PORT (e.g. 0.0.0.0:9160 or [::1]:9160)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_file() {
        assert_eq!(dashboard_in("").unwrap(), None);
        assert_eq!(
            dashboard_in("# status page\n\ndashboard = 0.0.0.0:9160\n").unwrap(),
            Some("0.0.0.0:9160".parse().unwrap())
        );
        assert_eq!(
            dashboard_in("dashboard=\"[::1]:80\"").unwrap(),
            Some("[::1]:80".parse().unwrap())
        );
        let (line, e) = dashboard_in("\ndashbord = 1.2.3.4:5").unwrap_err();
        assert_eq!(line, 2);
        assert!(e.contains("unknown setting"));
        let (line, e) = dashboard_in("dashboard = host:80").unwrap_err();
        assert_eq!(line, 1);
        assert!(e.contains("not an ADDR:PORT"));
    }
}
