//! The packets of a half-open connect check, as bytes: the SYN it sends
//! (an IPv4 header for `IP_HDRINCL` and a TCP header) and what it reads
//! back — the real's SYN-ACK or reset, or an ICMP error quoting the SYN.
//! Pure, so that a malformed packet from the wire is only ever `None`.

use std::net::{Ipv4Addr, SocketAddrV4};

const TCP: u8 = 6;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;
/// 20 bytes of header and one option, the MSS a plain connect announces.
const TCP_LEN: usize = 24;
const MSS: u16 = 1460;

/// What the SYN with initial sequence number `isn` from `local` got back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A SYN-ACK: a connect would have succeeded.
    Open,
    /// A reset: a connect would have failed with ECONNREFUSED.
    Refused,
    /// An ICMP error a connect treats as fatal, as the errno it sets.
    Unreachable(i32),
}

/// An answer to the SYN sent to `from` with sequence number `ack - 1`
/// from local port `to_port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    pub from: SocketAddrV4,
    pub to_port: u16,
    pub ack: u32,
    pub answer: Answer,
}

/// An IPv4 packet carrying a SYN from `src` to `dst`, for a raw socket
/// with `IP_HDRINCL` (the kernel fills the total length, the identification
/// and the header checksum).
pub fn syn(src: SocketAddrV4, dst: SocketAddrV4, isn: u32) -> [u8; 20 + TCP_LEN] {
    let mut p = [0u8; 20 + TCP_LEN];
    p[0] = 0x45;
    p[6] = 0x40; // don't fragment, as the kernel's own TCP
    p[8] = 64;
    p[9] = TCP;
    p[12..16].copy_from_slice(&src.ip().octets());
    p[16..20].copy_from_slice(&dst.ip().octets());
    let t = &mut p[20..];
    t[0..2].copy_from_slice(&src.port().to_be_bytes());
    t[2..4].copy_from_slice(&dst.port().to_be_bytes());
    t[4..8].copy_from_slice(&isn.to_be_bytes());
    t[12] = ((TCP_LEN / 4) as u8) << 4;
    t[13] = SYN;
    t[14..16].copy_from_slice(&64240u16.to_be_bytes());
    t[20] = 2;
    t[21] = 4;
    t[22..24].copy_from_slice(&MSS.to_be_bytes());
    let sum = tcp_checksum(*src.ip(), *dst.ip(), t);
    t[16..18].copy_from_slice(&sum.to_be_bytes());
    p
}

fn tcp_checksum(src: Ipv4Addr, dst: Ipv4Addr, segment: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for pair in bytes.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            sum += hi | pair.get(1).map_or(0, |&b| u32::from(b));
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&[0, TCP]);
    add(&(segment.len() as u16).to_be_bytes());
    add(segment);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 packet read from the raw TCP socket: a SYN-ACK or a reset
/// answering a SYN, else `None`.
pub fn tcp_reply(packet: &[u8]) -> Option<Reply> {
    let (src, tcp) = ipv4_payload(packet, TCP)?;
    let flags = *tcp.get(13)?;
    let answer = if flags & RST != 0 && flags & ACK != 0 {
        Answer::Refused
    } else if flags & (SYN | ACK | RST) == SYN | ACK {
        Answer::Open
    } else {
        return None;
    };
    Some(Reply {
        from: SocketAddrV4::new(src, be16(tcp, 0)?),
        to_port: be16(tcp, 2)?,
        ack: be32(tcp, 8)?,
        answer,
    })
}

/// An IPv4 packet read from the raw ICMP socket: a destination
/// unreachable quoting a SYN's first eight bytes, else `None`. Linux ends
/// a connect in SYN-SENT on any of them but "fragmentation needed", with
/// the errno of its table for the code.
pub fn icmp_reply(packet: &[u8]) -> Option<Reply> {
    const ICMP: u8 = 1;
    const DEST_UNREACH: u8 = 3;
    let (_, icmp) = ipv4_payload(packet, ICMP)?;
    if *icmp.first()? != DEST_UNREACH {
        return None;
    }
    let errno = match icmp.get(1)? {
        0 | 6 | 9 | 11 => libc::ENETUNREACH,
        1 | 10 | 12..=15 => libc::EHOSTUNREACH,
        2 => libc::ENOPROTOOPT,
        3 => libc::ECONNREFUSED,
        5 => libc::EOPNOTSUPP,
        7 => libc::EHOSTDOWN,
        8 => libc::ENONET,
        // 4, fragmentation needed, is for path MTU discovery.
        _ => return None,
    };
    let quoted = icmp.get(8..)?;
    let ihl = usize::from(quoted.first()? & 0x0f) * 4;
    if quoted.first()? >> 4 != 4 || ihl < 20 || *quoted.get(9)? != TCP {
        return None;
    }
    let dst: [u8; 4] = quoted.get(16..20)?.try_into().ok()?;
    let dst = Ipv4Addr::from(dst);
    let tcp = quoted.get(ihl..)?;
    Some(Reply {
        from: SocketAddrV4::new(dst, be16(tcp, 2)?),
        to_port: be16(tcp, 0)?,
        ack: be32(tcp, 4)?.wrapping_add(1),
        answer: Answer::Unreachable(errno),
    })
}

