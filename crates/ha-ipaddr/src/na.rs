//! The unsolicited neighbour advertisement of IPv6addr (resource-agents
//! 4.12, IPv6addr_utils.c's send_ua): ICMPv6 type 136 with only the
//! Override flag, the VIP as target, and a Target Link-Layer Address option
//! carrying the interface's MAC. It goes from the VIP to ff02::1 with hop
//! limit 255 (RFC 4861 7.1.2: receivers drop it otherwise); the kernel
//! fills in the checksum.

use std::net::Ipv6Addr;
use std::time::Duration;

use pnet_packet::icmpv6::ndp::{
    MutableNeighborAdvertPacket, NdpOption, NdpOptionTypes, NeighborAdvertFlags,
};
use pnet_packet::icmpv6::{Icmpv6Code, Icmpv6Types};

/// 24 bytes of advertisement + an 8-byte option.
pub const NA_LEN: usize = 32;

/// The advertisement announcing `target` at `mac`, checksum left zero.
pub fn neighbour_advert(target: Ipv6Addr, mac: [u8; 6]) -> [u8; NA_LEN] {
    let mut buf = [0u8; NA_LEN];
    if let Some(mut na) = MutableNeighborAdvertPacket::new(&mut buf) {
        na.set_icmpv6_type(Icmpv6Types::NeighborAdvert);
        na.set_icmpv6_code(Icmpv6Code(0));
        na.set_flags(NeighborAdvertFlags::Override);
        na.set_target_addr(target);
        na.set_options(&[NdpOption {
            option_type: NdpOptionTypes::TargetLLAddr,
            // In units of 8 bytes: type, length and a 6-byte MAC.
            length: 1,
            data: mac.to_vec(),
        }]);
    }
    buf
}

/// How many advertisements, and how far apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UaSchedule {
    pub count: u32,
    pub interval: Duration,
}

impl UaSchedule {
    /// IPv6addr: UA_REPEAT_COUNT 5, `sleep(1)` after each.
    pub fn legacy() -> UaSchedule {
        UaSchedule {
            count: 5,
            interval: Duration::from_secs(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertisement_bytes() {
        let mac = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
        let target: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let expect: [u8; NA_LEN] = [
            136, 0, 0, 0, // type, code, checksum (the kernel's)
            0x20, 0, 0, 0, // Override only: not a router, not solicited
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, // target
            2, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, // target link-layer address
        ];
        assert_eq!(neighbour_advert(target, mac), expect);
    }

    #[test]
    fn legacy_schedule() {
        let s = UaSchedule::legacy();
        assert_eq!((s.count, s.interval), (5, Duration::from_secs(1)));
    }
}
