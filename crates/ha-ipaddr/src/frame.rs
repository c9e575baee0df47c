//! The gratuitous ARP frames of heartbeat's `send_arp` (libnet build): to
//! the Ethernet broadcast address from the interface's MAC; the VIP as
//! sender and target protocol address; the interface's MAC as sender
//! hardware address; target hardware address zero in the request and the
//! interface's MAC in the reply (send_arp.libnet.c, mk_packet).

use std::net::Ipv4Addr;

use pnet_datalink::MacAddr;
use pnet_packet::arp::{ArpHardwareTypes, ArpOperations, MutableArpPacket};
use pnet_packet::ethernet::{EtherTypes, MutableEthernetPacket};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArpKind {
    Request,
    Reply,
}

/// Ethernet header (14 bytes) + ARP for IPv4 over Ethernet (28 bytes).
pub const FRAME_LEN: usize = 42;

/// One gratuitous ARP frame announcing `ip` at `mac`.
pub fn arp_frame(kind: ArpKind, mac: [u8; 6], ip: Ipv4Addr) -> [u8; FRAME_LEN] {
    let mut buf = [0u8; FRAME_LEN];
    let m = MacAddr::from(mac);
    if let Some(mut eth) = MutableEthernetPacket::new(&mut buf) {
        eth.set_destination(MacAddr::broadcast());
        eth.set_source(m);
        eth.set_ethertype(EtherTypes::Arp);
    }
    if let Some(mut arp) = MutableArpPacket::new(&mut buf[14..]) {
        arp.set_hardware_type(ArpHardwareTypes::Ethernet);
        arp.set_protocol_type(EtherTypes::Ipv4);
        arp.set_hw_addr_len(6);
        arp.set_proto_addr_len(4);
        arp.set_sender_hw_addr(m);
        arp.set_sender_proto_addr(ip);
        arp.set_target_proto_addr(ip);
        match kind {
            ArpKind::Request => {
                arp.set_operation(ArpOperations::Request);
                arp.set_target_hw_addr(MacAddr::zero());
            }
            ArpKind::Reply => {
                arp.set_operation(ArpOperations::Reply);
                arp.set_target_hw_addr(m);
            }
        }
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    const IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 100);

    #[test]
    fn request_frame_bytes() {
        let f = arp_frame(ArpKind::Request, MAC, IP);
        let expect: [u8; FRAME_LEN] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // to broadcast
            0x02, 0x11, 0x22, 0x33, 0x44, 0x55, // from the interface
            0x08, 0x06, // ARP
            0x00, 0x01, 0x08, 0x00, 6, 4, // Ethernet/IPv4
            0x00, 0x01, // request
            0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 10, 77, 0, 100, // sender
            0, 0, 0, 0, 0, 0, 10, 77, 0, 100, // target
        ];
        assert_eq!(f, expect);
    }

    #[test]
    fn reply_frame_targets_own_mac() {
        let f = arp_frame(ArpKind::Reply, MAC, IP);
        assert_eq!(&f[20..22], &[0x00, 0x02]);
        assert_eq!(&f[32..38], &MAC);
        assert_eq!(&f[38..42], &[10, 77, 0, 100]);
    }
}
