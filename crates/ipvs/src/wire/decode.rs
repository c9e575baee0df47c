//! IPVS replies back into the model. Pure and total: any byte string gives
//! a value or a `DecodeError`, never a panic (fuzzed as `ipvs_reply`).

use super::consts::*;
use super::encode::netmask_from_bytes;
use crate::model::*;
use crate::netlink::attr::{attrs, Attr, AttrError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Attr(#[from] AttrError),
    #[error("reply has no {0} attribute")]
    Missing(&'static str),
    #[error("unknown address family {0}")]
    Family(u16),
    #[error("unknown protocol {0}")]
    Protocol(u16),
    #[error("unknown forwarding method {0}")]
    Forward(u32),
}

/// `IPVS_CMD_GET_INFO`'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// `0x010201` is 1.2.1.
    pub version: u32,
    pub conn_tab_size: u32,
}

/// `IPVS_CMD_GET_CONFIG`'s answer, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub tcp: u32,
    pub tcp_fin: u32,
    pub udp: u32,
}

fn family(n: u16) -> Result<Family, DecodeError> {
    match n {
        AF_INET => Ok(Family::Inet),
        AF_INET6 => Ok(Family::Inet6),
        other => Err(DecodeError::Family(other)),
    }
}

fn ip(family: Family, a: &Attr) -> Result<IpAddr, DecodeError> {
    let p = a.payload;
    Ok(match family {
        Family::Inet if p.len() >= 4 => IpAddr::V4(Ipv4Addr::new(p[0], p[1], p[2], p[3])),
        Family::Inet6 if p.len() >= 16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(&p[..16]);
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => {
            return Err(AttrError::Size {
                ty: a.ty,
                len: p.len(),
                want: if family == Family::Inet { 4 } else { 16 },
            }
            .into())
        }
    })
}

/// The nested attribute `ty` among a message's top-level attributes.
fn top_nested<'a>(msg: &'a [u8], ty: u16) -> Result<Attr<'a>, DecodeError> {
    for a in attrs(msg) {
        let a = a?;
        if a.ty == ty {
            return Ok(a);
        }
    }
    Err(DecodeError::Missing(if ty == CMD_ATTR_SERVICE {
        "service"
    } else {
        "destination"
    }))
}

fn counter(a: &Attr) -> Result<u64, DecodeError> {
    Ok(match a.payload.len() {
        4 => a.u32()? as u64,
        _ => a.u64()?,
    })
}

fn stats(nest: &Attr) -> Result<Stats, DecodeError> {
    let mut s = Stats::default();
    for a in nest.nested() {
        let a = a?;
        let field = match a.ty {
            STATS_ATTR_CONNS => &mut s.conns,
            STATS_ATTR_INPKTS => &mut s.inpkts,
            STATS_ATTR_OUTPKTS => &mut s.outpkts,
            STATS_ATTR_INBYTES => &mut s.inbytes,
            STATS_ATTR_OUTBYTES => &mut s.outbytes,
            STATS_ATTR_CPS => &mut s.cps,
            STATS_ATTR_INPPS => &mut s.inpps,
            STATS_ATTR_OUTPPS => &mut s.outpps,
            STATS_ATTR_INBPS => &mut s.inbps,
            STATS_ATTR_OUTBPS => &mut s.outbps,
            _ => continue,
        };
        *field = counter(&a)?;
    }
    Ok(s)
}

/// One service from a `GET_SERVICE` reply (its destinations come from a
/// separate dump).
pub fn service(msg: &[u8]) -> Result<Service, DecodeError> {
    let nest = top_nested(msg, CMD_ATTR_SERVICE)?;
    let mut af = None;
    let mut protocol = None;
    let mut addr = None;
    let mut port = 0u16;
    let mut fwmark = 0u32;
    let mut sched = None;
    let mut pe_name = None;
    let mut flags = 0u32;
    let mut timeout = 0u32;
    let mut netmask = None;
    let mut stats32 = None;
    let mut stats64 = None;
    for a in nest.nested() {
        let a = a?;
        match a.ty {
            SVC_ATTR_AF => af = Some(family(a.u16()?)?),
            SVC_ATTR_PROTOCOL => protocol = Some(a.u16()?),
            SVC_ATTR_ADDR => addr = Some(a),
            SVC_ATTR_PORT => port = a.be16()?,
            SVC_ATTR_FWMARK => fwmark = a.u32()?,
            SVC_ATTR_SCHED_NAME => sched = Some(a.string()),
            SVC_ATTR_PE_NAME => pe_name = Some(a.string()).filter(|s| !s.is_empty()),
            SVC_ATTR_FLAGS => {
                if a.payload.len() < 4 {
                    return Err(AttrError::Size {
                        ty: a.ty,
                        len: a.payload.len(),
                        want: 8,
                    }
                    .into());
                }
                flags =
                    u32::from_ne_bytes([a.payload[0], a.payload[1], a.payload[2], a.payload[3]]);
            }
            SVC_ATTR_TIMEOUT => timeout = a.u32()?,
            SVC_ATTR_NETMASK => netmask = Some(a),
            SVC_ATTR_STATS => stats32 = Some(stats(&a)?),
            SVC_ATTR_STATS64 => stats64 = Some(stats(&a)?),
            _ => {}
        }
    }
    let af = af.ok_or(DecodeError::Missing("address family"))?;
    let key = if fwmark != 0 {
        ServiceKey::FwMark {
            family: af,
            mark: fwmark,
        }
    } else {
        let p = protocol.ok_or(DecodeError::Missing("protocol"))?;
        let protocol = Protocol::from_number(p).ok_or(DecodeError::Protocol(p))?;
        let a = addr.ok_or(DecodeError::Missing("address"))?;
        ServiceKey::Addr {
            protocol,
            addr: SocketAddr::new(ip(af, &a)?, port),
        }
    };
    let netmask = match netmask {
        Some(a) => {
            let b: [u8; 4] = a.payload.try_into().map_err(|_| AttrError::Size {
                ty: a.ty,
                len: a.payload.len(),
                want: 4,
            })?;
            netmask_from_bytes(af, b)
        }
        None => ServiceConf::default_netmask(af),
    };
    let conf = ServiceConf {
        scheduler: sched.ok_or(DecodeError::Missing("scheduler"))?,
        persistence: (flags & SVC_F_PERSISTENT != 0).then_some(timeout),
        netmask,
        flags: flags & !(SVC_F_PERSISTENT | SVC_F_HASHED),
        pe_name,
    };
    let mut s = Service::new(key, conf, Vec::new());
    s.conf.netmask = netmask;
    s.stats = stats64.or(stats32).unwrap_or_default();
    Ok(s)
}

