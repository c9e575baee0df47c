//! Packets in and out: authkeys as hb-proto's table, outgoing messages
//! completed, signed and framed as a 3.0.6 node frames them (netstring with
//! trailer, plus the body `auth` field of the default `msgfmt classic`),
//! incoming datagrams decoded and authenticated.

use super::log::Log;
use ha_config::authkeys::{AuthKeys as CfKeys, AuthMethod};
use hb_core::Level;
use hb_proto::{Auth, AuthKeys, Message, Method};
use std::time::{Duration, Instant};

pub fn keys(cf: &CfKeys) -> Result<AuthKeys, String> {
    let method = |m: AuthMethod| match m {
        AuthMethod::Crc => Method::Crc,
        AuthMethod::Md5 => Method::Md5,
        AuthMethod::Sha1 => Method::Sha1,
    };
    let active = cf
        .active_key()
        .ok_or_else(|| format!("auth {} names no key", cf.active))?;
    let signer = Auth::new(
        active.index,
        method(active.method),
        active.key.as_bytes().to_vec(),
    )
    .map_err(|e| format!("key {}: {e}", active.index))?;
    let mut table = AuthKeys::new(signer);
    for k in &cf.keys {
        let a = Auth::new(k.index, method(k.method), k.key.as_bytes().to_vec())
            .map_err(|e| format!("key {}: {e}", k.index))?;
        table = table.with(a);
    }
    Ok(table)
}

fn loadavg() -> Vec<u8> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.split_whitespace().take(5).collect();
            (!f.is_empty()).then(|| f.join(" ").into_bytes())
        })
        .unwrap_or_else(|| b"0.00 0.00 0.00 1/1 1".to_vec())
}

pub fn encode(msg: &mut Message, keys: &AuthKeys, ttl: u32) -> Result<Vec<u8>, String> {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1);
    hb_core::complete_for_wire(msg, unix, &loadavg(), ttl);
    keys.signer()
        .add_body_auth(msg)
        .map_err(|e| e.to_string())?;
    hb_proto::encode_netstring(msg, keys.signer()).map_err(|e| e.to_string())
}

pub fn decode(packet: &[u8], keys: &AuthKeys) -> Result<Message, String> {
    let d = hb_proto::decode(packet).map_err(|e| e.to_string())?;
    keys.verify(&d, packet)
        .map_err(|e| format!("authentication failed: {e}"))?;
    Ok(d.message)
}

/// Bad packets are counted, and logged at most once per ten seconds per
/// medium with the count since the last line.
#[derive(Default)]
pub struct BadPackets {
    last: std::collections::HashMap<String, (Option<Instant>, u64)>,
}

impl BadPackets {
    pub fn note(&mut self, log: &mut Log, medium: &str, why: &str) {
        let now = Instant::now();
        let e = self.last.entry(medium.to_string()).or_insert((None, 0));
        e.1 += 1;
        if e.0
            .is_none_or(|t: Instant| now.duration_since(t) >= Duration::from_secs(10))
        {
            log.log(
                Level::Warning,
                &format!("dropped {} bad packet(s) on {medium}; last: {why}", e.1),
            );
            *e = (Some(now), 0);
        }
    }
}
