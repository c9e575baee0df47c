//! What `cl_status hbparameter -p NAME` answers (facts §4.3): the raw
//! token of the last ha.cf line naming the directive, as written
//! (`deadtime 5` gives `5`), else its default or the value computed from
//! other directives, as 3.0.6 records them. Names the legacy does not
//! record (`node`, media, `respawn`, …) have no value.

use crate::defaults::default_of;
use ha_config::hacf::outline::DirectiveLine;
use ha_config::hacf::HaCf;

/// The directives 3.0.6 records as parameters (`config.c`), plus
/// `hbversion`; `crm` is another name for `pacemaker`. Also the `HA_*`
/// variables the clients get (daemon/client_env.rs).
pub const RECORDED: &[&str] = &[
    "cluster",
    "hopfudge",
    "keepalive",
    "deadtime",
    "deadping",
    "initdead",
    "warntime",
    "watchdog",
    "baud",
    "udpport",
    "logfacility",
    "logfile",
    "debugfile",
    "auto_failback",
    "rtprio",
    "hbgenmethod",
    "realtime",
    "debug",
    "msgfmt",
    "use_logd",
    "conn_logd_time",
    "log_badpack",
    "syslogmsgfmt",
    "coredumps",
    "coreroot",
    "crm_daemon_dir",
    "crmd_spawns_pengine",
    "pacemaker",
    "autojoin",
    "uuidfrom",
    "compression",
    "compression_threshold",
    "traditional_compression",
    "max_rexmit_delay",
    "record_config_changes",
    "record_pengine_inputs",
    "enable_config_writes",
    "memreserve",
    "quorum_server",
];

/// What this daemon answers for `hbversion`: the protocol version first,
/// as clients compare it, then who really answers.
pub fn hbversion() -> String {
    format!("3.0.6 (heartbeatd {})", env!("CARGO_PKG_VERSION"))
}

/// The value of parameter `name` for the running configuration, or `None`.
pub fn value(outline: &[DirectiveLine], hacf: &HaCf, name: &str) -> Option<String> {
    let name = if name == "crm" { "pacemaker" } else { name };
    if name == "hbversion" {
        return Some(hbversion());
    }
    if !RECORDED.contains(&name) {
        return None;
    }
    let written = outline
        .iter()
        .rev()
        .find(|d| d.name == name || (name == "pacemaker" && d.name == "crm"))
        .and_then(|d| d.values.last().cloned());
    written
        .or_else(|| computed(name, hacf))
        .or_else(|| default_of(name).map(str::to_string))
}

/// Values derived when the directive is not written.
fn computed(name: &str, hacf: &HaCf) -> Option<String> {
    Some(match name {
        "warntime" => format!("{}ms", hacf.warntime_ms),
        "initdead" => format!("{}ms", hacf.initdead_ms),
        "deadping" => format!("{}ms", hacf.deadping_ms),
        "udpport" => hacf.udpport.to_string(),
        "debug" => "0".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(text: &str, name: &str) -> Option<String> {
        let h = ha_config::hacf::parse(text, "ha.cf").expect("parses").value;
        value(&ha_config::hacf::outline::outline(text), &h, name)
    }

    const LAB: &str = "keepalive 1\ndeadtime 5\nwarntime 5\ninitdead 10\nudpport 694\nucast e1 10.88.0.2\nauto_failback on\nnode master\nnode backup\n";

    #[test]
    fn raw_tokens_defaults_and_computed_values_as_3_0_6() {
        // The figures a 3.0.6 node gave for LAB (facts §4.3).
        for (name, want) in [
            ("keepalive", Some("1")),
            ("deadtime", Some("5")),
            ("deadping", Some("5000ms")),
            ("initdead", Some("10")),
            ("cluster", Some("linux-ha")),
            ("baud", Some("19200")),
            ("udpport", Some("694")),
            ("auto_failback", Some("on")),
            ("debug", Some("0")),
            ("crm", Some("false")),
            ("memreserve", Some("6500")),
            ("watchdog", None),
            ("logfacility", None),
            ("node", None),
            ("ucast", None),
            ("nosuch", None),
        ] {
            assert_eq!(get(LAB, name).as_deref(), want, "{name}");
        }
    }

    #[test]
    fn last_line_wins_and_unset_timings_are_computed() {
        let t = "deadtime 5\ndeadtime 8\nbcast eth1\nnode a\n";
        assert_eq!(get(t, "deadtime").as_deref(), Some("8"));
        assert_eq!(get(t, "keepalive").as_deref(), Some("1000ms"));
        assert_eq!(get(t, "warntime").as_deref(), Some("4000ms"));
        assert_eq!(
            get("crm respawn\nbcast eth1\nnode a\n", "pacemaker").as_deref(),
            Some("respawn")
        );
    }
}