fn forward(method: u32) -> Result<Forward, DecodeError> {
    Ok(match method & CONN_F_FWD_MASK {
        CONN_F_MASQ => Forward::Masq,
        CONN_F_LOCALNODE => Forward::Local,
        CONN_F_TUNNEL => Forward::Tunnel,
        CONN_F_DROUTE => Forward::Route,
        other => return Err(DecodeError::Forward(other)),
    })
}

/// One destination from a `GET_DEST` reply; `service_family` is used when
/// the kernel does not say the destination's own.
pub fn dest(msg: &[u8], service_family: Family) -> Result<Dest, DecodeError> {
    let nest = top_nested(msg, CMD_ATTR_DEST)?;
    let mut af = service_family;
    let mut addr = None;
    let mut port = 0;
    let mut conf = DestConf::new(Forward::Masq, 0);
    let mut d = Dest::new(SocketAddr::from(([0, 0, 0, 0], 0)), conf);
    let mut stats32 = None;
    let mut stats64 = None;
    for a in nest.nested() {
        let a = a?;
        match a.ty {
            DEST_ATTR_ADDR => addr = Some(a),
            DEST_ATTR_PORT => port = a.be16()?,
            DEST_ATTR_ADDR_FAMILY => af = family(a.u16()?)?,
            DEST_ATTR_FWD_METHOD => conf.forward = forward(a.u32()?)?,
            DEST_ATTR_WEIGHT => conf.weight = a.u32()? as i32,
            DEST_ATTR_U_THRESH => conf.upper_threshold = a.u32()?,
            DEST_ATTR_L_THRESH => conf.lower_threshold = a.u32()?,
            DEST_ATTR_TUN_TYPE => conf.tun_type = a.u8()?,
            DEST_ATTR_TUN_PORT => conf.tun_port = a.be16()?,
            DEST_ATTR_TUN_FLAGS => conf.tun_flags = a.u16()?,
            DEST_ATTR_ACTIVE_CONNS => d.active_conns = a.u32()?,
            DEST_ATTR_INACT_CONNS => d.inactive_conns = a.u32()?,
            DEST_ATTR_PERSIST_CONNS => d.persistent_conns = a.u32()?,
            DEST_ATTR_STATS => stats32 = Some(stats(&a)?),
            DEST_ATTR_STATS64 => stats64 = Some(stats(&a)?),
            _ => {}
        }
    }
    let a = addr.ok_or(DecodeError::Missing("address"))?;
    d.addr = SocketAddr::new(ip(af, &a)?, port);
    if conf.forward != Forward::Tunnel {
        conf.tun_type = 0;
        conf.tun_port = 0;
        conf.tun_flags = 0;
    }
    d.conf = conf;
    d.stats = stats64.or(stats32).unwrap_or_default();
    Ok(d)
}

pub fn info(msg: &[u8]) -> Result<Info, DecodeError> {
    let mut version = None;
    let mut size = 0;
    for a in attrs(msg) {
        let a = a?;
        match a.ty {
            INFO_ATTR_VERSION => version = Some(a.u32()?),
            INFO_ATTR_CONN_TAB_SIZE => size = a.u32()?,
            _ => {}
        }
    }
    Ok(Info {
        version: version.ok_or(DecodeError::Missing("version"))?,
        conn_tab_size: size,
    })
}

pub fn timeouts(msg: &[u8]) -> Result<Timeouts, DecodeError> {
    let mut t = Timeouts::default();
    for a in attrs(msg) {
        let a = a?;
        match a.ty {
            CMD_ATTR_TIMEOUT_TCP => t.tcp = a.u32()?,
            CMD_ATTR_TIMEOUT_TCP_FIN => t.tcp_fin = a.u32()?,
            CMD_ATTR_TIMEOUT_UDP => t.udp = a.u32()?,
            _ => {}
        }
    }
    Ok(t)
}
