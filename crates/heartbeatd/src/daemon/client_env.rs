//! The environment heartbeat 3.0.6 gives its respawn clients (facts §3.2):
//! `HA_<directive>` with the raw ha.cf token of every recorded directive
//! (defaults and computed values included), `env` lines as `HA_NAME`, and
//! the fixed `HA_DIR`, `HA_FUNCS`, `HA_DATEFMT`, `HA_LOGFILE`, … on top of
//! the daemon's own environment.

use crate::defaults::default_of;
use crate::params::RECORDED;
use ha_config::hacf::outline::DirectiveLine;
use ha_config::hacf::HaCf;
use std::path::Path;

/// What the clients get in addition to the daemon's environment.
pub fn client_env(
    outline: &[DirectiveLine],
    hacf: &HaCf,
    node: &str,
    dir: &Path,
    debug_level: u32,
) -> Vec<(String, String)> {
    // The last value written wins, as each value is applied in turn.
    let written = |name: &str| -> Option<String> {
        outline
            .iter()
            .filter(|d| d.name == name || (name == "pacemaker" && d.name == "crm"))
            .filter_map(|d| d.values.last())
            .next_back()
            .cloned()
    };
    let mut env = Vec::new();
    for name in RECORDED {
        let value = written(name)
            .or_else(|| default_of(name).map(String::from))
            .or_else(|| computed(name, hacf, debug_level));
        if let Some(v) = value {
            env.push((format!("HA_{name}"), v));
        }
    }
    for e in &hacf.env {
        // The model already names them HA_NAME.
        env.push((e.name.clone(), e.value.clone()));
    }
    let ha_dir = format!("{}/", dir.display().to_string().trim_end_matches('/'));
    env.extend([
        ("HA_CURHOST".to_string(), node.to_string()),
        ("HA_FUNCS".to_string(), format!("{ha_dir}/shellfuncs")),
        ("HA_DIR".to_string(), ha_dir),
        ("HA_DATEFMT".to_string(), "%Y/%m/%d_%T\t".to_string()),
        (
            "HA_LOGFILE".to_string(),
            hacf.logfile.clone().unwrap_or_default(),
        ),
        (
            "HA_DEBUGLOG".to_string(),
            hacf.debugfile.clone().unwrap_or_default(),
        ),
        ("OCF_ROOT".to_string(), "/usr/lib/ocf".to_string()),
        ("HA_COMPRESSION".to_string(), hacf.compression.clone()),
    ]);
    if let Some(f) = &hacf.logfacility {
        env.push(("HA_LOGFACILITY".to_string(), f.clone()));
    }
    env
}

/// Values the legacy computes when the file leaves them out.
fn computed(name: &str, hacf: &HaCf, debug_level: u32) -> Option<String> {
    let facility = hacf.logfacility.as_deref().is_some_and(|f| f != "none");
    let no_log_target = hacf.logfile.is_none() && hacf.debugfile.is_none() && !facility;
    match name {
        "warntime" => Some(format!("{}ms", hacf.deadtime_ms / 2)),
        "initdead" => Some(format!("{}ms", hacf.initdead_ms)),
        "deadping" => Some(format!("{}ms", hacf.deadtime_ms)),
        "udpport" => Some(ha_config::hacf::DEFAULT_UDPPORT.to_string()),
        "debug" => Some(debug_level.to_string()),
        // Logging to syslog only: the files are pinned to /dev/null.
        "logfile" | "debugfile" if facility => Some("/dev/null".into()),
        "use_logd" if no_log_target => Some("yes".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(text: &str) -> Vec<(String, String)> {
        let hacf = ha_config::hacf::parse(text, "ha.cf").unwrap().value;
        let o = ha_config::hacf::outline::outline(text);
        client_env(&o, &hacf, "nodea", Path::new("/etc/ha.d"), 0)
    }

    fn get<'a>(env: &'a [(String, String)], k: &str) -> Option<&'a str> {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    /// The values seen live on Debian's heartbeat (facts §3.2).
    #[test]
    fn raw_tokens_defaults_and_computed_values() {
        let e = env_of(
            "keepalive 1\ndeadtime 5\nudpport 694\nucast eth1 10.0.0.2\nauto_failback on\nnode nodea\nlogfile /var/log/ha-log\nenv FOO=bar\ncrm off\n",
        );
        assert_eq!(get(&e, "HA_keepalive"), Some("1"));
        assert_eq!(get(&e, "HA_deadtime"), Some("5"));
        assert_eq!(get(&e, "HA_deadping"), Some("5000ms"));
        assert_eq!(get(&e, "HA_warntime"), Some("2500ms"));
        assert_eq!(get(&e, "HA_initdead"), Some("12000ms"));
        assert_eq!(get(&e, "HA_udpport"), Some("694"));
        assert_eq!(get(&e, "HA_auto_failback"), Some("on"));
        assert_eq!(get(&e, "HA_debug"), Some("0"));
        assert_eq!(get(&e, "HA_pacemaker"), Some("off"));
        assert_eq!(get(&e, "HA_logfile"), Some("/var/log/ha-log"));
        assert_eq!(get(&e, "HA_use_logd"), None);
        assert_eq!(get(&e, "HA_FOO"), Some("bar"));
        assert_eq!(get(&e, "HA_CURHOST"), Some("nodea"));
        assert_eq!(get(&e, "HA_DIR"), Some("/etc/ha.d/"));
        assert_eq!(get(&e, "HA_FUNCS"), Some("/etc/ha.d//shellfuncs"));
        assert_eq!(get(&e, "HA_DATEFMT"), Some("%Y/%m/%d_%T\t"));
        assert_eq!(get(&e, "OCF_ROOT"), Some("/usr/lib/ocf"));
        assert_eq!(get(&e, "HA_watchdog"), None);
    }

    #[test]
    fn last_value_wins_and_syslog_only_pins_files() {
        let e = env_of(
            "keepalive 1,2\nkeepalive 3\ndeadtime 10\nlogfacility local0\nbcast eth1\nnode nodea\n",
        );
        assert_eq!(get(&e, "HA_keepalive"), Some("3"));
        assert_eq!(get(&e, "HA_logfile"), Some("/dev/null"));
        assert_eq!(get(&e, "HA_LOGFACILITY"), Some("local0"));
        let e = env_of("bcast eth1\nnode nodea\n");
        assert_eq!(get(&e, "HA_use_logd"), Some("yes"));
        assert_eq!(get(&e, "HA_deadtime"), Some("30000ms"));
    }
}
