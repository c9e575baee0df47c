//! `-L --daemon`: one line per running sync daemon, as ipvsadm 1.31 prints
//! it.

use crate::wire::consts::{STATE_BACKUP, STATE_MASTER};
use crate::wire::daemon::SyncDaemon;
use std::fmt::Write;

/// ipvsadm looks at the first two daemons of the dump only (the kernel
/// never has more: one master, one backup), and names a daemon by its
/// master bit first.
pub fn list_daemons(daemons: &[SyncDaemon]) -> String {
    let mut out = String::new();
    for d in daemons.iter().take(2) {
        let kind = if d.state & STATE_MASTER != 0 {
            "master"
        } else if d.state & STATE_BACKUP != 0 {
            "backup"
        } else {
            continue;
        };
        let _ = write!(
            out,
            "{kind} sync daemon (mcast={}, syncid={}",
            d.mcast_ifn, d.syncid as i32
        );
        if d.sync_maxlen != 0 {
            let _ = write!(out, ", maxlen={}", d.sync_maxlen);
        }
        if let Some(g) = d.mcast_group {
            let _ = write!(out, ", group={g}");
        }
        if d.mcast_port != 0 {
            let _ = write!(out, ", port={}", d.mcast_port);
        }
        if d.mcast_ttl != 0 {
            let _ = write!(out, ", ttl={}", d.mcast_ttl);
        }
        out.push_str(")\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_then_backup_with_what_the_kernel_reports() {
        let master = SyncDaemon {
            state: STATE_MASTER,
            mcast_ifn: "eth0".into(),
            syncid: 1,
            sync_maxlen: 1472,
            mcast_group: Some("224.0.0.81".parse().unwrap()),
            mcast_port: 8848,
            mcast_ttl: 1,
        };
        let backup = SyncDaemon {
            state: STATE_BACKUP,
            mcast_ifn: "eth1".into(),
            syncid: 255,
            ..Default::default()
        };
        assert_eq!(
            list_daemons(&[master, backup]),
            "master sync daemon (mcast=eth0, syncid=1, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n\
             backup sync daemon (mcast=eth1, syncid=255)\n"
        );
        assert_eq!(list_daemons(&[]), "");
    }
}
