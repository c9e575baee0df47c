//! Port names from /etc/services, as ipvsadm's `service_to_port`.

use crate::model::Protocol;
use std::ffi::CString;

pub fn port_by_name(name: &str, protocol: Protocol) -> Option<u16> {
    let proto = match protocol {
        Protocol::Tcp => c"tcp",
        Protocol::Udp => c"udp",
        Protocol::Sctp => c"sctp",
    };
    let name = CString::new(name).ok()?;
    // SAFETY: both arguments are NUL-terminated; the result points into
    // static storage (or is NULL) and is read at once, single-threaded.
    unsafe {
        let ent = libc::getservbyname(name.as_ptr(), proto.as_ptr());
        if ent.is_null() {
            return None;
        }
        Some(u16::from_be((*ent).s_port as u16))
    }
}
