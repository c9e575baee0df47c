//! Socket options the checks share, and the int ones socket2 has no
//! setter for.

use std::io;
use std::os::fd::{AsFd, AsRawFd};

/// setsockopt(2) of an int option.
pub fn set_int(
    fd: &impl AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: i32,
) -> io::Result<()> {
    // SAFETY: setsockopt(2) reads an int from a valid pointer, for the
    // length given, on a descriptor the caller holds open.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A check is over once its exchange is: closing with a reset (a zero
/// linger) instead of a FIN spares both ends the closing handshake and
/// leaves no TIME_WAIT socket behind, which at ten thousand checks a
/// second would be several hundred thousand of them. Best effort: if the
/// option cannot be set, the socket closes normally.
pub fn close_with_reset(socket: &impl AsFd) {
    let _ = socket2::SockRef::from(socket).set_linger(Some(std::time::Duration::ZERO));
}
