//! ldirectord 4.12's log texts (without the `[date|config|pid] ` prefix,
//! which the daemon's logger adds). Operators' scripts grep these.

use std::net::SocketAddr;

/// `192.168.72.9:80`, `[2001:db8::2]:80`.
pub fn server(a: &SocketAddr) -> String {
    a.to_string()
}

/// "real" or "fallback".
pub fn added(kind: &str, r: &SocketAddr, v: &str, weight: i32) -> String {
    format!(
        "Added {kind} server: {} ({v}) (Weight set to {weight})",
        server(r)
    )
}

pub fn restored(kind: &str, r: &SocketAddr, v: &str, weight: i32) -> String {
    format!(
        "Restored {kind} server: {} ({v}) (Weight set to {weight})",
        server(r)
    )
}

pub fn quiescent(r: &SocketAddr, v: &str) -> String {
    format!(
        "Quiescent real server: {} ({v}) (Weight set to 0)",
        server(r)
    )
}

/// A quiescent real put back into the table (`readdquiescent=yes`).
pub fn readd_quiescent(r: &SocketAddr, v: &str) -> String {
    format!(
        "Readd Quiescent real server: {} ({v}) (Weight set to 0)",
        server(r)
    )
}

pub fn deleted(kind: &str, r: &SocketAddr, v: &str) -> String {
    format!("Deleted {kind} server: {} ({v})", server(r))
}

/// `tag` is "start", "stop" or "reload".
pub fn purged_real(tag: &str, r: &SocketAddr, v: &str) -> String {
    format!("Purged real server ({tag}): {} ({v})", server(r))
}

pub fn purged_virtual(tag: &str, v: &str) -> String {
    format!("Purged virtual server ({tag}): {v}")
}

pub fn added_virtual(v: &str) -> String {
    format!("Added virtual server: {v}")
}

pub fn changed_virtual(v: &str) -> String {
    format!("Changed virtual server: {v}")
}

pub fn soft_failure(r: &SocketAddr, virtual_id: &str, count: u32, of: u32) -> String {
    format!(
        "Soft failure real server: {} ({virtual_id}) failure {count}/{of}",
        server(r)
    )
}

pub fn reset_soft(r: &SocketAddr, virtual_id: &str) -> String {
    format!("Resetting soft failure count: {} ({virtual_id})", server(r))
}
