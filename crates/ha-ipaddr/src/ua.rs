//! Sending the unsolicited neighbour advertisements of na.rs as IPv6addr
//! does: a raw ICMPv6 socket bound to the VIP (so the kernel writes it as
//! source, and the checksum), multicast to ff02::1 out of the VIP's
//! interface with hop limit 255. The first goes out before
//! [`crate::start_ipv6`] returns, the rest on a thread (see
//! [`crate::announce`]).

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddrV6};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::announce::{self, AnnounceHandle};
use crate::na::{neighbour_advert, UaSchedule};

const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

fn open(ifindex: u32, ip: Ipv6Addr) -> io::Result<Socket> {
    let s = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6))?;
    s.set_multicast_if_v6(ifindex)?;
    s.set_multicast_hops_v6(255)?;
    // A link-local VIP needs its interface to bind to.
    let scope = if ip.is_unicast_link_local() {
        ifindex
    } else {
        0
    };
    s.bind(&SockAddr::from(SocketAddrV6::new(ip, 0, 0, scope)))?;
    Ok(s)
}

fn send(s: &Socket, ifindex: u32, na: &[u8]) -> io::Result<()> {
    let to = SockAddr::from(SocketAddrV6::new(ALL_NODES, 0, 0, ifindex));
    match s.send_to(na, &to)? {
        n if n == na.len() => Ok(()),
        n => Err(io::Error::other(format!("sent {n} of {} bytes", na.len()))),
    }
}

/// Sends the first advertisement now and the rest of `schedule` on a
/// thread; `schedule.count` must be at least 1.
pub(crate) fn announce(
    ifindex: u32,
    mac: [u8; 6],
    ip: Ipv6Addr,
    schedule: UaSchedule,
) -> io::Result<AnnounceHandle> {
    let socket = open(ifindex, ip)?;
    let na = neighbour_advert(ip, mac);
    send(&socket, ifindex, &na)?;
    announce::spawn(IpAddr::V6(ip), move |cancel| {
        let mut sent = 1;
        while sent < schedule.count {
            if cancel.sleep(schedule.interval) {
                break;
            }
            send(&socket, ifindex, &na)?;
            sent += 1;
        }
        Ok(sent)
    })
}
