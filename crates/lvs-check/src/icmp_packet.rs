//! ICMP echo request and reply, for IPv4 and IPv6 (RFC 792, RFC 4443).

/// How much of the echo each packet carries: the 8-byte header plus 56
/// bytes of data, ping(8)'s default.
const PAYLOAD_LEN: usize = 56;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    fn request_type(self) -> u8 {
        match self {
            Family::V4 => 8,
            Family::V6 => 128,
        }
    }

    fn reply_type(self) -> u8 {
        match self {
            Family::V4 => 0,
            Family::V6 => 129,
        }
    }
}

/// An echo request whose data starts with `token`, so that our reply can
/// be told from any other on a raw socket, which sees them all. The
/// checksum is filled in for IPv4; for ICMPv6 the kernel computes it (it
/// needs the addresses of the pseudo-header).
pub fn echo_request(family: Family, ident: u16, seq: u16, token: u64) -> Vec<u8> {
    let mut p = Vec::with_capacity(8 + PAYLOAD_LEN);
    p.extend_from_slice(&[family.request_type(), 0, 0, 0]);
    p.extend_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&token.to_be_bytes());
    p.extend((0..PAYLOAD_LEN - 8).map(|i| i as u8));
    if family == Family::V4 {
        let sum = checksum(&p);
        p[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    p
}

/// Whether `packet` is the reply to our request `seq` carrying `token`.
/// `with_ip_header` is for IPv4 raw sockets, which deliver the IP header
/// too. The identifier is not compared: a datagram ICMP socket has the
/// kernel replace it (and filter replies by it), and the token already
/// tells ours apart on a raw socket.
pub fn is_our_reply(
    family: Family,
    packet: &[u8],
    with_ip_header: bool,
    seq: u16,
    token: u64,
) -> bool {
    let icmp = if with_ip_header {
        let ihl = usize::from(packet.first().map_or(0, |b| b & 0x0f)) * 4;
        match packet.get(ihl..) {
            Some(rest) if ihl >= 20 => rest,
            _ => return false,
        }
    } else {
        packet
    };
    let (Some(&kind), Some(seq_bytes), Some(token_bytes)) =
        (icmp.first(), icmp.get(6..8), icmp.get(8..16))
    else {
        return false;
    };
    kind == family.reply_type()
        && seq_bytes == seq.to_be_bytes()
        && token_bytes == token.to_be_bytes()
}

/// The Internet checksum (RFC 1071).
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_checksums_to_zero() {
        let p = echo_request(Family::V4, 0x1234, 7, 42);
        assert_eq!(p.len(), 64);
        assert_eq!((p[0], p[4], p[5], p[6], p[7]), (8, 0x12, 0x34, 0, 7));
        assert_eq!(checksum(&p), 0);
        assert_eq!(echo_request(Family::V6, 1, 1, 1)[0], 128);
    }

    #[test]
    fn only_our_reply_counts() {
        let mut reply = echo_request(Family::V4, 1, 3, 99);
        reply[0] = 0;
        assert!(is_our_reply(Family::V4, &reply, false, 3, 99));
        assert!(!is_our_reply(Family::V4, &reply, false, 4, 99));
        assert!(!is_our_reply(Family::V4, &reply, false, 3, 98));
        // Our own request, seen by a raw socket on loopback.
        let request = echo_request(Family::V4, 1, 3, 99);
        assert!(!is_our_reply(Family::V4, &request, false, 3, 99));
        let mut with_header = vec![0x45; 1];
        with_header.extend_from_slice(&[0; 19]);
        with_header.extend_from_slice(&reply);
        assert!(is_our_reply(Family::V4, &with_header, true, 3, 99));
        assert!(!is_our_reply(Family::V4, &[0x41, 0, 0], true, 3, 99));
        assert!(!is_our_reply(Family::V4, &[], false, 3, 99));
        let mut v6 = echo_request(Family::V6, 1, 3, 99);
        v6[0] = 129;
        assert!(is_our_reply(Family::V6, &v6, false, 3, 99));
    }
}
