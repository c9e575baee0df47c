//! IPv6 addresses over the rtnetlink socket of rtnl.rs: dump, add, delete.

use std::io;
use std::net::{IpAddr, Ipv6Addr};

use netlink_packet_core::{NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage, AddressScope};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::kernel6::{Address6, Scope6};
use crate::rtnl::Rtnl;

impl Rtnl {
    pub fn addresses6(&mut self) -> io::Result<Vec<Address6>> {
        let mut req = AddressMessage::default();
        req.header.family = AddressFamily::Inet6;
        let replies = self.exchange(RouteNetlinkMessage::GetAddress(req), NLM_F_DUMP)?;
        Ok(replies
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewAddress(a) => address6_of(a),
                _ => None,
            })
            .collect())
    }

    /// Adds `ip/prefix` as a permanent address with duplicate address
    /// detection, as IPv6addr's SIOCSIFADDR does; `Ok(false)` if the
    /// kernel already has it.
    pub fn add_address6(&mut self, index: u32, ip: Ipv6Addr, prefix_len: u8) -> io::Result<bool> {
        let msg = address6_message(index, ip, prefix_len);
        let flags = NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        match self.exchange(RouteNetlinkMessage::NewAddress(msg), flags) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Deletes `ip/prefix`; `Ok(false)` if it was already gone.
    pub fn delete_address6(
        &mut self,
        index: u32,
        ip: Ipv6Addr,
        prefix_len: u8,
    ) -> io::Result<bool> {
        let msg = address6_message(index, ip, prefix_len);
        match self.exchange(RouteNetlinkMessage::DelAddress(msg), NLM_F_ACK) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn address6_message(index: u32, ip: Ipv6Addr, prefix_len: u8) -> AddressMessage {
    let mut msg = AddressMessage::default();
    msg.header.family = AddressFamily::Inet6;
    msg.header.prefix_len = prefix_len;
    msg.header.index = index;
    // The kernel derives an IPv6 address's scope from the address itself.
    msg.header.scope = AddressScope::Universe;
    msg.attributes.push(AddressAttribute::Local(IpAddr::V6(ip)));
    msg.attributes
        .push(AddressAttribute::Address(IpAddr::V6(ip)));
    msg
}

fn address6_of(a: AddressMessage) -> Option<Address6> {
    let mut ip = None;
    // IFA_FLAGS (32 bits) supersedes the header's 8, when present.
    let mut flags = AddressFlags::from_bits_retain(u32::from(a.header.flags.bits()));
    for attr in a.attributes {
        match attr {
            AddressAttribute::Local(IpAddr::V6(v)) => ip = Some(v),
            AddressAttribute::Address(IpAddr::V6(v)) => ip = ip.or(Some(v)),
            AddressAttribute::Flags(f) => flags = f,
            _ => {}
        }
    }
    Some(Address6 {
        index: a.header.index,
        ip: ip?,
        prefix_len: a.header.prefix_len,
        scope: match a.header.scope {
            AddressScope::Universe => Scope6::Global,
            AddressScope::Link => Scope6::Link,
            _ => Scope6::Other,
        },
        tentative: flags.contains(AddressFlags::Tentative),
        dad_failed: flags.contains(AddressFlags::Dadfailed),
    })
}
