//! What this heartbeatd acts on, in one place: which media carry its
//! heartbeats, and which accepted ha.cf lines it ignores (`heartbeatd -t`
//! warns about each, so nobody relies on a line that does nothing).
//!
//! When a feature lands, move its directive out of [`IGNORED`] (and its
//! medium into [`runnable_medium`]).

use ha_config::hacf::outline::DirectiveLine;
use ha_config::hacf::Medium;
use ha_config::Diagnostic;

/// Media the daemon opens and sends heartbeats on (daemon/media.rs).
pub fn runnable_medium(m: &Medium) -> bool {
    matches!(
        m,
        Medium::Bcast { .. } | Medium::Ucast { .. } | Medium::Mcast { .. }
    )
}

/// Directives heartbeatd accepts and ignores whatever their value, and why.
const IGNORED: &[(&str, &str)] = &[
    ("serial", "serial media are not supported"),
    ("baud", "serial media are not supported"),
    ("ucast6", "IPv6 media are not supported"),
    ("mcast6", "IPv6 media are not supported"),
    ("ping6", "IPv6 ping nodes are not supported"),
    ("watchdog", "no watchdog device is used"),
    ("stonith", "STONITH is not supported"),
    ("stonith_host", "STONITH is not supported"),
    ("apiauth", "heartbeatd has no client API"),
    ("memreserve", "heartbeatd does not preallocate memory"),
    ("coredumps", "heartbeatd does not manage core dumps"),
    ("coreroot", "heartbeatd does not manage core dumps"),
    (
        "use_logd",
        "heartbeatd logs by itself (logfile, debugfile, logfacility)",
    ),
    (
        "conn_logd_time",
        "heartbeatd logs by itself (logfile, debugfile, logfacility)",
    ),
    ("use_apphbd", "apphbd is not supported"),
    ("compression", "heartbeatd never compresses messages"),
    (
        "compression_threshold",
        "heartbeatd never compresses messages",
    ),
    (
        "traditional_compression",
        "heartbeatd never compresses messages",
    ),
    ("cluster", "the cluster name is not used"),
    ("quorum_server", "no quorum server is used"),
    ("crm_daemon_dir", "Pacemaker is not supported"),
    ("crmd_spawns_pengine", "Pacemaker is not supported"),
    ("record_config_changes", "Pacemaker is not supported"),
    ("record_pengine_inputs", "Pacemaker is not supported"),
    ("enable_config_writes", "Pacemaker is not supported"),
];

/// Directives acted on for some values only: the values that are ignored.
fn ignored_value(name: &str, value: &str) -> Option<&'static str> {
    let off = matches!(
        value.to_ascii_lowercase().as_str(),
        "off" | "no" | "n" | "false" | "0"
    );
    match name {
        "crm" | "pacemaker" if !off => Some("heartbeatd manages haresources only"),
        "msgfmt" if value == "netstring" => Some("heartbeatd sends the classic format"),
        "hbgenmethod" if value == "time" => Some("the generation is kept in a file"),
        "uuidfrom" if value == "nodename" => Some("the uuid is kept in a file"),
        "autojoin" if !value.eq_ignore_ascii_case("none") => {
            Some("only the nodes of ha.cf are members")
        }
        "log_badpack" | "syslogmsgfmt" if off => Some("heartbeatd always does this"),
        _ => None,
    }
}

/// The warnings of `heartbeatd -t` for lines that are accepted but do
/// nothing here.
pub fn unacted(outline: &[DirectiveLine], file: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let warn = |d: &DirectiveLine, why: &str| {
        Diagnostic::warning(
            file,
            d.line,
            d.col,
            format!("{}: accepted but not acted on ({why})", d.name),
        )
    };
    for d in outline {
        if let Some((_, why)) = IGNORED.iter().find(|(n, _)| *n == d.name) {
            // The seed's `apiauth ipfail` line: ipfail runs inside
            // heartbeatd, so the line is not needed rather than missing.
            let why = match d.values.first() {
                Some(c) if d.name == "apiauth" && c.split_whitespace().next() == Some("ipfail") => {
                    "heartbeatd has no client API; its built-in ipfail needs none"
                }
                _ => why,
            };
            out.push(warn(d, why));
            continue;
        }
        // (respawn/failfast lines run as clients, an ipfail one as the
        // built-in ipfail: both acted on.)
        let name = d.name.as_str();
        if let Some(why) = d.values.iter().find_map(|v| ignored_value(name, v)) {
            out.push(warn(d, why));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(text: &str) -> Vec<String> {
        unacted(&ha_config::hacf::outline::outline(text), "ha.cf")
            .into_iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn respawn_failfast_ipfail_and_ping_nodes_are_acted_on() {
        let w = warnings(
            "respawn root /bin/true\nfailfast root /bin/true x\nrespawn hacluster /usr/libexec/heartbeat/ipfail\nping 10.0.0.1\nping_group g 10.0.0.2 10.0.0.3\ndeadping 10\n",
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn apiauth_for_ipfail_says_the_built_in_one_needs_none() {
        let w = warnings("apiauth ipfail gid=haclient uid=hacluster\napiauth cl_status uid=root\n");
        assert_eq!(
            w,
            [
                "ha.cf:1:1: warning: apiauth: accepted but not acted on (heartbeatd has no client API; its built-in ipfail needs none)",
                "ha.cf:2:1: warning: apiauth: accepted but not acted on (heartbeatd has no client API)",
            ]
        );
    }

    #[test]
    fn what_is_acted_on_gives_no_warning() {
        let w = warnings(
            "node a\nkeepalive 1\ndeadtime 5\nwarntime 2\ninitdead 10\ndebug 1\nudpport 694\nbcast eth1\nucast eth1 1.2.3.4\nmcast eth1 225.0.0.1 694 1 0\nauto_failback on\nlogfile /x\ndebugfile /y\nlogfacility local0\nhopfudge 1\nmax_rexmit_delay 250\nenv A=b\ncrm off\nmsgfmt classic\nautojoin none\nlog_badpack on\n",
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn ignored_lines_and_values_are_named_with_their_line() {
        let w = warnings("node a\nbcast eth1\n  ping6 fe80::1\nserial /dev/ttyS0\ncrm on\nmsgfmt netstring\napiauth x uid=root\n");
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(w[0].starts_with("ha.cf:3:3: warning: ping6: accepted but not acted on"));
        assert!(w[1].starts_with("ha.cf:4:1: warning: serial:"));
        assert!(
            w[2].contains("crm: accepted but not acted on (heartbeatd manages haresources only)")
        );
        assert!(w[3].starts_with("ha.cf:6:1: warning: msgfmt:"));
        assert!(w[4].contains("apiauth"));
    }

    /// ha.cf(5) lists every directive that is accepted and not acted on.
    #[test]
    fn the_man_page_names_every_ignored_directive() {
        let man = include_str!("../../../man/ha.cf.5");
        let section = &man[man.find(".SH NOT ACTED ON").expect("section")..];
        let section = &section[..section[4..].find(".SH ").map_or(section.len(), |i| i + 4)];
        for (name, _) in IGNORED {
            assert!(
                section
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '6')
                    .any(|w| w == *name),
                "{name} missing from ha.cf(5) NOT ACTED ON"
            );
        }
    }
}
