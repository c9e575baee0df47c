//! The effective `ha.cf`: what heartbeat 3.0.6 would run with once the file
//! is read and its defaults filled in. Printed as JSON by
//! `heartbeatd -t --print-config`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HaCf {
    /// `cluster` (default `linux-ha`).
    pub cluster: String,
    /// Cluster members, lower-cased as the legacy stores them, in file order.
    pub nodes: Vec<String>,
    pub keepalive_ms: i64,
    pub deadtime_ms: i64,
    /// `warntime`, or deadtime/2 when unset.
    pub warntime_ms: i64,
    /// `initdead`, or derived from deadtime when unset.
    pub initdead_ms: i64,
    /// `deadping`, or deadtime when unset.
    pub deadping_ms: i64,
    /// The `udpport` value in force after the whole file (default 694).
    pub udpport: u16,
    pub media: Vec<Medium>,
    pub auto_failback: AutoFailback,
    pub logfile: Option<String>,
    pub debugfile: Option<String>,
    /// Syslog facility name as written (`none` means no syslog).
    pub logfacility: Option<String>,
    /// `use_logd`; the legacy turns it on itself when no log target is set.
    pub use_logd: bool,
    pub conn_logd_time_ms: i64,
    pub debug: i32,
    pub respawn: Vec<ClientChild>,
    /// `apiauth` lines plus the legacy's built-in defaults for clients the
    /// file does not mention (ipfail, ccm, ping, lha-snmpagent, anon).
    pub apiauth: Vec<ApiAuth>,
    pub pacemaker: Pacemaker,
    pub crm_daemon_dir: Option<String>,
    pub crmd_spawns_pengine: Option<bool>,
    pub autojoin: AutoJoin,
    pub uuidfrom: UuidFrom,
    pub hbgenmethod: GenMethod,
    pub msgfmt: MsgFmt,
    pub compression: String,
    pub compression_threshold_kb: i32,
    pub traditional_compression: bool,
    pub max_rexmit_delay_ms: i32,
    pub realtime: bool,
    pub rtprio: Option<i32>,
    pub hopfudge: i32,
    pub memreserve_kb: i32,
    pub coredumps: bool,
    pub coreroot: Option<String>,
    pub watchdog: Option<String>,
    pub baud: u32,
    pub stonith: Vec<Stonith>,
    /// `env NAME=value`: exported to respawn clients as `HA_NAME`.
    pub env: Vec<EnvVar>,
    pub log_badpack: bool,
    pub syslogmsgfmt: bool,
    pub use_apphbd: bool,
    pub record_config_changes: bool,
    pub record_pengine_inputs: bool,
    pub enable_config_writes: bool,
    pub quorum_server: Option<String>,
    /// The ha.cf line of each medium, client child and apiauth entry, for
    /// the daemon's host checks (left out of `--print-config`).
    #[serde(skip)]
    pub lines: Origins,
}

/// Line numbers parallel to [`HaCf::media`], [`HaCf::respawn`] and
/// [`HaCf::apiauth`]; 0 for entries the file did not write (built-in
/// apiauth defaults).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    pub media: Vec<usize>,
    pub respawn: Vec<usize>,
    pub apiauth: Vec<usize>,
}

impl Origins {
    pub fn medium(&self, i: usize) -> usize {
        self.media.get(i).copied().unwrap_or(0)
    }

    pub fn client(&self, i: usize) -> usize {
        self.respawn.get(i).copied().unwrap_or(0)
    }

    pub fn apiauth(&self, i: usize) -> usize {
        self.apiauth.get(i).copied().unwrap_or(0)
    }
}

impl HaCf {
    /// Records `line` for every entry the line just added.
    pub(crate) fn note_line(&mut self, line: usize) {
        self.lines.media.resize(self.media.len(), line);
        self.lines.respawn.resize(self.respawn.len(), line);
        self.lines.apiauth.resize(self.apiauth.len(), line);
    }
}

