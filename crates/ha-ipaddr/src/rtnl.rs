//! A blocking rtnetlink socket: dump links/addresses/routes, add and delete
//! an IPv4 address or host route, set a link up (IPv6 addresses: rtnl6.rs). Requests carry NLM_F_ACK so every change
//! is confirmed (or refused with an errno) before we return.

use std::io;
use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE,
    NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressMessage, AddressScope};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use crate::kernel::{Address, Link, Route};

pub(crate) struct Rtnl {
    socket: Socket,
    seq: u32,
    buf: Vec<u8>,
}

/// Large enough for any one datagram of a dump (the kernel caps them at
/// 32 KiB).
const RECV_BUF: usize = 64 * 1024;

impl Rtnl {
    pub fn open() -> io::Result<Rtnl> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Rtnl {
            socket,
            seq: 0,
            buf: vec![0; RECV_BUF],
        })
    }

    /// Sends one request and collects the replies up to its DONE (dumps) or
    /// its ACK (changes). An error ACK becomes the errno as `io::Error`.
    pub(crate) fn exchange(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> io::Result<Vec<RouteNetlinkMessage>> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        packet.finalize();
        let mut out = vec![0; packet.buffer_len()];
        packet.serialize(&mut out);
        self.socket.send(&out, 0)?;

        let mut replies = Vec::new();
        loop {
            let n = self.socket.recv(&mut &mut self.buf[..], 0)?;
            let mut off = 0;
            while off < n {
                let chunk = &self.buf[off..n];
                let len = NetlinkBuffer::new_checked(chunk)
                    .map_err(|e| invalid(format!("bad netlink header: {e}")))?
                    .length() as usize;
                // Messages are padded to 4 bytes; a zero length would loop.
                off += len.max(1).next_multiple_of(4);
                let Ok(msg) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(chunk) else {
                    // An attribute this library cannot decode (a link kind
                    // newer than it, say) must not hide the rest of a dump.
                    continue;
                };
                if msg.header.sequence_number != self.seq {
                    continue;
                }
                match msg.payload {
                    NetlinkPayload::Done(_) => return Ok(replies),
                    NetlinkPayload::Error(e) if e.code.is_none() => return Ok(replies),
                    NetlinkPayload::Error(e) => return Err(e.to_io()),
                    NetlinkPayload::InnerMessage(m) => replies.push(m),
                    _ => {}
                }
            }
        }
    }

    pub fn links(&mut self) -> io::Result<Vec<Link>> {
        let replies = self.exchange(
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            NLM_F_DUMP,
        )?;
        Ok(replies
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(link_of(l)),
                _ => None,
            })
            .collect())
    }

    pub fn addresses(&mut self) -> io::Result<Vec<Address>> {
        let mut req = AddressMessage::default();
        req.header.family = AddressFamily::Inet;
        let replies = self.exchange(RouteNetlinkMessage::GetAddress(req), NLM_F_DUMP)?;
        Ok(replies
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewAddress(a) => address_of(a),
                _ => None,
            })
            .collect())
    }

    /// Unicast IPv4 routes of the main table: what `/proc/net/route` (IPaddr's
    /// findif) and `ip route list` (IPaddr2's findif.sh) show.
    pub fn main_routes(&mut self) -> io::Result<Vec<Route>> {
        let mut req = RouteMessage::default();
        req.header.address_family = AddressFamily::Inet;
        let replies = self.exchange(RouteNetlinkMessage::GetRoute(req), NLM_F_DUMP)?;
        Ok(replies
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewRoute(r) => route_of(r),
                _ => None,
            })
            .collect())
    }

    /// Adds `ip/prefix`; `Ok(false)` if the kernel already has it.
    pub fn add_address(
        &mut self,
        index: u32,
        ip: Ipv4Addr,
        prefix_len: u8,
        broadcast: Option<Ipv4Addr>,
        label: Option<&str>,
    ) -> io::Result<bool> {
        let mut msg = address_message(index, ip, prefix_len);
        if let Some(b) = broadcast {
            msg.attributes.push(AddressAttribute::Broadcast(b));
        }
        if let Some(l) = label {
            msg.attributes.push(AddressAttribute::Label(l.to_string()));
        }
        let flags = NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        match self.exchange(RouteNetlinkMessage::NewAddress(msg), flags) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Deletes `ip/prefix`; `Ok(false)` if it was already gone.
    pub fn delete_address(&mut self, index: u32, ip: Ipv4Addr, prefix_len: u8) -> io::Result<bool> {
        let msg = address_message(index, ip, prefix_len);
        match self.exchange(RouteNetlinkMessage::DelAddress(msg), NLM_F_ACK) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `ip route delete IP/32 dev DEV` in the main table; `Ok(false)` if
    /// there was no such route.
    pub fn delete_host_route(&mut self, ip: Ipv4Addr, oif: u32) -> io::Result<bool> {
        let mut msg = RouteMessage::default();
        msg.header.address_family = AddressFamily::Inet;
        msg.header.destination_prefix_length = 32;
        msg.header.table = RouteHeader::RT_TABLE_MAIN;
        // What `ip route delete` sends: scope, protocol and type left open.
        msg.header.scope = RouteScope::NoWhere;
        msg.attributes
            .push(RouteAttribute::Destination(RouteAddress::Inet(ip)));
        msg.attributes.push(RouteAttribute::Oif(oif));
        match self.exchange(RouteNetlinkMessage::DelRoute(msg), NLM_F_ACK) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `ip link set DEV up`, which IPaddr2 runs after adding (and ifconfig
    /// does implicitly for IPaddr).
    pub fn set_up(&mut self, index: u32) -> io::Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.header.flags = LinkFlags::Up;
        msg.header.change_mask = LinkFlags::Up;
        self.exchange(RouteNetlinkMessage::SetLink(msg), NLM_F_ACK)?;
        Ok(())
    }
}

pub(crate) fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn address_message(index: u32, ip: Ipv4Addr, prefix_len: u8) -> AddressMessage {
    let mut msg = AddressMessage::default();
    msg.header.family = AddressFamily::Inet;
    msg.header.prefix_len = prefix_len;
    msg.header.index = index;
    // `ip addr add` gives 127/8 addresses host scope, everything else global.
    msg.header.scope = if ip.is_loopback() {
        AddressScope::Host
    } else {
        AddressScope::Universe
    };
    msg.attributes.push(AddressAttribute::Local(IpAddr::V4(ip)));
    msg.attributes
        .push(AddressAttribute::Address(IpAddr::V4(ip)));
    msg
}

fn link_of(l: LinkMessage) -> Link {
    let mut link = Link {
        index: l.header.index,
        name: String::new(),
        mac: None,
        up: l.header.flags.contains(LinkFlags::Up),
        loopback: l.header.flags.contains(LinkFlags::Loopback),
    };
    for a in l.attributes {
        match a {
            LinkAttribute::IfName(n) => link.name = n,
            LinkAttribute::Address(bytes) => link.mac = <[u8; 6]>::try_from(bytes.as_slice()).ok(),
            _ => {}
        }
    }
    link
}

fn address_of(a: AddressMessage) -> Option<Address> {
    let mut local = None;
    let mut peer = None;
    let mut broadcast = None;
    let mut label = String::new();
    for attr in a.attributes {
        match attr {
            AddressAttribute::Local(IpAddr::V4(ip)) => local = Some(ip),
            AddressAttribute::Address(IpAddr::V4(ip)) => peer = Some(ip),
            AddressAttribute::Broadcast(b) => broadcast = Some(b),
            AddressAttribute::Label(l) => label = l,
            _ => {}
        }
    }
    Some(Address {
        index: a.header.index,
        // IFA_LOCAL is the address itself; IFA_ADDRESS alone only on
        // point-to-point-less setups that omit LOCAL.
        local: local.or(peer)?,
        prefix_len: a.header.prefix_len,
        broadcast,
        label,
    })
}

fn route_of(r: RouteMessage) -> Option<Route> {
    if r.header.kind != RouteType::Unicast {
        return None;
    }
    let mut table = u32::from(r.header.table);
    let mut dst = Ipv4Addr::UNSPECIFIED;
    let mut oif = None;
    let mut metric = 0;
    let mut prefsrc = None;
    for attr in r.attributes {
        match attr {
            RouteAttribute::Table(t) => table = t,
            RouteAttribute::Destination(RouteAddress::Inet(d)) => dst = d,
            RouteAttribute::Oif(i) => oif = Some(i),
            RouteAttribute::Priority(p) => metric = p,
            RouteAttribute::PrefSource(RouteAddress::Inet(s)) => prefsrc = Some(s),
            _ => {}
        }
    }
    if table != u32::from(RouteHeader::RT_TABLE_MAIN) {
        return None;
    }
    Some(Route {
        dst,
        prefix_len: r.header.destination_prefix_length,
        oif: oif?,
        link_scope: r.header.scope == RouteScope::Link,
        metric,
        prefsrc,
    })
}
