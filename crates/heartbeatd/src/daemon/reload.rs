//! Reloading the configuration: `heartbeatd -r` checks the files and
//! signals the daemon (SIGHUP); on SIGHUP the daemon reads them again and
//! hands the result to the core (`Event::Reload`), which applies it in
//! place (hb-core `reload.rs`: why no restart, what is refused).
//!
//! A file that does not parse or fails the host checks is refused with
//! the same `file:line` messages as `-t`, and the running configuration
//! stays. (The legacy's SIGHUP re-executes it with the broken file and it
//! dies holding its resources; its `-r` checks first, as ours does.)

use super::log::Log;
use super::{running_pid, wire};
use ha_config::hacf::outline::DirectiveLine;
use ha_config::hacf::Medium;
use ha_config::haresources::ResourceGroup;
use ha_config::heartbeat_dir::HeartbeatConfig;
use hb_core::{Event, Level};
use std::path::Path;

/// The configuration the daemon runs with.
pub struct Current {
    pub loaded: HeartbeatConfig,
    pub outline: Vec<DirectiveLine>,
}

impl Current {
    pub fn read(dir: &Path, loaded: HeartbeatConfig) -> Current {
        Current {
            loaded,
            outline: crate::hostcheck::outline_of(dir),
        }
    }

    /// `hopfudge` + the node count: the `ttl` of our messages.
    /// The legacy counts ping nodes as table nodes here too.
    pub fn ttl(&self) -> u32 {
        let pings = self
            .loaded
            .hacf
            .media
            .iter()
            .filter(|m| matches!(m, Medium::Ping { .. } | Medium::PingGroup { .. }))
            .count() as u32;
        self.loaded.hacf.hopfudge.max(0) as u32 + self.loaded.hacf.nodes.len() as u32 + pings
    }
}

/// What a SIGHUP changed.
pub struct Reread {
    pub current: Current,
    pub keys: hb_proto::AuthKeys,
    /// For the core, with the new group definitions for the runner; `None`
    /// when only authkeys changed.
    pub reload: Option<(Event, Vec<ResourceGroup>)>,
}

fn not_restarted() -> String {
    format!(
        "Config errors: Heartbeat pid {} NOT restarted",
        std::process::id()
    )
}

/// The files in `dir` as the start would accept them: the errors as `-t`
/// prints them otherwise, then the start's own checks (timings, groups).
fn load_checked(dir: &Path) -> Result<HeartbeatConfig, Vec<String>> {
    let parsed = ha_config::heartbeat_dir::load(dir).map_err(|e| vec![e.to_string()])?;
    let found = crate::hostcheck::check_dir(dir, &parsed.value.hacf);
    if !found.is_empty() {
        return Err(found.iter().map(ToString::to_string).collect());
    }
    let l = parsed.value;
    hb_core::Config::from_ha_config(&l.hacf, l.haresources.as_ref(), &super::node_name(), 1)
        .map_err(|e| vec![format!("{}: {e}", dir.join("ha.cf").display())])?;
    Ok(l)
}

/// Directives whose change needs a restart here: sockets and clients are
/// set up once.
const AT_NEXT_START: &[&str] = &[
    "bcast",
    "ucast",
    "mcast",
    "udpport",
    "ping",
    "ping_group",
    "deadping",
    "respawn",
    "failfast",
    "apiauth",
    "env",
];

/// SIGHUP: reads `dir` again. Everything is logged; `None` when there is
/// nothing to apply (unchanged, or refused).
pub fn reread(
    dir: &Path,
    name: &str,
    running: &hb_core::Config,
    current: &Current,
    applied: &[ResourceGroup],
    log: &mut Log,
) -> Option<Reread> {
    let loaded = match load_checked(dir) {
        Ok(l) => l,
        Err(lines) => {
            for l in lines.iter().flat_map(|l| l.lines()) {
                log.error(l);
            }
            log.error(&not_restarted());
            return None;
        }
    };
    let refuse = |log: &mut Log, what: &str, e: String| {
        log.error(&format!("{}: {e}", dir.join(what).display()));
        log.error(&not_restarted());
    };
    let keys = match wire::keys(&loaded.authkeys) {
        Ok(k) => k,
        Err(e) => {
            refuse(log, "authkeys", e);
            return None;
        }
    };
    let cfg = match hb_core::Config::from_ha_config(
        &loaded.hacf,
        loaded.haresources.as_ref(),
        name,
        running.generation,
    ) {
        Ok(c) => c,
        Err(e) => {
            refuse(log, "ha.cf", e.to_string());
            return None;
        }
    };
    // Refused before anything is swapped, so the driver and the core keep
    // the same configuration.
    if let Some(why) = hb_core::reload_refusal(running, &cfg) {
        log.error(&why);
        return None;
    }
    let next = Current::read(dir, loaded);
    if next.loaded == current.loaded && next.outline == current.outline {
        log.info("Configuration unchanged.");
        return None;
    }
    let only_keys = next.loaded.hacf == current.loaded.hacf
        && next.loaded.haresources == current.loaded.haresources
        && next.outline == current.outline;
    if only_keys {
        log.info("Rereading authentication file.");
        return Some(Reread {
            current: next,
            keys,
            reload: None,
        });
    }
    log.info("Rereading configuration files (in place: resources kept, no restart).");
    if next.loaded.authkeys != current.loaded.authkeys {
        log.info("Rereading authentication file.");
    }
    for d in AT_NEXT_START {
        let lines = |c: &Current| -> Vec<Vec<String>> {
            c.outline
                .iter()
                .filter(|l| l.name == *d)
                .map(|l| l.values.clone())
                .collect()
        };
        if lines(&next) != lines(current) {
            log.log(
                Level::Warning,
                &format!("{d}: changed lines take effect at the next start of heartbeat"),
            );
        }
    }
    let groups = next
        .loaded
        .haresources
        .as_ref()
        .map(|h| h.groups.clone())
        .unwrap_or_default();
    // Same key and home but other resources: the core restarts the group.
    let changed = groups
        .iter()
        .filter(|g| {
            applied
                .iter()
                .any(|a| a.key() == g.key() && a.node == g.node && a.resources != g.resources)
        })
        .filter_map(|g| g.key().map(str::to_string))
        .collect();
    let event = Event::Reload {
        cfg: Box::new(cfg),
        changed,
    };
    Some(Reread {
        current: next,
        keys,
        reload: Some((event, groups)),
    })
}

/// `heartbeatd -r`: checks the files in `dir` and signals the running
/// daemon to reread them; starts one if none runs, as the legacy does.
/// 0 when signalled, 1 on configuration errors (nothing signalled), 4 if
/// the daemon may not be signalled.
pub fn request(dir: &Path) -> u8 {
    let Some(pid) = running_pid() else {
        return super::start(dir, false, false, super::ProcessFlags::default());
    };
    if let Err(lines) = load_checked(dir) {
        for l in lines {
            eprintln!("{l}");
        }
        eprintln!("ERROR: Config errors: Heartbeat pid {pid} NOT restarted");
        return 1;
    }
    eprintln!("INFO: Signalling heartbeat pid {pid} to reread config files");
    // SAFETY: kill(2) on the pid from our pid file whose cmdline is ours.
    if unsafe { libc::kill(pid, libc::SIGHUP) } < 0 {
        let errno = nix::errno::Errno::last();
        eprintln!("ERROR: Could not signal pid {pid} : {}", errno.desc());
        return match errno {
            nix::errno::Errno::EPERM | nix::errno::Errno::EACCES => 4,
            _ => 1,
        };
    }
    0
}
