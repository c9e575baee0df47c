//! Gratuitous ARP, as heartbeat's `send_arp` (the libnet build Debian ships)
//! sends it: for each repetition an ARP request, half an interval later an
//! ARP reply, half an interval later the next pair. Some hosts only heed one
//! of the two, hence both.
//!
//! The first request goes out before [`crate::start`] returns; the rest of
//! the schedule runs on a thread (see [`crate::announce`]), like the
//! scripts' backgrounded send_arp.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use pnet_datalink::{Channel, Config, DataLinkSender, MacAddr, NetworkInterface};

use crate::announce::{self, AnnounceHandle, Cancel};
use crate::frame::{arp_frame, ArpKind};
use crate::spec::Flavor;

/// How many request/reply pairs, and how far apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GarpSchedule {
    pub count: u32,
    pub interval: Duration,
}

impl GarpSchedule {
    /// IPaddr: ARP_REPEAT 10, ARP_INTERVAL_MS 500. IPaddr2: arp_count 5,
    /// arp_interval 200.
    pub fn legacy(flavor: Flavor) -> GarpSchedule {
        match flavor {
            Flavor::IPaddr => GarpSchedule {
                count: 10,
                interval: Duration::from_millis(500),
            },
            Flavor::IPaddr2 => GarpSchedule {
                count: 5,
                interval: Duration::from_millis(200),
            },
        }
    }
}

/// Opens a packet socket on the interface, sends the first request, and
/// leaves the rest of the schedule to a thread.
pub(crate) fn announce(
    ifindex: u32,
    ifname: &str,
    mac: [u8; 6],
    ip: Ipv4Addr,
    schedule: GarpSchedule,
) -> io::Result<AnnounceHandle> {
    let iface = NetworkInterface {
        name: ifname.to_string(),
        description: String::new(),
        index: ifindex,
        mac: Some(MacAddr::from(mac)),
        ips: Vec::new(),
        flags: 0,
    };
    let config = Config {
        promiscuous: false,
        ..Config::default()
    };
    let mut tx = match pnet_datalink::channel(&iface, config)? {
        Channel::Ethernet(tx, _rx) => tx,
        _ => return Err(io::Error::other("not an Ethernet channel")),
    };
    let request = arp_frame(ArpKind::Request, mac, ip);
    let reply = arp_frame(ArpKind::Reply, mac, ip);
    send(&mut *tx, &request)?;

    announce::spawn(IpAddr::V4(ip), move |cancel| {
        repeat(&mut *tx, cancel, schedule, &request, &reply)
    })
}

/// The schedule after the first request: reply, then the remaining pairs.
fn repeat(
    tx: &mut dyn DataLinkSender,
    cancel: &Cancel,
    schedule: GarpSchedule,
    request: &[u8],
    reply: &[u8],
) -> io::Result<u32> {
    let half = schedule.interval / 2;
    let mut sent = 1;
    for j in 0..schedule.count {
        if j > 0 {
            send(tx, request)?;
            sent += 1;
        }
        if cancel.sleep(half) {
            break;
        }
        send(tx, reply)?;
        sent += 1;
        if j + 1 < schedule.count && cancel.sleep(half) {
            break;
        }
    }
    Ok(sent)
}

fn send(tx: &mut dyn DataLinkSender, frame: &[u8]) -> io::Result<()> {
    tx.send_to(frame, None)
        .unwrap_or_else(|| Err(io::Error::other("packet socket refused the frame")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_schedules() {
        let a = GarpSchedule::legacy(Flavor::IPaddr);
        assert_eq!((a.count, a.interval), (10, Duration::from_millis(500)));
        let b = GarpSchedule::legacy(Flavor::IPaddr2);
        assert_eq!((b.count, b.interval), (5, Duration::from_millis(200)));
    }
}
