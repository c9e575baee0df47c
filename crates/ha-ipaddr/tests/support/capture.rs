//! Neighbour advertisements as the client's bridge receives them.

use std::net::Ipv6Addr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pnet_datalink::{Channel, Config};
use pnet_packet::ethernet::{EtherTypes, EthernetPacket};
use pnet_packet::icmpv6::ndp::NeighborAdvertPacket;
use pnet_packet::icmpv6::{self, Icmpv6Packet, Icmpv6Types};
use pnet_packet::ip::IpNextHeaderProtocols;
use pnet_packet::ipv6::Ipv6Packet;
use pnet_packet::Packet;

use super::Netns;

/// One advertisement, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenNa {
    pub eth_dst: [u8; 6],
    pub eth_src: [u8; 6],
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub flags: u8,
    pub target: Ipv6Addr,
    /// (type, length in 8-byte units, data) of each option.
    pub options: Vec<(u8, u8, Vec<u8>)>,
    pub checksum_ok: bool,
}

/// Captures advertisements for `target` on `dev` in `ns` for `span` (or
/// until `max` of them), and returns once the capture is listening.
pub fn start(
    ns: &Netns,
    dev: &str,
    target: Ipv6Addr,
    span: Duration,
    max: usize,
) -> JoinHandle<Vec<(Instant, SeenNa)>> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let dev = dev.to_string();
    let handle = ns.spawn(move || {
        let iface = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.name == dev)
            .expect("capture interface");
        let config = Config {
            read_timeout: Some(Duration::from_millis(50)),
            promiscuous: false,
            ..Config::default()
        };
        let Ok(Channel::Ethernet(_, mut rx)) = pnet_datalink::channel(&iface, config) else {
            panic!("no packet socket on {dev}");
        };
        ready_tx.send(()).expect("test alive");
        let mut seen = Vec::new();
        let end = Instant::now() + span;
        while Instant::now() < end && seen.len() < max {
            let Ok(frame) = rx.next() else { continue };
            if let Some(na) = parse(frame).filter(|na| na.target == target) {
                seen.push((Instant::now(), na));
            }
        }
        seen
    });
    ready_rx.recv().expect("capture ready");
    handle
}

fn parse(frame: &[u8]) -> Option<SeenNa> {
    let eth = EthernetPacket::new(frame)?;
    if eth.get_ethertype() != EtherTypes::Ipv6 {
        return None;
    }
    let ip = Ipv6Packet::new(eth.payload())?;
    if ip.get_next_header() != IpNextHeaderProtocols::Icmpv6 {
        return None;
    }
    let body = &ip.payload()[..usize::from(ip.get_payload_length()).min(ip.payload().len())];
    let icmp = Icmpv6Packet::new(body)?;
    if icmp.get_icmpv6_type() != Icmpv6Types::NeighborAdvert {
        return None;
    }
    let checksum_ok =
        icmpv6::checksum(&icmp, &ip.get_source(), &ip.get_destination()) == icmp.get_checksum();
    let na = NeighborAdvertPacket::new(body)?;
    Some(SeenNa {
        eth_dst: eth.get_destination().octets(),
        eth_src: eth.get_source().octets(),
        src: ip.get_source(),
        dst: ip.get_destination(),
        hop_limit: ip.get_hop_limit(),
        flags: na.get_flags(),
        target: na.get_target_addr(),
        options: na
            .get_options()
            .into_iter()
            .map(|o| (o.option_type.0, o.length, o.data))
            .collect(),
        checksum_ok,
    })
}

pub fn parse_mac(s: &str) -> [u8; 6] {
    let mut out = [0u8; 6];
    for (o, part) in out.iter_mut().zip(s.split(':')) {
        *o = u8::from_str_radix(part, 16).expect("hex MAC");
    }
    out
}

/// The advertisement IPv6addr sends for `vip` from `mac`.
pub fn expected(vip: Ipv6Addr, mac: [u8; 6]) -> SeenNa {
    SeenNa {
        eth_dst: [0x33, 0x33, 0, 0, 0, 1],
        eth_src: mac,
        src: vip,
        dst: "ff02::1".parse().unwrap(),
        hop_limit: 255,
        flags: 0x20,
        target: vip,
        options: vec![(2, 1, mac.to_vec())],
        checksum_ok: true,
    }
}
