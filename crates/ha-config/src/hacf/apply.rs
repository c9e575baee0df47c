//! Applying one directive value to the model, with the legacy's checks and
//! wording. Host-dependent checks (users, paths, interfaces, host names,
//! stonith plugins) are left to the daemon.

use super::media;
use super::model::*;
use super::tokens::{skip_spaces, space_word, space_words};
use super::values::{atoi, boolean, get_msec, BAUDS, FACILITIES};
use super::{directives, Seen};
use crate::diag::Collector;
use crate::lines::Line;

/// `MAXNODE`, `HOSTLENG` and `MAXMEDIA` in heartbeat.h.
const MAX_NODES: usize = 100;
const HOSTLENG: usize = 100;
const MAX_MEDIA: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct At {
    pub line: usize,
    pub col: usize,
}

fn bool_hint() -> Option<String> {
    Some("use one of: on, off, yes, no, true, false, y, n, 1, 0".into())
}

fn invalid(c: &mut Collector, at: At, name: &str, value: &str, hint: Option<String>) {
    c.error(at.line, at.col, format!("invalid {name} value [{value}]"))
        .hint = hint;
}

fn msec(c: &mut Collector, at: At, name: &str, value: &str) -> Option<i64> {
    let v = get_msec(value);
    if v.is_none() {
        invalid(
            c,
            at,
            name,
            value,
            Some("a number of seconds, or milliseconds with `ms` (e.g. 2 or 500ms); there is no `s` suffix".into()),
        );
    }
    v
}

fn flag(c: &mut Collector, at: At, name: &str, value: &str) -> Option<bool> {
    let v = boolean(value);
    if v.is_none() {
        invalid(c, at, name, value, bool_hint());
    }
    v
}