impl Default for HaCf {
    fn default() -> Self {
        HaCf {
            cluster: "linux-ha".into(),
            nodes: Vec::new(),
            keepalive_ms: 1000,
            deadtime_ms: 30000,
            warntime_ms: 15000,
            initdead_ms: 30000,
            deadping_ms: 30000,
            udpport: DEFAULT_UDPPORT,
            media: Vec::new(),
            auto_failback: AutoFailback::Legacy,
            logfile: None,
            debugfile: None,
            logfacility: None,
            use_logd: false,
            conn_logd_time_ms: 60000,
            debug: 0,
            respawn: Vec::new(),
            apiauth: Vec::new(),
            pacemaker: Pacemaker::Off,
            crm_daemon_dir: None,
            crmd_spawns_pengine: None,
            autojoin: AutoJoin::None,
            uuidfrom: UuidFrom::File,
            hbgenmethod: GenMethod::File,
            msgfmt: MsgFmt::Classic,
            compression: "zlib".into(),
            compression_threshold_kb: 2,
            traditional_compression: false,
            max_rexmit_delay_ms: 250,
            realtime: true,
            rtprio: None,
            hopfudge: 1,
            memreserve_kb: 6500,
            coredumps: true,
            coreroot: None,
            watchdog: None,
            baud: 19200,
            stonith: Vec::new(),
            env: Vec::new(),
            log_badpack: true,
            syslogmsgfmt: true,
            use_apphbd: false,
            record_config_changes: true,
            record_pengine_inputs: true,
            enable_config_writes: true,
            quorum_server: None,
            lines: Origins::default(),
        }
    }
}

/// heartbeat's registered port (`ha-cluster` is not in Debian's
/// /etc/services, so the compiled-in value is what the legacy uses).
pub const DEFAULT_UDPPORT: u16 = 694;

/// One heartbeat path. Every `bcast` interface, `ucast`/`mcast` line, ping
/// target and serial port is its own medium, in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Medium {
    /// `port` is the one the legacy's plugin latched when it first saw this
    /// medium type: a later `udpport` line does not change it.
    Bcast {
        interface: String,
        port: u16,
    },
    Ucast {
        interface: String,
        peer: String,
        port: u16,
    },
    Mcast {
        interface: String,
        group: String,
        port: u16,
        ttl: u8,
        loopback: bool,
    },
    Ucast6 {
        interface: String,
        peer: String,
    },
    Mcast6 {
        args: Vec<String>,
    },
    Serial {
        device: String,
    },
    Ping {
        host: String,
    },
    Ping6 {
        host: String,
    },
    PingGroup {
        name: String,
        hosts: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoFailback {
    /// The ip-request protocol; resources always go home.
    Legacy,
    /// nice_failback with failback to the preferred node.
    On,
    /// nice_failback, resources stay where they are.
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pacemaker {
    Off,
    On,
    Respawn,
    Minimal,
    CcmOnly,
    Valgrind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoJoin {
    None,
    Other,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UuidFrom {
    File,
    Nodename,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GenMethod {
    File,
    Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MsgFmt {
    Classic,
    Netstring,
}

/// heartbeatd runs ipfail itself, so a `respawn`/`failfast` line whose
/// program is ipfail (any path ending in `/ipfail`; Debian moved it from
/// /usr/lib/heartbeat to /usr/libexec/heartbeat) is never started as a
/// process nor checked on the host: the one place that says so.
pub fn is_builtin_ipfail(path: &str) -> bool {
    path.ends_with("/ipfail")
}

/// `respawn USER COMMAND…` / `failfast USER COMMAND…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientChild {
    pub user: String,
    /// The whole command line as written (the legacy runs it via a shell).
    pub command: String,
    /// The executable: the first word of `command`.
    pub path: String,
    /// `failfast`: the legacy reboots the node if this client dies.
    pub failfast: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiAuth {
    pub client: String,
    pub uids: Vec<String>,
    pub gids: Vec<String>,
    /// Added by the legacy, not written in the file.
    pub builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stonith {
    /// `stonith TYPE CONFIGFILE`.
    File {
        stonith_type: String,
        config_file: String,
    },
    /// `stonith_host HOST|* TYPE PARAMS…`; only used on the named host.
    Host {
        host: String,
        stonith_type: String,
        params: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}
