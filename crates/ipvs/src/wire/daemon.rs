//! The connection-sync daemon (`IPVS_CMD_*_DAEMON`) as attributes: what
//! `--start-daemon` / `--stop-daemon` send and what a `GET_DAEMON` dump
//! answers. Pure: decoding any bytes gives a value or an error.

use super::consts::*;
use super::decode::DecodeError;
use crate::netlink::attr::{attrs, AttrWriter};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One sync daemon's settings. Zero / `None` means "not set" (the kernel
/// then uses its defaults: group 224.0.0.81, port 8848, ttl 1, maxlen from
/// the interface MTU).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncDaemon {
    /// `STATE_MASTER` or `STATE_BACKUP` (a bit mask in the ABI).
    pub state: u32,
    pub mcast_ifn: String,
    pub syncid: u32,
    pub sync_maxlen: u16,
    pub mcast_group: Option<IpAddr>,
    pub mcast_port: u16,
    pub mcast_ttl: u8,
}

/// The nested `IPVS_CMD_ATTR_DAEMON` for `NEW_DAEMON`: the optional
/// settings only when given, so the kernel's defaults apply otherwise.
pub fn start(w: &mut AttrWriter, d: &SyncDaemon) {
    let nest = w.begin_nested(CMD_ATTR_DAEMON);
    identity(w, d);
    if d.sync_maxlen != 0 {
        w.u16(DAEMON_ATTR_SYNC_MAXLEN, d.sync_maxlen);
    }
    if d.mcast_port != 0 {
        w.u16(DAEMON_ATTR_MCAST_PORT, d.mcast_port);
    }
    if d.mcast_ttl != 0 {
        w.u8(DAEMON_ATTR_MCAST_TTL, d.mcast_ttl);
    }
    match d.mcast_group {
        // The group goes as it lies in memory: network byte order.
        Some(IpAddr::V4(g)) => w.bytes(DAEMON_ATTR_MCAST_GROUP, &g.octets()),
        Some(IpAddr::V6(g)) => w.bytes(DAEMON_ATTR_MCAST_GROUP6, &g.octets()),
        None => {}
    }
    w.end_nested(nest);
}

/// The nested attribute for `DEL_DAEMON`: the kernel only reads the state,
/// but ipvsadm sends interface and syncid too, and so do we.
pub fn stop(w: &mut AttrWriter, d: &SyncDaemon) {
    let nest = w.begin_nested(CMD_ATTR_DAEMON);
    identity(w, d);
    w.end_nested(nest);
}

fn identity(w: &mut AttrWriter, d: &SyncDaemon) {
    w.u32(DAEMON_ATTR_STATE, d.state);
    w.string(DAEMON_ATTR_MCAST_IFN, &d.mcast_ifn);
    w.u32(DAEMON_ATTR_SYNC_ID, d.syncid);
}

/// One message of a `GET_DAEMON` dump (its attributes after the genl
/// header).
pub fn decode(msg: &[u8]) -> Result<SyncDaemon, DecodeError> {
    let mut nest = None;
    for a in attrs(msg) {
        let a = a?;
        if a.ty == CMD_ATTR_DAEMON {
            nest = Some(a);
        }
    }
    let nest = nest.ok_or(DecodeError::Missing("daemon"))?;
    let mut d = SyncDaemon::default();
    let (mut state, mut ifn, mut syncid) = (false, false, false);
    for a in nest.nested() {
        let a = a?;
        match a.ty {
            DAEMON_ATTR_STATE => {
                d.state = a.u32()?;
                state = true;
            }
            DAEMON_ATTR_MCAST_IFN => {
                d.mcast_ifn = a.string();
                ifn = true;
            }
            DAEMON_ATTR_SYNC_ID => {
                d.syncid = a.u32()?;
                syncid = true;
            }
            DAEMON_ATTR_SYNC_MAXLEN => d.sync_maxlen = a.u16()?,
            DAEMON_ATTR_MCAST_PORT => d.mcast_port = a.u16()?,
            DAEMON_ATTR_MCAST_TTL => d.mcast_ttl = a.u8()?,
            // An IPv4 group wins over an IPv6 one, as in ipvsadm.
            DAEMON_ATTR_MCAST_GROUP => {
                let b: [u8; 4] = a.payload.try_into().map_err(|_| size(a.ty, a.payload, 4))?;
                d.mcast_group = Some(IpAddr::V4(Ipv4Addr::from(b)));
            }
            DAEMON_ATTR_MCAST_GROUP6 if !matches!(d.mcast_group, Some(IpAddr::V4(_))) => {
                let b: [u8; 16] = a
                    .payload
                    .try_into()
                    .map_err(|_| size(a.ty, a.payload, 16))?;
                d.mcast_group = Some(IpAddr::V6(Ipv6Addr::from(b)));
            }
            _ => {}
        }
    }
    if !(state && ifn && syncid) {
        return Err(DecodeError::Missing("daemon state, interface or syncid"));
    }
    Ok(d)
}

fn size(ty: u16, payload: &[u8], want: usize) -> DecodeError {
    crate::netlink::attr::AttrError::Size {
        ty,
        len: payload.len(),
        want,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::attr::AttrWriter;

    fn round_trip(d: &SyncDaemon) -> SyncDaemon {
        let mut buf = Vec::new();
        start(&mut AttrWriter::new(&mut buf), d);
        decode(&buf).unwrap()
    }

    #[test]
    fn settings_survive_encoding() {
        let d = SyncDaemon {
            state: STATE_MASTER,
            mcast_ifn: "eth1".into(),
            syncid: 7,
            sync_maxlen: 1400,
            mcast_group: Some("239.1.2.3".parse().unwrap()),
            mcast_port: 9000,
            mcast_ttl: 3,
        };
        assert_eq!(round_trip(&d), d);
        let v6 = SyncDaemon {
            state: STATE_BACKUP,
            mcast_ifn: "eth0".into(),
            mcast_group: Some("ff02::81".parse().unwrap()),
            ..Default::default()
        };
        assert_eq!(round_trip(&v6), v6);
    }

    #[test]
    fn unset_options_are_not_sent() {
        let mut buf = Vec::new();
        let d = SyncDaemon {
            state: STATE_BACKUP,
            mcast_ifn: "eth0".into(),
            ..Default::default()
        };
        start(&mut AttrWriter::new(&mut buf), &d);
        let nest = attrs(&buf).next().unwrap().unwrap();
        let types: Vec<u16> = nest.nested().map(|a| a.unwrap().ty).collect();
        assert_eq!(
            types,
            [
                DAEMON_ATTR_STATE,
                DAEMON_ATTR_MCAST_IFN,
                DAEMON_ATTR_SYNC_ID
            ]
        );
    }

    #[test]
    fn incomplete_or_garbled_replies_are_errors() {
        assert!(decode(&[]).is_err());
        let mut buf = Vec::new();
        let mut w = AttrWriter::new(&mut buf);
        let n = w.begin_nested(CMD_ATTR_DAEMON);
        w.u32(DAEMON_ATTR_STATE, STATE_MASTER);
        w.end_nested(n);
        assert!(decode(&buf).is_err());
        for cut in 0..buf.len() {
            let _ = decode(&buf[..cut]);
        }
    }
}
