//! Each ha.cf line the export does not fully carry over, with why: every
//! directive the file writes is either converted or named here, so nothing
//! is dropped silently.

use super::corosync::{cluster_name, FACILITIES};
use super::notes::Notes;
use ha_config::hacf::outline::DirectiveLine;

/// Directives converted as written: no note.
const CONVERTED: &[&str] = &["node", "auto_failback", "nice_failback"];

fn is_off(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "off" | "no" | "n" | "false" | "0"
    )
}

/// The note for one directive line, `None` when it is fully converted.
/// `first_medium` is false for every link-layer medium after the first.
fn reason(d: &DirectiveLine, first_medium: bool) -> Option<String> {
    let v = d.values.join(" ");
    let name = d.name.as_str();
    if CONVERTED.contains(&name) {
        return None;
    }
    let said = match name {
        "deadtime" => return None,
        "keepalive" => "corosync's token circulates instead of keepalives (knet pings are derived from token); not converted",
        "warntime" => "corosync has no late-heartbeat warning; not converted",
        "initdead" => "no equivalent: corosync forms the membership when it starts (two_node implies wait_for_all); not converted",
        "deadping" => "the ping agent's timeout and dampen replace deadping; not converted",
        "udpport" => "knet uses its own port (5405 by default); open it between the nodes; udpport not converted",
        "bcast" | "ucast" | "mcast" if first_medium => {
            return Some(format!("{name} {v}: {}", medium_note(name)));
        }
        // The address a ucast line gives is worth naming even on a second
        // path: it is the one fact an operator needs for ring0/1_addr.
        "ucast" => {
            return Some(format!("{name} {v}: {}; {SECOND_LINK}", medium_note(name)));
        }
        "bcast" | "mcast" => SECOND_LINK,
        "ucast6" | "mcast6" | "ping6" | "serial" | "baud" => "this medium has no corosync equivalent; not converted",
        "ping" => "converted to the ocf:pacemaker:ping clone: a node that reaches none of the ping nodes runs no group (ipfail compared counts between nodes)",
        "ping_group" => "converted to the ocf:pacemaker:ping clone: each host of the group counts on its own, not the group as one node",
        "logfacility" if v == "none" => "converted: corosync syslog off",
        "logfacility" if FACILITIES.contains(&v.as_str()) => return None,
        "logfacility" => "corosync logs to syslog as daemon or local0-7 only; daemon used",
        "cluster" if cluster_name(&v) == v => return None,
        "cluster" => "not a valid corosync cluster_name (31 of [A-Za-z0-9._-]); written cleaned",
        "logfile" | "debugfile" => "Pacemaker logs to /var/log/pacemaker/pacemaker.log, corosync to /var/log/corosync/corosync.log; not converted",
        "debug" => "set PCMK_debug in /etc/default/pacemaker instead; not converted",
        "use_logd" | "conn_logd_time" => "no logd under Pacemaker; not converted",
        "respawn" | "failfast" if v.ends_with("/ipfail") => "ipfail's job is done by the ping clone and its location rule; not converted",
        "respawn" | "failfast" => "run this program as a Pacemaker resource (e.g. systemd: or lsb:) or a systemd unit; not converted",
        "apiauth" => "heartbeat's client API does not exist under Pacemaker; not converted",
        "stonith" | "stonith_host" => "fencing devices are configured as stonith: resources in the CIB; not converted (stonith-enabled=false written)",
        "watchdog" => "use sbd for watchdog-based fencing; not converted",
        "crm" | "pacemaker" if is_off(&v) => return None,
        "crm" | "pacemaker" => "heartbeat's CRM keeps its own CIB (/var/lib/heartbeat/crm/cib.xml): export that instead; haresources not read",
        "autojoin" if v.eq_ignore_ascii_case("none") => return None,
        "autojoin" => "corosync 3 only admits the nodes of its nodelist; not converted",
        "env" => "set environment for resources in their agent's parameters; not converted",
        "quorum_server" => "use corosync-qdevice for an external quorum arbiter; not converted",
        "realtime" | "rtprio" | "memreserve" | "coredumps" | "coreroot" | "hopfudge"
        | "msgfmt" | "hbgenmethod" | "uuidfrom" | "compression" | "compression_threshold"
        | "traditional_compression" | "max_rexmit_delay" | "log_badpack" | "syslogmsgfmt"
        | "use_apphbd" | "crm_daemon_dir" | "crmd_spawns_pengine" | "record_config_changes"
        | "record_pengine_inputs" | "enable_config_writes" => {
            "heartbeat internals with no Corosync/Pacemaker setting; not converted"
        }
        _ => "no Corosync/Pacemaker equivalent known; not converted",
    };
    Some(format!("{name} {v}: {said}").replace(" : ", ": "))
}

const SECOND_LINK: &str =
    "another heartbeat path: a second knet link needs ring1_addr on every node; not written";

fn medium_note(name: &str) -> &'static str {
    match name {
        "ucast" => "heartbeat's ucast names a peer's address but not which node owns it, so ring0_addr is the node name: make each node name resolve to its address on this link (/etc/hosts) or write the address into ring0_addr",
        "mcast" => "knet does not use multicast; link 0 is unicast to each node's ring0_addr, the node name: make each name resolve to its address on this interface (/etc/hosts)",
        _ => "knet does not broadcast; link 0 is unicast to each node's ring0_addr, the node name: make each name resolve to its address on this interface (/etc/hosts)",
    }
}

pub fn add(outline: &[DirectiveLine], file: &str, notes: &mut Notes) {
    let mut first_medium = true;
    for d in outline {
        let is_link = matches!(d.name.as_str(), "bcast" | "ucast" | "mcast");
        // A `bcast eth1 eth2` line is one path per interface.
        let reps = if d.name == "bcast" {
            d.values.len().max(1)
        } else {
            1
        };
        for i in 0..reps {
            let one = if d.name == "bcast" && !d.values.is_empty() {
                DirectiveLine {
                    values: vec![d.values[i].clone()],
                    ..d.clone()
                }
            } else {
                d.clone()
            };
            if let Some(msg) = reason(&one, first_medium) {
                notes.at(file, d.line, msg);
            }
            if is_link {
                first_medium = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ha_config::hacf::outline::outline;

    fn notes_of(text: &str) -> Vec<String> {
        let mut n = Notes::default();
        add(&outline(text), "ha.cf", &mut n);
        n.lines().to_vec()
    }

    #[test]
    fn converted_lines_are_quiet_and_the_rest_named() {
        let n = notes_of("node a\nnode b\ndeadtime 10\nrespawn root /usr/lib/heartbeat/ipfail\nrealtime on\ncrm off\n");
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(n[0].starts_with("ha.cf:4: respawn root /usr/lib/heartbeat/ipfail: ipfail"));
        assert!(n[1].starts_with("ha.cf:5: realtime on: heartbeat internals"));
    }

    #[test]
    fn second_medium_is_a_second_link() {
        let n = notes_of("bcast eth1 eth2\nucast eth1 10.0.0.2\n");
        assert_eq!(n.len(), 3, "{n:?}");
        assert!(n[0].contains("knet does not broadcast"));
        assert!(n[1].contains("ring1_addr") && n[2].contains("ring1_addr"));
        assert!(n[2].contains("not which node owns it"));
    }
}