/// One value of a blank/comma-separated directive.
pub fn option(name: &str, value: &str, at: At, cfg: &mut HaCf, seen: &mut Seen, c: &mut Collector) {
    match name {
        "cluster" => cfg.cluster = value.to_string(),
        "quorum_server" => {
            cfg.cluster = value.to_string();
            cfg.quorum_server = Some(value.to_string());
        }
        "node" => {
            let lower = value.to_ascii_lowercase();
            if cfg.nodes.len() >= MAX_NODES {
                c.error(
                    at.line,
                    at.col,
                    format!("too many nodes (heartbeat allows {MAX_NODES})"),
                );
            } else if lower.len() >= HOSTLENG {
                // The legacy copies names into 100 bytes without a NUL.
                c.error(
                    at.line,
                    at.col,
                    format!(
                        "node name [{value}] too long (at most {} bytes)",
                        HOSTLENG - 1
                    ),
                );
            } else {
                if cfg.nodes.contains(&lower) {
                    c.warning(
                        at.line,
                        at.col,
                        format!("node [{value}] is declared more than once"),
                    );
                }
                cfg.nodes.push(lower);
            }
        }
        "hopfudge" => {
            let v = atoi(value);
            if (0..256).contains(&v) {
                cfg.hopfudge = v;
            } else {
                invalid(c, at, name, value, Some("0 to 255".into()));
            }
        }
        "keepalive" => {
            if let Some(v) = msec(c, at, name, value) {
                if v > 0 {
                    cfg.keepalive_ms = v;
                    seen.keepalive = Some((at.line, at.col));
                } else {
                    invalid(
                        c,
                        at,
                        name,
                        value,
                        Some("keepalive must be more than 0 ms".into()),
                    );
                }
            }
        }
        "deadtime" => {
            if let Some(v) = msec(c, at, name, value) {
                cfg.deadtime_ms = v;
                seen.deadtime = Some((at.line, at.col));
            }
        }
        "deadping" => {
            if let Some(v) = msec(c, at, name, value) {
                cfg.deadping_ms = v;
                seen.deadping = Some((at.line, at.col));
            }
        }
        "initdead" => {
            if let Some(v) = msec(c, at, name, value) {
                cfg.initdead_ms = v;
                seen.initdead = Some((at.line, at.col));
            }
        }
        "warntime" => match get_msec(value) {
            Some(v) if v > 0 => {
                cfg.warntime_ms = v;
                seen.warntime = true;
            }
            _ => {
                c.error(at.line, at.col, format!("Warn time [{value}] is invalid."));
            }
        },
        "watchdog" => {
            if seen.watchdog_set {
                c.error(at.line, at.col, "Watchdog device multiply specified.");
            } else {
                seen.watchdog_set = true;
                cfg.watchdog = Some(value.to_string());
            }
        }
        "baud" => {
            if seen.baud_set {
                c.error(at.line, at.col, "Baudrate multiply specified.");
                return;
            }
            seen.baud_set = true;
            let v = atoi(value);
            if let Some(b) = BAUDS.iter().find(|b| **b == v) {
                cfg.baud = *b as u32;
                if seen.any_media {
                    c.warning(
                        at.line,
                        at.col,
                        "baudrate setting must precede media statements",
                    );
                }
            } else {
                c.error(
                    at.line,
                    at.col,
                    format!("invalid baudrate [{value}] specified."),
                )
                .hint = Some("one of 9600, 19200, 38400, 57600, 115200, 230400, 460800".into());
            }
        }
        "udpport" => {
            let v = atoi(value);
            if v <= 0 {
                c.error(
                    at.line,
                    at.col,
                    format!("invalid port [{value}] specified."),
                );
                return;
            }
            // The plugins store the port in 16 bits.
            cfg.udpport = v as u16;
            seen.udpport_set = true;
            if seen.any_media {
                c.warning(
                    at.line,
                    at.col,
                    "udpport setting must precede media statements",
                )
                .hint = Some(
                    "media already declared above keep the port they started with; move udpport up"
                        .into(),
                );
            }
        }
        "logfacility" => {
            if FACILITIES.contains(&value) {
                cfg.logfacility = Some(value.to_string());
            } else {
                c.error(at.line, at.col, format!("Log facility({value}) not valid"))
                    .hint = crate::suggest::did_you_mean(value, FACILITIES);
            }
        }
        "logfile" => cfg.logfile = Some(value.to_string()),
        "debugfile" => cfg.debugfile = Some(value.to_string()),
        "nice_failback" => nice_failback(value, at, cfg, c),
        "auto_failback" => match auto_failback(value) {
            Some(v) => cfg.auto_failback = v,
            None => invalid(c, at, name, value, Some("on, off or legacy".into())),
        },
        "rtprio" => {
            // sched_get_priority_{min,max}(SCHED_FIFO) on Linux.
            let v = atoi(value);
            if (1..=99).contains(&v) {
                cfg.rtprio = Some(v);
            } else {
                c.error(
                    at.line,
                    at.col,
                    format!("Illegal realtime priority [{value}]"),
                )
                .hint = Some("1 to 99".into());
            }
        }
        "hbgenmethod" => match value {
            "file" => cfg.hbgenmethod = GenMethod::File,
            "time" => cfg.hbgenmethod = GenMethod::Time,
            _ => {
                c.error(
                    at.line,
                    at.col,
                    format!("Illegal hb generation method [{value}]"),
                )
                .hint = Some("file or time".into());
            }
        },
        "realtime" => {
            if let Some(v) = flag(c, at, name, value) {
                cfg.realtime = v;
            }
        }
        "debug" => {
            let v = atoi(value);
            if (0..256).contains(&v) {
                cfg.debug = v;
            } else {
                invalid(c, at, name, value, Some("0 to 255".into()));
            }
        }
        "msgfmt" => match value {
            "classic" => cfg.msgfmt = MsgFmt::Classic,
            "netstring" => cfg.msgfmt = MsgFmt::Netstring,
            _ => invalid(c, at, name, value, Some("classic or netstring".into())),
        },
        "use_logd" => {
            if let Some(v) = flag(c, at, name, value) {
                cfg.use_logd = v;
                seen.use_logd = Some((v, at.line, at.col));
            }
        }
        "conn_logd_time" => match get_msec(value) {
            Some(v) if v > 0 => cfg.conn_logd_time_ms = v,
            _ => invalid(
                c,
                at,
                name,
                value,
                Some("more than 0 (seconds, or ms with `ms`)".into()),
            ),
        },
        "use_apphbd" => {
            if let Some(v) = flag(c, at, name, value) {
                cfg.use_apphbd = v;
            }
        }
        "log_badpack" => {
            if let Some(v) = flag(c, at, name, value) {
                cfg.log_badpack = v;
            }
        }
        "syslogmsgfmt" => {
            if let Some(v) = flag(c, at, name, value) {
                cfg.syslogmsgfmt = v;
            }
        }
        "coredumps" => {
            if let Some(v) = flag(c, at, name, value) {
                cfg.coredumps = v;
            }
        }
        "coreroot" => cfg.coreroot = Some(value.to_string()),
        "crm_daemon_dir" => {
            // The legacy's ordering test is inverted: it refuses this
            // directive unless a crm/pacemaker line came first.
            if seen.pacemaker_set {
                cfg.crm_daemon_dir = Some(value.to_string());
            } else {
                c.error(at.line, at.col, "crm_daemon_dir is only accepted after a crm/pacemaker line")
                    .hint = Some("heartbeat 3.0.6 rejects crm_daemon_dir unless `crm`/`pacemaker` comes earlier in the file".into());
            }
        }
        "crmd_spawns_pengine" => {
            if seen.pacemaker_set {
                c.error(
                    at.line,
                    at.col,
                    format!("If you specify {value}, it must come before the pacemaker directive"),
                );
            } else if let Some(v) = flag(c, at, name, value) {
                cfg.crmd_spawns_pengine = Some(v);
            }
        }
        "crm" | "pacemaker" => pacemaker(value, at, cfg, seen, c),
        "autojoin" => {
            let v = if value.eq_ignore_ascii_case("none") {
                AutoJoin::None
            } else if value.eq_ignore_ascii_case("other") {
                AutoJoin::Other
            } else if value.eq_ignore_ascii_case("any") {
                AutoJoin::Any
            } else {
                c.error(
                    at.line,
                    at.col,
                    format!("Invalid autojoin directive [{value}]"),
                )
                .hint = Some("none, other or any".into());
                return;
            };
            cfg.autojoin = v;
            seen.autojoin = Some((at.line, at.col));
        }
        "uuidfrom" => match value {
            "file" => cfg.uuidfrom = UuidFrom::File,
            "nodename" => cfg.uuidfrom = UuidFrom::Nodename,
            _ => {
                c.error(
                    at.line,
                    at.col,
                    format!("Invalid uuidfrom directive [{value}]"),
                )
                .hint = Some("file or nodename".into());
            }
        },
        "compression" => {
            if directives::COMPRESSORS.contains(&value) {
                cfg.compression = value.to_string();
            } else {
                c.error(
                    at.line,
                    at.col,
                    format!("Compression module({value}) not found"),
                )
                .hint = Some("zlib or bz2".into());
            }
        }
        "compression_threshold" => {
            let v = atoi(value);
            if v > 0 {
                cfg.compression_threshold_kb = v;
            } else {
                c.error(
                    at.line,
                    at.col,
                    format!("compress_threshhold({value}) invalid"),
                );
            }
        }
        "traditional_compression" => match boolean(value) {
            Some(v) => cfg.traditional_compression = v,
            None => {
                c.error(at.line, at.col, format!("Invalid directive value {value}"))
                    .hint = bool_hint();
            }
        },
        "env" => {
            // NAME=value; the legacy also takes a bare NAME (reading past
            // the string), which we model as an empty value.
            let (n, v) = value.split_once('=').unwrap_or((value, ""));
            if n.is_empty() {
                c.error(at.line, at.col, format!("invalid nvpair({value})"));
            } else {
                cfg.env.push(EnvVar {
                    name: format!("HA_{n}"),
                    value: v.to_string(),
                });
            }
        }
        "max_rexmit_delay" => {
            let v = atoi(value);
            if v > 0 {
                cfg.max_rexmit_delay_ms = v;
            } else {
                c.error(
                    at.line,
                    at.col,
                    format!("Invalid max_rexmit_delay time({value})"),
                );
            }
        }
        "record_config_changes" | "record_pengine_inputs" | "enable_config_writes" => {
            match boolean(value) {
                Some(v) => match name {
                    "record_config_changes" => cfg.record_config_changes = v,
                    "record_pengine_inputs" => cfg.record_pengine_inputs = v,
                    _ => cfg.enable_config_writes = v,
                },
                None => {
                    c.error(at.line, at.col, format!("Invalid directive value {value}"))
                        .hint = bool_hint();
                }
            }
        }
        "memreserve" => {
            let v = atoi(value);
            if v > 0 {
                cfg.memreserve_kb = v;
            } else {
                invalid(
                    c,
                    at,
                    name,
                    value,
                    Some("a number of kbytes above 0".into()),
                );
            }
        }
        "bcast" | "ping" | "ping6" | "serial" if cfg.media.len() >= MAX_MEDIA => {
            c.error(
                at.line,
                at.col,
                format!("Too many media specified (> {MAX_MEDIA})"),
            );
        }
        "bcast" => {
            let port = *seen.bcast_port.get_or_insert(cfg.udpport);
            cfg.media.push(Medium::Bcast {
                interface: value.to_string(),
                port,
            });
        }
        "ping" => cfg.media.push(Medium::Ping {
            host: value.to_string(),
        }),
        "ping6" => cfg.media.push(Medium::Ping6 {
            host: value.to_string(),
        }),
        "serial" => cfg.media.push(Medium::Serial {
            device: value.to_string(),
        }),
        _ => {
            c.error(
                at.line,
                at.col,
                format!("Illegal configuration directive [{name}]"),
            );
        }
    }
}

