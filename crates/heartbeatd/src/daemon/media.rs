//! The UDP media of ha.cf (`bcast`, `ucast`, `mcast`): one receive socket
//! and one send socket each, with the legacy's socket options. Receive
//! threads hand datagrams to the event loop; every outgoing packet goes
//! out on every medium.

use ha_config::hacf::Medium;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::sync::mpsc::Sender;

/// A datagram as received, with the name of its medium (the interface).
pub struct Datagram {
    pub medium: String,
    pub bytes: Vec<u8>,
}

pub struct OpenMedium {
    pub name: String,
    send: Socket,
    to: SockAddr,
}

/// The IPv4 address and broadcast address of `iface`.
fn iface_addrs(iface: &str) -> Option<(Ipv4Addr, Option<Ipv4Addr>)> {
    let addrs = nix::ifaddrs::getifaddrs().ok()?;
    for a in addrs {
        if a.interface_name != iface {
            continue;
        }
        let Some(ip) = a
            .address
            .as_ref()
            .and_then(|s| s.as_sockaddr_in())
            .map(|s| s.ip())
        else {
            continue;
        };
        let bcast = a
            .broadcast
            .as_ref()
            .and_then(|s| s.as_sockaddr_in())
            .map(|s| s.ip());
        return Some((ip, bcast));
    }
    None
}

fn udp() -> std::io::Result<Socket> {
    Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
}

fn recv_socket(bind: SocketAddrV4, iface: &str) -> std::io::Result<Socket> {
    let s = udp()?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.bind_device(Some(iface.as_bytes()))?;
    s.bind(&SocketAddr::V4(bind).into())?;
    Ok(s)
}

fn spawn_reader(sock: Socket, name: String, tx: Sender<super::Input>) {
    std::thread::Builder::new()
        .name(format!("read-{name}"))
        .spawn(move || {
            let sock: std::net::UdpSocket = sock.into();
            let mut buf = vec![0u8; hb_proto::MAXMSG];
            while let Ok((n, _)) = sock.recv_from(&mut buf) {
                let d = Datagram {
                    medium: name.clone(),
                    bytes: buf[..n].to_vec(),
                };
                if tx.send(super::Input::Datagram(d)).is_err() {
                    break;
                }
            }
        })
        .map(|_| ())
        .unwrap_or(());
}

/// Opens every medium; errors name the medium. Media this driver does not
/// carry yet (IPv6, serial, ping nodes) are returned as notes for the log.
pub fn open(
    media: &[Medium],
    tx: &Sender<super::Input>,
) -> Result<(Vec<OpenMedium>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for m in media {
        let opened = match m {
            Medium::Bcast { interface, port } => {
                let (_, bcast) = iface_addrs(interface)
                    .ok_or_else(|| format!("bcast {interface}: interface has no IPv4 address"))?;
                let bcast = bcast.unwrap_or(Ipv4Addr::BROADCAST);
                let r = recv_socket(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, *port), interface)
                    .map_err(|e| format!("bcast {interface}: cannot listen on port {port}: {e}"))?;
                spawn_reader(r, interface.clone(), tx.clone());
                let s = udp().map_err(|e| format!("bcast {interface}: {e}"))?;
                s.set_broadcast(true)
                    .map_err(|e| format!("bcast {interface}: {e}"))?;
                let _ = s.bind_device(Some(interface.as_bytes()));
                OpenMedium {
                    name: interface.clone(),
                    send: s,
                    to: SocketAddr::V4(SocketAddrV4::new(bcast, *port)).into(),
                }
            }
            Medium::Ucast {
                interface,
                peer,
                port,
            } => {
                let peer_addr = (peer.as_str(), *port)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.find(|a| a.is_ipv4()))
                    .ok_or_else(|| format!("ucast {interface} {peer}: cannot resolve {peer}"))?;
                let r = recv_socket(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, *port), interface)
                    .map_err(|e| {
                        format!("ucast {interface} {peer}: cannot listen on port {port}: {e}")
                    })?;
                spawn_reader(r, interface.clone(), tx.clone());
                let s = udp().map_err(|e| format!("ucast {interface}: {e}"))?;
                let _ = s.bind_device(Some(interface.as_bytes()));
                let _ = s.set_tos(0x10);
                OpenMedium {
                    name: interface.clone(),
                    send: s,
                    to: peer_addr.into(),
                }
            }
            Medium::Mcast {
                interface,
                group,
                port,
                ttl,
                loopback,
            } => {
                let group: Ipv4Addr = group
                    .parse()
                    .map_err(|_| format!("mcast {interface}: bad group {group}"))?;
                let (ifaddr, _) = iface_addrs(interface)
                    .ok_or_else(|| format!("mcast {interface}: interface has no IPv4 address"))?;
                let r = udp().map_err(|e| format!("mcast {interface}: {e}"))?;
                r.set_reuse_address(true)
                    .map_err(|e| format!("mcast {interface}: {e}"))?;
                r.bind(&SocketAddr::V4(SocketAddrV4::new(group, *port)).into())
                    .map_err(|e| format!("mcast {interface}: cannot bind {group}:{port}: {e}"))?;
                r.join_multicast_v4(&group, &ifaddr)
                    .map_err(|e| format!("mcast {interface}: cannot join {group}: {e}"))?;
                spawn_reader(r, interface.clone(), tx.clone());
                let s = udp().map_err(|e| format!("mcast {interface}: {e}"))?;
                s.set_multicast_if_v4(&ifaddr)
                    .map_err(|e| format!("mcast {interface}: {e}"))?;
                s.set_multicast_ttl_v4(u32::from(*ttl))
                    .map_err(|e| format!("mcast {interface}: {e}"))?;
                s.set_multicast_loop_v4(*loopback)
                    .map_err(|e| format!("mcast {interface}: {e}"))?;
                OpenMedium {
                    name: interface.clone(),
                    send: s,
                    to: SocketAddr::V4(SocketAddrV4::new(group, *port)).into(),
                }
            }
            other => {
                notes.push(format!(
                    "{other:?}: not supported by this heartbeatd yet; ignored"
                ));
                continue;
            }
        };
        out.push(opened);
    }
    Ok((out, notes))
}

impl OpenMedium {
    /// Sends one packet; a failure is returned for the log, never fatal.
    pub fn send(&self, packet: &[u8]) -> Result<(), String> {
        self.send
            .send_to(packet, &self.to)
            .map(|_| ())
            .map_err(|e| format!("{}: write failure: {e}", self.name))
    }
}
