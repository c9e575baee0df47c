//! The model as IPVS request attributes.

use super::consts::*;
use crate::model::{DestConf, Family, Forward, ServiceConf, ServiceKey};
use crate::netlink::attr::AttrWriter;
use std::net::{IpAddr, SocketAddr};

pub fn af(family: Family) -> u16 {
    match family {
        Family::Inet => AF_INET,
        Family::Inet6 => AF_INET6,
    }
}

/// `union nf_inet_addr`: 16 bytes, an IPv4 address in the first four.
pub fn inet_addr(ip: &IpAddr) -> [u8; 16] {
    let mut b = [0u8; 16];
    match ip {
        IpAddr::V4(v4) => b[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => b = v6.octets(),
    }
    b
}

pub fn forward_method(f: Forward) -> u32 {
    match f {
        Forward::Masq => CONN_F_MASQ,
        Forward::Local => CONN_F_LOCALNODE,
        Forward::Tunnel => CONN_F_TUNNEL,
        Forward::Route => CONN_F_DROUTE,
    }
}

/// The attributes that name a service (enough for the dest and delete
/// commands).
pub fn service_key(w: &mut AttrWriter, key: &ServiceKey) {
    w.u16(SVC_ATTR_AF, af(key.family()));
    match key {
        ServiceKey::FwMark { mark, .. } => w.u32(SVC_ATTR_FWMARK, *mark),
        ServiceKey::Addr { protocol, addr } => {
            w.u16(SVC_ATTR_PROTOCOL, protocol.number());
            w.bytes(SVC_ATTR_ADDR, &inet_addr(&addr.ip()));
            w.be16(SVC_ATTR_PORT, addr.port());
        }
    }
}

/// A nested `IPVS_CMD_ATTR_SERVICE`, with the settings when `conf` is given
/// (add and edit need all of them).
pub fn service(w: &mut AttrWriter, key: &ServiceKey, conf: Option<&ServiceConf>) {
    let nest = w.begin_nested(CMD_ATTR_SERVICE);
    service_key(w, key);
    if let Some(c) = conf {
        w.string(SVC_ATTR_SCHED_NAME, &c.scheduler);
        if let Some(pe) = &c.pe_name {
            w.string(SVC_ATTR_PE_NAME, pe);
        }
        let persistent = if c.persistence.is_some() {
            SVC_F_PERSISTENT
        } else {
            0
        };
        let mut flags = [0u8; 8];
        flags[..4].copy_from_slice(&(c.flags | persistent).to_ne_bytes());
        flags[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
        w.bytes(SVC_ATTR_FLAGS, &flags);
        w.u32(SVC_ATTR_TIMEOUT, c.persistence.unwrap_or(0));
        w.bytes(SVC_ATTR_NETMASK, &netmask_bytes(key.family(), c.netmask));
    }
    w.end_nested(nest);
}

/// IPv4: the mask in network order; IPv6: the prefix length as a plain
/// integer in the same 32-bit field (the kernel does not convert it).
fn netmask_bytes(family: Family, netmask: u32) -> [u8; 4] {
    match family {
        Family::Inet => netmask.to_be_bytes(),
        Family::Inet6 => netmask.to_ne_bytes(),
    }
}

pub fn netmask_from_bytes(family: Family, b: [u8; 4]) -> u32 {
    match family {
        Family::Inet => u32::from_be_bytes(b),
        Family::Inet6 => u32::from_ne_bytes(b),
    }
}

/// A nested `IPVS_CMD_ATTR_DEST`; settings only for add and edit.
pub fn dest(w: &mut AttrWriter, addr: &SocketAddr, conf: Option<&DestConf>) {
    let nest = w.begin_nested(CMD_ATTR_DEST);
    w.bytes(DEST_ATTR_ADDR, &inet_addr(&addr.ip()));
    w.be16(DEST_ATTR_PORT, addr.port());
    w.u16(DEST_ATTR_ADDR_FAMILY, af(Family::of(&addr.ip())));
    if let Some(c) = conf {
        w.u32(DEST_ATTR_FWD_METHOD, forward_method(c.forward));
        w.u32(DEST_ATTR_WEIGHT, c.weight as u32);
        w.u32(DEST_ATTR_U_THRESH, c.upper_threshold);
        w.u32(DEST_ATTR_L_THRESH, c.lower_threshold);
        if c.forward == Forward::Tunnel {
            w.u8(DEST_ATTR_TUN_TYPE, c.tun_type);
            w.be16(DEST_ATTR_TUN_PORT, c.tun_port);
            w.u16(DEST_ATTR_TUN_FLAGS, c.tun_flags);
        }
    }
    w.end_nested(nest);
}
