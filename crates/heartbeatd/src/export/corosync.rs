//! corosync.conf (totem 2, knet) and its key file from ha.cf and authkeys.

use ha_config::authkeys::{AuthKeys, AuthMethod};
use ha_config::hacf::HaCf;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// corosync-keygen's default size; knet accepts 128 to 4096 bytes.
const KEY_LEN: usize = 256;

/// Facilities corosync's logging section accepts.
pub const FACILITIES: &[&str] = &[
    "daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
];

/// The cluster key from the active heartbeat secret, or `None` for `crc`
/// (no secret). Expanded with SHA-256 in counter mode so every node that
/// runs the export on the same authkeys writes the same key; it is only as
/// strong as the heartbeat secret it comes from.
pub fn authkey(keys: &AuthKeys) -> Option<Vec<u8>> {
    let key = keys.active_key()?;
    if key.method == AuthMethod::Crc || key.key.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(KEY_LEN);
    let mut counter: u32 = 0;
    while out.len() < KEY_LEN {
        let mut h = Sha256::new();
        h.update(b"linux-ha-rs export-pacemaker corosync authkey\0");
        h.update(counter.to_be_bytes());
        h.update(key.key.as_bytes());
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(KEY_LEN);
    Some(out)
}

pub fn render(cfg: &HaCf, with_key: bool, source: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `heartbeatd export-pacemaker` from {source}."
    );
    s.push_str("totem {\n    version: 2\n");
    let _ = writeln!(s, "    cluster_name: {}", cluster_name(&cfg.cluster));
    s.push_str("    transport: knet\n");
    // deadtime is how long heartbeat waits before declaring a node dead;
    // token is corosync's same wait for a lost token.
    let _ = writeln!(s, "    # ha.cf deadtime {} ms", cfg.deadtime_ms);
    let _ = writeln!(s, "    token: {}", cfg.deadtime_ms);
    if with_key {
        s.push_str("    crypto_cipher: aes256\n    crypto_hash: sha256\n    keyfile: /etc/corosync/authkey\n");
    } else {
        s.push_str("    crypto_cipher: none\n    crypto_hash: none\n");
    }
    s.push_str("}\n\nnodelist {\n");
    for (i, node) in cfg.nodes.iter().enumerate() {
        let _ = write!(
            s,
            "    node {{\n        ring0_addr: {node}\n        name: {node}\n        nodeid: {}\n    }}\n",
            i + 1
        );
    }
    s.push_str("}\n\nquorum {\n    provider: corosync_votequorum\n");
    if cfg.nodes.len() == 2 {
        // A heartbeat pair keeps running on one survivor; two_node gives
        // the survivor quorum (and wait_for_all at first start).
        s.push_str("    two_node: 1\n");
    }
    s.push_str(
        "}\n\nlogging {\n    to_logfile: yes\n    logfile: /var/log/corosync/corosync.log\n",
    );
    match cfg.logfacility.as_deref() {
        Some("none") => s.push_str("    to_syslog: no\n"),
        Some(f) if FACILITIES.contains(&f) => {
            let _ = write!(s, "    to_syslog: yes\n    syslog_facility: {f}\n");
        }
        _ => s.push_str("    to_syslog: yes\n"),
    }
    s.push_str("    timestamp: on\n}\n");
    s
}

/// corosync's cluster_name is at most 31 characters (it seeds the knet
/// cluster id); heartbeat's default `linux-ha` fits. hacf_notes names a
/// name that had to change.
pub fn cluster_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(31)
        .collect();
    if clean.is_empty() {
        "linux-ha".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ha_config::authkeys::AuthKey;

    fn keys(method: AuthMethod, secret: &str) -> AuthKeys {
        AuthKeys {
            active: 1,
            keys: vec![AuthKey {
                index: 1,
                method,
                key: secret.into(),
            }],
        }
    }

    #[test]
    fn key_is_stable_sized_and_secret_dependent() {
        let a = authkey(&keys(AuthMethod::Sha1, "s1")).unwrap();
        assert_eq!(a.len(), KEY_LEN);
        assert_eq!(Some(a.clone()), authkey(&keys(AuthMethod::Md5, "s1")));
        assert_ne!(Some(a), authkey(&keys(AuthMethod::Sha1, "s2")));
        assert_eq!(authkey(&keys(AuthMethod::Crc, "")), None);
    }

    #[test]
    fn two_nodes_get_two_node_quorum() {
        let mut cfg = HaCf {
            nodes: vec!["a".into(), "b".into()],
            ..HaCf::default()
        };
        let text = render(&cfg, true, "x");
        assert!(text.contains("two_node: 1") && text.contains("token: 30000"));
        cfg.nodes.push("c".into());
        assert!(!render(&cfg, true, "x").contains("two_node"));
    }
}
