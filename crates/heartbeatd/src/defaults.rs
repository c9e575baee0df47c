//! `heartbeatd -D` (`-DW`): the table of ha.cf directives that have a
//! default, as `heartbeat -D` prints it (facts §4.2). Not a debug switch:
//! the running daemon's debug level moves with SIGUSR1/SIGUSR2.

/// Directive, default value, description: 3.0.6's table, in its order.
pub const DEFAULTS: &[(&str, &str, &str)] = &[
    ("cluster", "linux-ha", "the name of cluster"),
    ("hopfudge", "1", "# of hops above cluster size"),
    ("keepalive", "1000ms", "keepalive time"),
    ("deadtime", "30000ms", "node deadtime"),
    ("baud", "19200", "baud rate"),
    ("auto_failback", "legacy", "auto failback"),
    (
        "hbgenmethod",
        "file",
        "protocol generation computation method",
    ),
    ("realtime", "true", "enable realtime behavior?"),
    ("msgfmt", "classic", "message format in the wire"),
    ("conn_logd_time", "60", "the interval to reconnect to logd"),
    ("log_badpack", "true", "warn about bad packets"),
    ("syslogmsgfmt", "true", "log to files in syslog format"),
    ("coredumps", "true", "enable Linux-HA core dumps"),
    ("pacemaker", "false", "enable Pacemaker resource management"),
    ("autojoin", "none", "set automatic join mode/style"),
    ("uuidfrom", "file", "set the source for uuid"),
    ("compression", "zlib", "set compression module"),
    ("compression_threshold", "2", "set compression threshold"),
    (
        "traditional_compression",
        "no",
        "set traditional_compression",
    ),
    (
        "max_rexmit_delay",
        "250",
        "set the maximum rexmit delay time",
    ),
    (
        "record_config_changes",
        "on",
        "record changes to the cib (valid only with: pacemaker on)",
    ),
    (
        "record_pengine_inputs",
        "on",
        "record the input used by the policy engine (valid only with: pacemaker on)",
    ),
    (
        "enable_config_writes",
        "on",
        "write configuration changes to disk (valid only with: pacemaker on)",
    ),
    (
        "memreserve",
        "6500",
        "number of kbytes to preallocate in heartbeat",
    ),
];

/// The table as `heartbeat -D` prints it, or in wiki markup for `-DW`.
pub fn table(wiki: bool) -> String {
    let mut out = String::new();
    if wiki {
        out.push_str("##Put this output in the ha.cf/DefaultValues page\n");
        out.push_str("The [wiki:ha.cf ha.cf] directives with default values are shown below - along with a brief description.\n");
        out.push_str("This was produced by {{{heartbeat -DW}}} ''# (version 3.0.6)''\n\n");
        out.push_str("||''Directive''||''Default''||''Description''||\n");
        for (name, value, what) in DEFAULTS {
            let page: String = name
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            out.push_str(&format!(
                "||[wiki:ha.cf/{page}Directive {name}]||{value}||{what}||\n"
            ));
        }
    } else {
        out.push_str(&format!(
            "{:<24} {:<9} {}\n",
            "Directive", "Default", "Description"
        ));
        out.push_str(&"-".repeat(80));
        out.push('\n');
        for (name, value, what) in DEFAULTS {
            out.push_str(&format!("{name:<24} {value:<9} {what}\n"));
        }
    }
    out
}

/// A directive's default value, if it has one.
pub fn default_of(name: &str) -> Option<&'static str> {
    DEFAULTS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_as_the_legacy_prints_them() {
        let t = table(false);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "Directive                Default   Description");
        assert_eq!(lines[1], "-".repeat(80));
        assert_eq!(
            lines[2],
            "cluster                  linux-ha  the name of cluster"
        );
        assert_eq!(
            lines[20],
            "traditional_compression  no        set traditional_compression"
        );
        assert_eq!(lines.len(), 2 + DEFAULTS.len());
    }

    #[test]
    fn wiki_page_names() {
        let t = table(true);
        assert!(t.contains("||[wiki:ha.cf/ConnLogdTimeDirective conn_logd_time]||60||the interval to reconnect to logd||\n"));
        assert!(t.starts_with("##Put this output in the ha.cf/DefaultValues page\n"));
    }
}