fn auto_failback(value: &str) -> Option<AutoFailback> {
    match boolean(value) {
        Some(true) => Some(AutoFailback::On),
        Some(false) => Some(AutoFailback::Off),
        None if value.eq_ignore_ascii_case("legacy") => Some(AutoFailback::Legacy),
        None => None,
    }
}

/// The obsolete `nice_failback`. The legacy decides from the nice_failback
/// state left by earlier lines, not from the value: after an
/// `auto_failback on|off` it means `off`, otherwise `legacy`.
fn nice_failback(value: &str, at: At, cfg: &mut HaCf, c: &mut Collector) {
    if boolean(value).is_none() {
        c.error(
            at.line,
            at.col,
            format!("invalid nice_failback value [{value}]"),
        )
        .hint = Some("nice_failback is obsolete: use auto_failback on|off|legacy".into());
        return;
    }
    let now = if cfg.auto_failback == AutoFailback::Legacy {
        AutoFailback::Legacy
    } else {
        AutoFailback::Off
    };
    cfg.auto_failback = now;
    let word = if now == AutoFailback::Legacy {
        "legacy"
    } else {
        "off"
    };
    c.warning(
        at.line,
        at.col,
        format!("nice_failback flag is obsolete; 'nice_failback {value}' is taken as 'auto_failback {word}'"),
    )
    .hint = Some("Use auto_failback {on, off, legacy} instead.".into());
}