/// The source and the payload of an unfragmented IPv4 packet of `protocol`.
fn ipv4_payload(packet: &[u8], protocol: u8) -> Option<(Ipv4Addr, &[u8])> {
    let first = *packet.first()?;
    let src: [u8; 4] = packet.get(12..16)?.try_into().ok()?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || *packet.get(9)? != protocol {
        return None;
    }
    // A later fragment carries no header to read.
    if be16(packet, 6)? & 0x1fff != 0 {
        return None;
    }
    Some((Ipv4Addr::from(src), packet.get(ihl..)?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    /// The answer a real's kernel would send to `syn`, with `flags`.
    fn answer_to(syn: &[u8], flags: u8) -> Vec<u8> {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[9] = TCP;
        p[12..16].copy_from_slice(&syn[16..20]);
        p[16..20].copy_from_slice(&syn[12..16]);
        p[20..22].copy_from_slice(&syn[22..24]);
        p[22..24].copy_from_slice(&syn[20..22]);
        let isn = u32::from_be_bytes(syn[24..28].try_into().unwrap());
        p[28..32].copy_from_slice(&isn.wrapping_add(1).to_be_bytes());
        p[32] = 5 << 4;
        p[33] = flags;
        p
    }

    #[test]
    fn a_syn_ack_answers_the_syn_it_acknowledges() {
        let s = syn(addr("10.0.0.1:40000"), addr("10.0.0.2:80"), u32::MAX);
        let reply = tcp_reply(&answer_to(&s, SYN | ACK)).unwrap();
        assert_eq!(reply.from, addr("10.0.0.2:80"));
        assert_eq!(reply.to_port, 40000);
        assert_eq!(reply.ack, 0, "the sequence number wraps");
        assert_eq!(reply.answer, Answer::Open);
        let reset = tcp_reply(&answer_to(&s, RST | ACK)).unwrap();
        assert_eq!(reset.answer, Answer::Refused);
    }

    #[test]
    fn other_segments_are_not_answers() {
        let s = syn(addr("10.0.0.1:40000"), addr("10.0.0.2:80"), 7);
        // A reset is acceptable in answer to a SYN only with the ACK of it.
        for flags in [SYN, ACK, RST, 0x18] {
            assert_eq!(tcp_reply(&answer_to(&s, flags)), None, "flags {flags:#x}");
        }
        let mut fragment = answer_to(&s, SYN | ACK);
        fragment[7] = 1;
        assert_eq!(tcp_reply(&fragment), None);
    }

    /// Checked against the sum of the whole segment with its checksum in,
    /// which is all ones when the checksum is right.
    #[test]
    fn the_syn_carries_a_valid_checksum() {
        let s = syn(
            addr("192.168.72.3:61000"),
            addr("192.168.72.21:80"),
            0x1234_5678,
        );
        assert_eq!(
            tcp_checksum(
                "192.168.72.3".parse().unwrap(),
                "192.168.72.21".parse().unwrap(),
                &s[20..]
            ),
            0
        );
        assert_eq!(s[33], SYN);
        assert_eq!(&s[40..44], &[2, 4, 0x05, 0xb4]);
    }

    fn unreachable(code: u8, quoting: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 28];
        p[0] = 0x45;
        p[9] = 1;
        p[20] = 3;
        p[21] = code;
        p.extend_from_slice(&quoting[..28]);
        p
    }

    #[test]
    fn an_icmp_error_quoting_the_syn_answers_it() {
        let s = syn(addr("10.0.0.1:40000"), addr("10.0.0.2:8080"), 99);
        let reply = icmp_reply(&unreachable(3, &s)).unwrap();
        assert_eq!(reply.from, addr("10.0.0.2:8080"));
        assert_eq!(reply.to_port, 40000);
        assert_eq!(reply.ack, 100);
        assert_eq!(reply.answer, Answer::Unreachable(libc::ECONNREFUSED));
        let host = icmp_reply(&unreachable(1, &s)).unwrap();
        assert_eq!(host.answer, Answer::Unreachable(libc::EHOSTUNREACH));
        // Fragmentation needed is not fatal to a connect.
        assert_eq!(icmp_reply(&unreachable(4, &s)), None);
    }

    #[test]
    fn truncated_packets_are_none() {
        let s = syn(addr("10.0.0.1:40000"), addr("10.0.0.2:80"), 1);
        let good = answer_to(&s, SYN | ACK);
        let icmp = unreachable(3, &s);
        // The flags are the last byte read.
        for n in 0..34 {
            assert_eq!(tcp_reply(&good[..n]), None, "{n} bytes");
        }
        assert!(tcp_reply(&good[..34]).is_some());
        for n in 0..icmp.len() {
            assert_eq!(icmp_reply(&icmp[..n]), None, "{n} bytes");
        }
    }
}
