//! The checks heartbeat runs once the whole `ha.cf` is read: derived
//! timeouts, the keepalive/deadtime ratio, logging, media and node counts.

use super::model::{AutoJoin, HaCf, Pacemaker};
use super::Seen;
use crate::diag::Collector;

pub fn finish(cfg: &mut HaCf, seen: &Seen, c: &mut Collector) {
    let (dl, dc) = seen.deadtime.unwrap_or((0, 0));
    if cfg.media.is_empty() {
        c.error(0, 0, "No heartbeat media defined").hint =
            Some("add e.g. `bcast eth1` or `ucast eth1 PEER-IP`".into());
    }
    if cfg.nodes.is_empty() && cfg.autojoin != AutoJoin::Any {
        c.error(0, 0, "no nodes defined").hint =
            Some("add `node NAME` for each cluster member (`uname -n`)".into());
    }
    if !seen.warntime {
        cfg.warntime_ms = cfg.deadtime_ms / 2;
    }
    if i128::from(cfg.deadtime_ms) <= 2 * i128::from(cfg.keepalive_ms) {
        let (l, col) = seen.deadtime.or(seen.keepalive).unwrap_or((0, 0));
        c.error(
            l,
            col,
            format!(
                "Dead time [{}] is too small compared to keeplive [{}]",
                cfg.deadtime_ms, cfg.keepalive_ms
            ),
        )
        .hint = Some("deadtime must be more than twice keepalive".into());
    }
    match seen.initdead {
        None => {
            cfg.initdead_ms = if cfg.deadtime_ms > 10000 {
                cfg.deadtime_ms
            } else if cfg.deadtime_ms < 6000 {
                12000
            } else {
                2 * cfg.deadtime_ms
            };
        }
        Some((l, col)) => {
            if cfg.initdead_ms < cfg.deadtime_ms {
                c.error(
                    l,
                    col,
                    format!(
                        "Initial dead time [{}] is smaller than deadtime [{}]",
                        cfg.initdead_ms, cfg.deadtime_ms
                    ),
                );
            }
        }
    }
    if cfg.initdead_ms >= cfg.deadtime_ms && cfg.initdead_ms < 10000 {
        let (l, col) = seen.initdead.unwrap_or((dl, dc));
        c.warning(
            l,
            col,
            format!(
                "Initial dead time [{} ms] may be too small!",
                cfg.initdead_ms
            ),
        )
        .hint = Some("initdead should be >= deadtime and >= 10 seconds".into());
    }
    match seen.deadping {
        None => cfg.deadping_ms = cfg.deadtime_ms,
        Some((l, col)) => {
            if i128::from(cfg.deadping_ms) <= 2 * i128::from(cfg.keepalive_ms) {
                c.error(
                    l,
                    col,
                    format!(
                        "Ping dead time [{}] is too small compared to keeplive [{}]",
                        cfg.deadping_ms, cfg.keepalive_ms
                    ),
                );
            }
        }
    }
    let manages_resources = cfg.pacemaker == Pacemaker::Off;
    if cfg.auto_failback == super::model::AutoFailback::Legacy && manages_resources {
        c.warning(0, 0, "Deprecated 'legacy' auto_failback option selected.")
            .hint = Some("Please convert to 'auto_failback on'.".into());
    }
    // check_logd_usage: no log target at all means "use logd", unless the
    // file explicitly turned logd off.
    let no_target = cfg.logfile.is_none()
        && cfg.debugfile.is_none()
        && matches!(cfg.logfacility.as_deref(), None | Some("none"));
    if no_target {
        match seen.use_logd {
            None => cfg.use_logd = true,
            Some((false, l, col)) => {
                c.error(
                    l,
                    col,
                    "No log entry found in ha.cf and use_logd is set to off",
                )
                .hint = Some("set logfile, debugfile or logfacility, or use_logd yes".into());
            }
            Some((true, _, _)) => {}
        }
    }
    if manages_resources && cfg.autojoin != AutoJoin::None {
        let (l, col) = seen.autojoin.unwrap_or((0, 0));
        c.error(
            l,
            col,
            "R1 style resource management conflicts with  autojoin set",
        )
        .hint = Some("You need either unset autojoin or enable crm".into());
    }
}