fn pacemaker(value: &str, at: At, cfg: &mut HaCf, seen: &mut Seen, c: &mut Collector) {
    if seen.pacemaker_set {
        c.error(
            at.line,
            at.col,
            "pacemaker/crm directive used multiple times!",
        );
        return;
    }
    seen.pacemaker_set = true;
    let lower = value.to_ascii_lowercase();
    let mode = match lower.as_str() {
        "minimal" | "manual" => Pacemaker::Minimal,
        "respawn" => Pacemaker::Respawn,
        "ccm-only" => Pacemaker::CcmOnly,
        "valgrind" => Pacemaker::Valgrind,
        _ => match boolean(value) {
            Some(true) => Pacemaker::On,
            Some(false) => Pacemaker::Off,
            None => {
                invalid(
                    c,
                    at,
                    "crm",
                    value,
                    Some("on, off, respawn, minimal, manual, ccm-only or valgrind".into()),
                );
                return;
            }
        },
    };
    cfg.pacemaker = mode;
}

/// A directive that takes the rest of the line.
pub fn whole_line(
    name: &str,
    rest: &str,
    line: &Line<'_>,
    at: At,
    cfg: &mut HaCf,
    seen: &mut Seen,
    c: &mut Collector,
) {
    let col_of = |w: &str| line.col_of(w);
    if directives::is_medium(name) && cfg.media.len() >= MAX_MEDIA {
        // The legacy does not check this for line-style media and
        // overruns its table; refusing is the only sane reading.
        c.error(
            at.line,
            at.col,
            format!("Too many media specified (> {MAX_MEDIA})"),
        );
        return;
    }
    match name {
        "ucast" => {
            let port = *seen.ucast_port.get_or_insert(cfg.udpport);
            medium(media::ucast(rest, port), at, &col_of, cfg, c);
        }
        "ucast6" => medium(media::ucast6(rest), at, &col_of, cfg, c),
        "mcast" => medium(media::mcast(rest), at, &col_of, cfg, c),
        "mcast6" => {
            let args: Vec<String> = space_words(rest).iter().map(|s| s.to_string()).collect();
            if args.len() < 5 {
                c.error(
                    at.line,
                    at.col,
                    "mcast6: expected DEVICE GROUP PORT TTL LOOP",
                );
            } else {
                cfg.media.push(Medium::Mcast6 { args });
            }
        }
        "ping_group" => medium(Some(media::ping_group(rest)), at, &col_of, cfg, c),
        "respawn" | "failfast" => client_child(name, rest, at, &col_of, cfg, c),
        "apiauth" => apiauth(rest, at, &col_of, cfg, c),
        "stonith" => {
            let (ty, r) = space_word(skip_spaces(rest));
            if ty.is_empty() {
                c.error(at.line, at.col, "No Stonith type given");
                return;
            }
            let file = skip_spaces(r).trim_end_matches(super::tokens::is_space);
            if file.is_empty() {
                // The legacy then reads an uninitialised buffer as the
                // file name and fails.
                c.error(at.line, col_of(ty), "Invalid Stonith config file []")
                    .hint = Some("stonith TYPE /path/to/config-file".into());
                return;
            }
            cfg.stonith.push(Stonith::File {
                stonith_type: ty.to_string(),
                config_file: file.to_string(),
            });
        }
        "stonith_host" => {
            let (host, r) = space_word(skip_spaces(rest));
            if host.is_empty() {
                c.error(at.line, at.col, "No Stonith hostname argument given");
                return;
            }
            let (ty, r) = space_word(skip_spaces(r));
            if ty.is_empty() {
                c.error(at.line, at.col, "No Stonith type given");
                return;
            }
            cfg.stonith.push(Stonith::Host {
                host: host.to_ascii_lowercase(),
                stonith_type: ty.to_string(),
                params: skip_spaces(r).to_string(),
            });
        }
        _ => {
            c.error(
                at.line,
                at.col,
                format!("Illegal configuration directive [{name}]"),
            );
        }
    }
}

