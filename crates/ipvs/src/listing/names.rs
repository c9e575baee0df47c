//! How addresses and ports are shown: numerically (`-n`) or by name, the
//! way ipvsadm asks the resolver (hosts via NSS, ports via /etc/services).

use crate::model::Protocol;
use std::ffi::CStr;
use std::net::{IpAddr, SocketAddr};

pub trait Names {
    fn host(&self, ip: &IpAddr) -> Option<String>;
    fn service(&self, port: u16, protocol: Protocol) -> Option<String>;
}

/// `-n`: never resolve.
pub struct Numeric;

impl Names for Numeric {
    fn host(&self, _: &IpAddr) -> Option<String> {
        None
    }
    fn service(&self, _: u16, _: Protocol) -> Option<String> {
        None
    }
}

/// The system resolver (NSS), as ipvsadm uses it without `-n`.
pub struct System;

impl Names for System {
    fn host(&self, ip: &IpAddr) -> Option<String> {
        match SocketAddr::new(*ip, 0) {
            SocketAddr::V4(v4) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: 0,
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(v4.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                name_of(
                    &sin as *const _ as *const libc::sockaddr,
                    std::mem::size_of_val(&sin),
                )
            }
            SocketAddr::V6(v6) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: 0,
                    sin6_flowinfo: 0,
                    sin6_addr: libc::in6_addr {
                        s6_addr: v6.ip().octets(),
                    },
                    sin6_scope_id: 0,
                };
                name_of(
                    &sin6 as *const _ as *const libc::sockaddr,
                    std::mem::size_of_val(&sin6),
                )
            }
        }
    }

    fn service(&self, port: u16, protocol: Protocol) -> Option<String> {
        let proto = match protocol {
            Protocol::Tcp => c"tcp",
            Protocol::Udp => c"udp",
            Protocol::Sctp => c"sctp",
        };
        // SAFETY: getservbyport returns a pointer into static storage or
        // NULL; we copy the name out at once, and the CLI is single-threaded.
        unsafe {
            let ent = libc::getservbyport((port.to_be()) as libc::c_int, proto.as_ptr());
            if ent.is_null() || (*ent).s_name.is_null() {
                return None;
            }
            Some(CStr::from_ptr((*ent).s_name).to_string_lossy().into_owned())
        }
    }
}

/// The host name for a socket address, if the resolver has one.
fn name_of(sa: *const libc::sockaddr, len: usize) -> Option<String> {
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: `sa` points at a live sockaddr of `len` bytes (the callers'
    // locals); `host` is writable for its whole length.
    let rc = unsafe {
        libc::getnameinfo(
            sa,
            len as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: getnameinfo NUL-terminates the name on success.
    let s = unsafe { CStr::from_ptr(host.as_ptr()) };
    Some(s.to_string_lossy().into_owned())
}
