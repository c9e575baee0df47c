//! The sockets of the half-open check: raw IPv4 sockets for TCP (the SYN
//! out, answers in) and ICMP (errors in), each with a classic BPF filter so
//! that the kernel hands the daemon only what may answer a SYN, and the
//! local ports that the SYNs come from.

use crate::sockopt;
use socket2::{Domain, Protocol, SockFilter, Socket, Type};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// Local ports to send SYNs from. More than one, so that two checks of a
/// real in a row rarely share a 4-tuple: should a reset of ours be lost,
/// the real keeps the first one half-open for a second or so, and a second
/// SYN on the same 4-tuple would be answered by a reset.
const PORTS: usize = 16;

/// Socket buffers sized for a burst of ten thousand checks.
const BUFFER: usize = 4 << 20;

const BPF_LD: u16 = 0x00;
const BPF_LDX: u16 = 0x01;
const BPF_JMP: u16 = 0x05;
const BPF_RET: u16 = 0x06;
const BPF_H: u16 = 0x08;
const BPF_B: u16 = 0x10;
const BPF_JEQ: u16 = 0x10;
const BPF_IND: u16 = 0x40;
const BPF_MSH: u16 = 0xa0;
/// What of an accepted packet is kept: the IP header and what follows it
/// that the parser reads (an ICMP error's quoted headers are the longest).
const KEEP: u32 = 128;

/// Ports bound, never listened on: the kernel gives them to no other
/// socket, and, finding no socket for a SYN-ACK to one, answers it with
/// the reset that closes the real's half-open connection.
pub struct Reserved {
    _sockets: Vec<Socket>,
    pub ports: Vec<u16>,
}

pub fn reserve_ports() -> io::Result<Reserved> {
    let mut sockets = Vec::with_capacity(PORTS);
    let mut ports = Vec::with_capacity(PORTS);
    for _ in 0..PORTS {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        s.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)).into())?;
        let port = s
            .local_addr()?
            .as_socket()
            .map(|a| a.port())
            .ok_or_else(|| io::Error::other("a bound TCP socket without a port"))?;
        sockets.push(s);
        ports.push(port);
    }
    Ok(Reserved {
        _sockets: sockets,
        ports,
    })
}

/// The raw TCP socket: sends SYNs with their IP header, receives the
/// segments to `ports`.
pub fn tcp(ports: &[u16]) -> io::Result<Socket> {
    let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP))?;
    s.set_header_included_v4(true)?;
    grow_receive_buffer(&s)?;
    s.set_send_buffer_size(BUFFER)?;
    s.attach_filter(&to_ports(ports))?;
    Ok(s)
}

/// The raw ICMP socket: receives destination-unreachable errors.
pub fn icmp() -> io::Result<Socket> {
    let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))?;
    grow_receive_buffer(&s)?;
    s.attach_filter(&unreachables())?;
    Ok(s)
}

/// Past `net.core.rmem_max` (208 kB by default: a burst of some two
/// hundred answers) when the process may (CAP_NET_ADMIN), else up to it.
fn grow_receive_buffer(s: &Socket) -> io::Result<()> {
    let forced = sockopt::set_int(s, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, BUFFER as i32);
    if forced.is_ok() {
        return Ok(());
    }
    s.set_recv_buffer_size(BUFFER)
}

/// Sends one IPv4 packet built with its header.
pub fn send(socket: &Socket, packet: &[u8], dst: Ipv4Addr) -> io::Result<()> {
    let to = SocketAddr::from(SocketAddrV4::new(dst, 0)).into();
    socket
        .send_to_with_flags(packet, &to, libc::MSG_DONTWAIT)
        .map(drop)
}

/// The address this host sends from to reach `dst`: the route's, found by
/// a UDP socket connected there (which sends nothing).
pub fn source_for(dst: Ipv4Addr) -> io::Result<Ipv4Addr> {
    let probe = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
    probe.connect((dst, 9))?;
    match probe.local_addr()? {
        SocketAddr::V4(a) => Ok(*a.ip()),
        SocketAddr::V6(_) => Err(io::Error::other("an IPv6 source for an IPv4 real")),
    }
}

/// Accepts a TCP segment whose destination port is one of `ports`.
fn to_ports(ports: &[u16]) -> Vec<SockFilter> {
    let n = ports.len();
    let mut prog = vec![
        // x = the IP header's length; a = the TCP destination port.
        SockFilter::new(BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0),
        SockFilter::new(BPF_LD | BPF_H | BPF_IND, 0, 0, 2),
    ];
    for (i, &port) in ports.iter().enumerate() {
        // On a match, jump past the remaining tests and the drop.
        prog.push(SockFilter::new(
            BPF_JMP | BPF_JEQ,
            (n - i) as u8,
            0,
            u32::from(port),
        ));
    }
    prog.push(SockFilter::new(BPF_RET, 0, 0, 0));
    prog.push(SockFilter::new(BPF_RET, 0, 0, KEEP));
    prog
}

/// Accepts an ICMP destination unreachable.
fn unreachables() -> Vec<SockFilter> {
    vec![
        SockFilter::new(BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0),
        SockFilter::new(BPF_LD | BPF_B | BPF_IND, 0, 0, 0),
        SockFilter::new(BPF_JMP | BPF_JEQ, 1, 0, 3),
        SockFilter::new(BPF_RET, 0, 0, 0),
        SockFilter::new(BPF_RET, 0, 0, KEEP),
    ]
}