fn medium(
    r: Option<media::MediumResult<'_>>,
    at: At,
    col_of: &dyn Fn(&str) -> usize,
    cfg: &mut HaCf,
    c: &mut Collector,
) {
    match r {
        None => {}
        Some(Ok(m)) => cfg.media.push(m),
        Some(Err((msg, word))) => {
            let col = word.map_or(at.col, col_of);
            c.error(at.line, col, msg);
        }
    }
}

fn client_child(
    name: &str,
    rest: &str,
    at: At,
    col_of: &dyn Fn(&str) -> usize,
    cfg: &mut HaCf,
    c: &mut Collector,
) {
    let (user, r) = space_word(skip_spaces(rest));
    if user.is_empty() {
        c.error(at.line, at.col, "Invalid uid [] specified for client child")
            .hint = Some(format!("{name} USER /full/path/to/command [ARGS]"));
        return;
    }
    if user.len() >= 64 {
        c.error(
            at.line,
            col_of(user),
            "UID specified for client child is too long",
        );
        return;
    }
    let command = skip_spaces(r);
    if !command.starts_with('/') {
        c.error(
            at.line,
            if command.is_empty() {
                at.col
            } else {
                col_of(command)
            },
            format!("Client child command [{command}] is not full pathname"),
        )
        .hint = Some(format!("{name} USER /full/path/to/command [ARGS]"));
        return;
    }
    let (path, _) = space_word(command);
    cfg.respawn.push(ClientChild {
        user: user.to_string(),
        command: command
            .trim_end_matches(super::tokens::is_space)
            .to_string(),
        path: path.to_string(),
        failfast: name == "failfast",
    });
}

