//! The UDP media of ha.cf (`bcast`, `ucast`, `mcast`): one receive socket
//! and one send socket each, with the legacy's socket options. Receive
//! threads hand datagrams to the event loop; every outgoing packet goes
//! out on every medium.
//!
//! A medium never vanishes silently. A receive error, or its interface
//! being deleted or replaced (sockets stay bound to the old interface
//! index and go deaf, with no error), is logged and the sockets are opened
//! again: every second while the interface is missing, else backing off
//! up to a minute.

use super::Input;
use ha_config::hacf::Medium;
use hb_core::Level;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// A datagram as received, with the name of its medium (the interface).
pub struct Datagram {
    pub medium: String,
    pub bytes: Vec<u8>,
}

/// How long a receive waits before checking its interface.
const WATCH_EVERY: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

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

fn ifindex(iface: &str) -> Option<u32> {
    nix::net::if_::if_nametoindex(iface).ok()
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

/// One medium's sockets as its line says, built again on every reopen.
#[derive(Clone)]
enum Plan {
    Bcast {
        iface: String,
        port: u16,
    },
    Ucast {
        iface: String,
        peer: String,
        port: u16,
    },
    Mcast {
        iface: String,
        group: Ipv4Addr,
        port: u16,
        ttl: u8,
        loopback: bool,
    },
}

impl Plan {
    fn iface(&self) -> &str {
        match self {
            Plan::Bcast { iface, .. } | Plan::Ucast { iface, .. } | Plan::Mcast { iface, .. } => {
                iface
            }
        }
    }

    /// How log lines name it: `bcast eth1`, `ucast eth1 10.0.0.2`, …
    fn label(&self) -> String {
        match self {
            Plan::Bcast { iface, .. } => format!("bcast {iface}"),
            Plan::Ucast { iface, peer, .. } => format!("ucast {iface} {peer}"),
            Plan::Mcast { iface, group, .. } => format!("mcast {iface} {group}"),
        }
    }

    fn open_recv(&self) -> Result<Socket, String> {
        let l = self.label();
        match self {
            Plan::Bcast { iface, port } | Plan::Ucast { iface, port, .. } => {
                if let Plan::Bcast { .. } = self {
                    iface_addrs(iface)
                        .ok_or_else(|| format!("{l}: interface has no IPv4 address"))?;
                }
                recv_socket(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, *port), iface)
                    .map_err(|e| format!("{l}: cannot listen on port {port}: {e}"))
            }
            Plan::Mcast {
                iface, group, port, ..
            } => {
                let (ifaddr, _) = iface_addrs(iface)
                    .ok_or_else(|| format!("{l}: interface has no IPv4 address"))?;
                let r = udp().map_err(|e| format!("{l}: {e}"))?;
                r.set_reuse_address(true).map_err(|e| format!("{l}: {e}"))?;
                r.bind(&SocketAddr::V4(SocketAddrV4::new(*group, *port)).into())
                    .map_err(|e| format!("{l}: cannot bind {group}:{port}: {e}"))?;
                r.join_multicast_v4(group, &ifaddr)
                    .map_err(|e| format!("{l}: cannot join {group}: {e}"))?;
                Ok(r)
            }
        }
    }

    fn open_send(&self) -> Result<(Socket, SockAddr), String> {
        let l = self.label();
        let err = |e: std::io::Error| format!("{l}: {e}");
        match self {
            Plan::Bcast { iface, port } => {
                let (_, bcast) = iface_addrs(iface)
                    .ok_or_else(|| format!("{l}: interface has no IPv4 address"))?;
                let bcast = bcast.unwrap_or(Ipv4Addr::BROADCAST);
                let s = udp().map_err(err)?;
                s.set_broadcast(true).map_err(err)?;
                let _ = s.bind_device(Some(iface.as_bytes()));
                Ok((s, SocketAddr::V4(SocketAddrV4::new(bcast, *port)).into()))
            }
            Plan::Ucast { iface, peer, port } => {
                let to = (peer.as_str(), *port)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.find(|a| a.is_ipv4()))
                    .ok_or_else(|| format!("{l}: cannot resolve {peer}"))?;
                let s = udp().map_err(err)?;
                let _ = s.bind_device(Some(iface.as_bytes()));
                let _ = s.set_tos(0x10);
                Ok((s, to.into()))
            }
            Plan::Mcast {
                iface,
                group,
                port,
                ttl,
                loopback,
            } => {
                let (ifaddr, _) = iface_addrs(iface)
                    .ok_or_else(|| format!("{l}: interface has no IPv4 address"))?;
                let s = udp().map_err(err)?;
                s.set_multicast_if_v4(&ifaddr).map_err(err)?;
                s.set_multicast_ttl_v4(u32::from(*ttl)).map_err(err)?;
                s.set_multicast_loop_v4(*loopback).map_err(err)?;
                Ok((s, SocketAddr::V4(SocketAddrV4::new(*group, *port)).into()))
            }
        }
    }
}

fn log(tx: &Sender<Input>, level: Level, text: String) {
    let _ = tx.send(Input::Log(level, text));
}

