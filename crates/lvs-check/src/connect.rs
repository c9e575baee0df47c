//! `checktype=connect`: the real is up if a TCP connection opens (for an
//! IPv4 real, if it answers a SYN: see [`crate::half_open`]); and the
//! UDP connect that `checktype=N` does between negotiates on a UDP service.

use crate::{CheckSpec, Outcome};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::net::{TcpStream, UdpSocket};

pub async fn check(spec: &CheckSpec) -> Outcome {
    if let SocketAddr::V4(target) = spec.target {
        if let Some(outcome) = crate::half_open::check(target).await {
            return outcome;
        }
    }
    match TcpStream::connect(spec.target).await {
        Ok(stream) => {
            crate::sockopt::close_with_reset(&stream);
            Outcome::up(format!("connected to {}", spec.target))
        }
        Err(e) => Outcome::down(format!("connect to {} failed: {e}", spec.target)),
    }
}

pub async fn check_udp(spec: &CheckSpec) -> Outcome {
    let local: SocketAddr = match spec.target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let connected = match UdpSocket::bind(local).await {
        Ok(socket) => socket.connect(spec.target).await,
        Err(e) => Err(e),
    };
    match connected {
        Ok(()) => Outcome::up(format!("UDP socket connected to {}", spec.target)),
        Err(e) => Outcome::down(format!("UDP connect to {} failed: {e}", spec.target)),
    }
}
