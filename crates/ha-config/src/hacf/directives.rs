//! heartbeat 3.0.6's directive names and how each one reads its line.

/// How the rest of the line after the directive name is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Split on blanks and commas; the directive is applied once per value.
    PerValue,
    /// The whole rest of the line goes to one handler.
    WholeLine,
}

/// Every name the legacy's `islegaldirective` accepts on a Debian 12
/// install: its built-in table, the whole-line directives, and the HBcomm
/// plugins the package ships (`udp` is an old alias of `bcast`).
pub const DIRECTIVES: &[(&str, Shape)] = &[
    ("cluster", Shape::PerValue),
    ("node", Shape::PerValue),
    ("hopfudge", Shape::PerValue),
    ("keepalive", Shape::PerValue),
    ("deadtime", Shape::PerValue),
    ("deadping", Shape::PerValue),
    ("initdead", Shape::PerValue),
    ("warntime", Shape::PerValue),
    ("watchdog", Shape::PerValue),
    ("baud", Shape::PerValue),
    ("udpport", Shape::PerValue),
    ("logfacility", Shape::PerValue),
    ("logfile", Shape::PerValue),
    ("debugfile", Shape::PerValue),
    ("nice_failback", Shape::PerValue),
    ("auto_failback", Shape::PerValue),
    ("rtprio", Shape::PerValue),
    ("hbgenmethod", Shape::PerValue),
    ("realtime", Shape::PerValue),
    ("debug", Shape::PerValue),
    ("msgfmt", Shape::PerValue),
    ("use_logd", Shape::PerValue),
    ("conn_logd_time", Shape::PerValue),
    ("use_apphbd", Shape::PerValue),
    ("log_badpack", Shape::PerValue),
    ("syslogmsgfmt", Shape::PerValue),
    ("coredumps", Shape::PerValue),
    ("coreroot", Shape::PerValue),
    ("crm_daemon_dir", Shape::PerValue),
    ("crmd_spawns_pengine", Shape::PerValue),
    ("crm", Shape::PerValue),
    ("pacemaker", Shape::PerValue),
    ("autojoin", Shape::PerValue),
    ("uuidfrom", Shape::PerValue),
    ("compression", Shape::PerValue),
    ("compression_threshold", Shape::PerValue),
    ("traditional_compression", Shape::PerValue),
    ("env", Shape::PerValue),
    ("max_rexmit_delay", Shape::PerValue),
    ("record_config_changes", Shape::PerValue),
    ("record_pengine_inputs", Shape::PerValue),
    ("enable_config_writes", Shape::PerValue),
    ("memreserve", Shape::PerValue),
    ("quorum_server", Shape::PerValue),
    ("stonith", Shape::WholeLine),
    ("stonith_host", Shape::WholeLine),
    ("apiauth", Shape::WholeLine),
    ("respawn", Shape::WholeLine),
    ("failfast", Shape::WholeLine),
    // HBcomm plugins: "new" ones take one value each, "parse" ones the line.
    ("bcast", Shape::PerValue),
    ("ping", Shape::PerValue),
    ("ping6", Shape::PerValue),
    ("serial", Shape::PerValue),
    ("ucast", Shape::WholeLine),
    ("ucast6", Shape::WholeLine),
    ("mcast", Shape::WholeLine),
    ("mcast6", Shape::WholeLine),
    ("ping_group", Shape::WholeLine),
];

pub fn shape_of(name: &str) -> Option<Shape> {
    DIRECTIVES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

pub fn names() -> Vec<&'static str> {
    DIRECTIVES.iter().map(|(n, _)| *n).collect()
}

/// Media directives: each one counts toward "No heartbeat media defined"
/// and toward the udpport ordering rule.
pub fn is_medium(name: &str) -> bool {
    matches!(
        name,
        "bcast"
            | "ping"
            | "ping6"
            | "serial"
            | "ucast"
            | "ucast6"
            | "mcast"
            | "mcast6"
            | "ping_group"
    )
}

/// Compression plugins Debian's heartbeat ships.
pub const COMPRESSORS: &[&str] = &["zlib", "bz2"];