/// Receives for one medium for the life of the daemon.
fn spawn_reader(plan: Plan, first: Socket, tx: Sender<Input>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(format!("read-{}", plan.iface()))
        .spawn(move || {
            if let Err(e) = super::realtime::this_thread() {
                log(
                    &tx,
                    Level::Warning,
                    format!(
                        "read-{}: Unable to set scheduler parameters: {e}",
                        plan.iface()
                    ),
                );
            }
            let name = plan.iface().to_string();
            let mut sock: std::net::UdpSocket = first.into();
            let mut bound = ifindex(&name);
            let mut buf = vec![0u8; hb_proto::MAXMSG];
            loop {
                // The timeout lets the loop look at its interface.
                let _ = sock.set_read_timeout(Some(WATCH_EVERY));
                let failure = match sock.recv_from(&mut buf) {
                    Ok((n, _)) => {
                        let d = Datagram {
                            medium: name.clone(),
                            bytes: buf[..n].to_vec(),
                        };
                        if tx.send(Input::Datagram(d)).is_err() {
                            return;
                        }
                        None
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock
                                | std::io::ErrorKind::TimedOut
                                | std::io::ErrorKind::Interrupted
                        ) =>
                    {
                        let now = ifindex(&name);
                        (now != bound).then(|| match now {
                            None => format!("{}: interface {name} is gone", plan.label()),
                            Some(_) => format!("{}: interface {name} was replaced", plan.label()),
                        })
                    }
                    Err(e) => Some(format!("{}: read failure: {e}", plan.label())),
                };
                if let Some(why) = failure {
                    log(&tx, Level::Error, format!("{why}; reopening"));
                    sock = reopen(&plan, &tx).into();
                    bound = ifindex(&name);
                }
            }
        })
        .map(|_| ())
}

/// Opens the receive socket again, as long as it takes.
fn reopen(plan: &Plan, tx: &Sender<Input>) -> Socket {
    let mut backoff = Duration::from_secs(1);
    let mut said_missing = false;
    loop {
        std::thread::sleep(backoff);
        match plan.open_recv() {
            Ok(s) => {
                log(tx, Level::Info, format!("{}: reopened", plan.label()));
                return s;
            }
            // Waiting for the interface to come back: look every second,
            // say so once.
            Err(e) if ifindex(plan.iface()).is_none() => {
                if !said_missing {
                    log(tx, Level::Error, format!("{e}; waiting for the interface"));
                    said_missing = true;
                }
                backoff = Duration::from_secs(1);
            }
            Err(e) => {
                backoff = (backoff * 2).min(MAX_BACKOFF);
                log(
                    tx,
                    Level::Error,
                    format!("{e}; next try in {} s", backoff.as_secs()),
                );
            }
        }
    }
}

pub struct OpenMedium {
    pub name: String,
    plan: Plan,
    send: Option<(Socket, SockAddr)>,
    /// The interface index the send socket was opened on.
    bound: Option<u32>,
    next_try: Instant,
    backoff: Duration,
    tx: Sender<Input>,
}

/// Opens every medium; errors name the medium. Media this driver does not
/// carry yet (IPv6, serial, ping nodes) are returned as notes for the log.
pub fn open(
    media: &[Medium],
    tx: &Sender<Input>,
) -> Result<(Vec<OpenMedium>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for m in media {
        let plan = match m {
            Medium::Bcast { interface, port } => Plan::Bcast {
                iface: interface.clone(),
                port: *port,
            },
            Medium::Ucast {
                interface,
                peer,
                port,
            } => Plan::Ucast {
                iface: interface.clone(),
                peer: peer.clone(),
                port: *port,
            },
            Medium::Mcast {
                interface,
                group,
                port,
                ttl,
                loopback,
            } => Plan::Mcast {
                iface: interface.clone(),
                group: group
                    .parse()
                    .map_err(|_| format!("mcast {interface}: bad group {group}"))?,
                port: *port,
                ttl: *ttl,
                loopback: *loopback,
            },
            // Ping nodes have their own socket (ping.rs).
            Medium::Ping { .. } | Medium::PingGroup { .. } => continue,
            other => {
                notes.push(format!(
                    "{other:?}: not supported by this heartbeatd yet; ignored"
                ));
                continue;
            }
        };
        let recv = plan.open_recv()?;
        spawn_reader(plan.clone(), recv, tx.clone())
            .map_err(|e| format!("{}: cannot start its reader: {e}", plan.label()))?;
        let send = plan.open_send()?;
        out.push(OpenMedium {
            name: plan.iface().to_string(),
            bound: ifindex(plan.iface()),
            plan,
            send: Some(send),
            next_try: Instant::now(),
            backoff: Duration::from_secs(1),
            tx: tx.clone(),
        });
    }
    Ok((out, notes))
}

impl OpenMedium {
    /// Sends one packet; a failure is returned for the log, never fatal.
    /// A send socket whose interface went away or was replaced is opened
    /// again first (at most once a backoff period while that fails).
    pub fn send(&mut self, packet: &[u8]) -> Result<(), String> {
        let now_index = ifindex(self.plan.iface());
        if now_index != self.bound {
            self.send = None;
        }
        if self.send.is_none() {
            if Instant::now() < self.next_try {
                return Err(format!("{}: write failure: not open", self.name));
            }
            match self.plan.open_send() {
                Ok(s) => {
                    if now_index.is_some() {
                        log(
                            &self.tx,
                            Level::Info,
                            format!("{}: send socket reopened", self.plan.label()),
                        );
                    }
                    self.send = Some(s);
                    self.bound = now_index;
                    self.backoff = Duration::from_secs(1);
                }
                Err(e) => {
                    self.next_try = Instant::now() + self.backoff;
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                    return Err(e);
                }
            }
        }
        let Some((sock, to)) = &self.send else {
            return Err(format!("{}: write failure: not open", self.name));
        };
        sock.send_to(packet, to)
            .map(|_| ())
            .map_err(|e| format!("{}: write failure: {e}", self.name))
    }
}
