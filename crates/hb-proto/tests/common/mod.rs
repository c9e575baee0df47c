//! Test support: the capture of two real heartbeat 3.0.6 nodes, read with a
//! minimal pcap reader (classic little-endian pcap, Ethernet, IPv4, UDP).

#![allow(dead_code)]

use hb_proto::{Auth, AuthKeys, Method};

pub const PCAP: &[u8] = include_bytes!("../data/heartbeat-3.0.6-pair.pcap");

/// The capture's authkeys: `auth 1` / `1 sha1 testsecret`.
pub fn keys() -> AuthKeys {
    AuthKeys::new(signer())
}

pub fn signer() -> Auth {
    Auth::new(1, Method::Sha1, "testsecret").unwrap()
}

fn u16be(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn u32le(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// UDP payloads of every packet in the capture, in order.
pub fn udp_payloads() -> Vec<Vec<u8>> {
    assert_eq!(
        &PCAP[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "little-endian µs pcap"
    );
    assert_eq!(u32le(PCAP, 20), 1, "linktype Ethernet");
    let mut out = Vec::new();
    let mut off = 24;
    while off < PCAP.len() {
        let incl = u32le(PCAP, off + 8);
        let orig = u32le(PCAP, off + 12);
        assert_eq!(incl, orig, "packet {} was cut by the snaplen", out.len());
        let frame = &PCAP[off + 16..off + 16 + incl];
        off += 16 + incl;
        assert_eq!(u16be(frame, 12), 0x0800, "IPv4 over Ethernet");
        let ip = &frame[14..];
        assert_eq!(ip[9], 17, "UDP");
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = u16be(ip, 2);
        let udp = &ip[ihl..total];
        let udp_len = u16be(udp, 4);
        assert_eq!(udp_len, udp.len());
        out.push(udp[8..].to_vec());
    }
    out
}