const APIAUTH_HINT: &str = "apiauth CLIENT [uid=uid1,uid2] [gid=gid1,gid2] (one or both)";

fn apiauth(rest: &str, at: At, col_of: &dyn Fn(&str) -> usize, cfg: &mut HaCf, c: &mut Collector) {
    let whole = rest.trim_end_matches(super::tokens::is_space);
    let bad = |c: &mut Collector, col: usize, msg: String| {
        c.error(at.line, col, msg).hint = Some(APIAUTH_HINT.into());
    };
    let (client, r) = space_word(skip_spaces(rest));
    if client.is_empty() {
        bad(c, at.col, format!("Invalid apiauth directive [{whole}]"));
        return;
    }
    if client.len() >= 64 {
        bad(
            c,
            col_of(client),
            format!("client name [{client}] too long"),
        );
        return;
    }
    let mut uids: Option<&str> = None;
    let mut gids: Option<&str> = None;
    for w in space_words(r) {
        if let Some(list) = w.strip_prefix("uid=") {
            if uids.is_some() {
                bad(c, col_of(w), "Duplicate uid list in apiauth".into());
                return;
            }
            uids = Some(list);
        } else if let Some(list) = w.strip_prefix("gid=") {
            if gids.is_some() {
                bad(c, col_of(w), "Duplicate gid list in apiauth".into());
                return;
            }
            gids = Some(list);
        } else {
            bad(c, col_of(w), "Missing uid or gid in apiauth".into());
            return;
        }
    }
    if uids.is_none() && gids.is_none() {
        bad(c, at.col, format!("Invalid apiauth directive [{whole}]"));
        return;
    }
    // Each list is split on commas; an empty first entry names nobody and
    // the legacy refuses it. Numeric ids are taken as they are.
    for (list, what) in [(uids, "user id name"), (gids, "group name")] {
        let Some(l) = list else { continue };
        if l.starts_with(',') {
            bad(c, col_of(l), format!("Invalid {what} []"));
            return;
        }
        if let Some(long) = l.split(',').find(|x| x.len() >= 64) {
            bad(c, col_of(long), format!("{what} [{long}] is too long"));
            return;
        }
    }
    if cfg.apiauth.iter().any(|a| a.client == client) {
        bad(
            c,
            col_of(client),
            format!("Duplicate apiauth directive for API client {client}: [{whole}]"),
        );
        return;
    }
    let split = |l: Option<&str>| -> Vec<String> {
        l.map(|l| {
            l.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
    };
    cfg.apiauth.push(ApiAuth {
        client: client.to_string(),
        uids: split(uids),
        gids: split(gids),
        builtin: false,
    });
}

/// The legacy's defaults for well-known API clients the file leaves out.
pub fn add_builtin_apiauth(cfg: &mut HaCf) {
    let defaults: [(&str, &[&str], &[&str]); 5] = [
        ("ipfail", &["hacluster"], &[]),
        ("ccm", &["hacluster"], &[]),
        ("ping", &[], &["haclient"]),
        ("lha-snmpagent", &["root"], &[]),
        ("anon", &["root"], &["haclient"]),
    ];
    for (client, uids, gids) in defaults {
        if cfg.apiauth.iter().any(|a| a.client == client) {
            continue;
        }
        cfg.apiauth.push(ApiAuth {
            client: client.to_string(),
            uids: uids.iter().map(|s| s.to_string()).collect(),
            gids: gids.iter().map(|s| s.to_string()).collect(),
            builtin: true,
        });
    }
}
