//! The UDP side the dns, radius and sip checks share.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::net::UdpSocket;

/// A socket connected to the real: replies come only from it, and an ICMP
/// port unreachable comes back as an error on the next receive instead of
/// leaving the check to time out.
pub(crate) async fn connected(target: SocketAddr) -> Result<UdpSocket, String> {
    let io = |what: &str, e: std::io::Error| format!("{what} udp {target}: {e}");
    let local: SocketAddr = if target.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|e| io("bind for", e))?;
    socket.connect(target).await.map_err(|e| io("connect", e))?;
    Ok(socket)
}
