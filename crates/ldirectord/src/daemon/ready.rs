//! `start` returns once the daemon has put its virtual services in the
//! kernel, not merely once it runs (its pid file). heartbeat runs the
//! resources of a group one after the other: with `ldirectord` before
//! `IPaddr` in haresources, a director that takes over must not hold the
//! VIP before the service exists, or a packet of a connection the IPVS
//! sync daemon carried over reaches the director's own TCP stack, which
//! resets it (benches/conn-survival.sh). The legacy returns from `start`
//! when it daemonizes, before its table; returning later changes no
//! output, only when.
//!
//! The daemon gets the write end of a pipe (its number in
//! `LDIRECTORD_RS_READY_FD`) and writes one byte to it after its first
//! table is applied.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub const READY_ENV: &str = "LDIRECTORD_RS_READY_FD";

/// What the pipe said so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pipe {
    /// The daemon's table is in the kernel.
    Ready,
    /// Closed without a word: the daemon is gone (or never had the pipe).
    Closed,
    Waiting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `start` exits with this status.
    Exit(u8),
    Wait,
}

/// `start`'s decision while it waits for the daemon it launched: the
/// daemon's own exit status if it exited; 0 once it is ready; 0 too if it
/// runs (its pid file names it) but the pipe closed or the wait ran out
/// (a table still loading is the daemon's business, as with the legacy);
/// 1 if it never reported at all.
pub fn verdict(exited: Option<u8>, pipe: Pipe, pid_written: bool, timed_out: bool) -> Verdict {
    if let Some(code) = exited {
        return Verdict::Exit(code);
    }
    match pipe {
        Pipe::Ready => Verdict::Exit(0),
        Pipe::Closed | Pipe::Waiting if pid_written && (timed_out || pipe == Pipe::Closed) => {
            Verdict::Exit(0)
        }
        _ if timed_out => Verdict::Exit(1),
        _ => Verdict::Wait,
    }
}

/// The pipe: the read end (close-on-exec, non-blocking) for `start`, the
/// write end (inherited) for the daemon.
pub fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills the two descriptors, which we then own.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both are fresh descriptors of ours.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        libc::fcntl(rd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
        libc::fcntl(rd.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK);
    }
    Ok((rd, wr))
}

/// Reads what the daemon wrote so far (never blocks).
pub fn poll(rd: &OwnedFd) -> Pipe {
    let mut byte = [0u8; 1];
    // SAFETY: a one-byte read into our buffer from our descriptor.
    let n = unsafe { libc::read(rd.as_raw_fd(), byte.as_mut_ptr().cast(), 1) };
    match n {
        1 => Pipe::Ready,
        0 => Pipe::Closed,
        _ => Pipe::Waiting,
    }
}

/// In the daemon: takes the write end named in the environment (removing
/// the variable, and keeping the descriptor from what it starts).
pub fn take() -> Option<File> {
    let fd: i32 = std::env::var(READY_ENV).ok()?.parse().ok()?;
    // Still one thread: nothing reads the environment concurrently.
    std::env::remove_var(READY_ENV);
    // SAFETY: fcntl(F_GETFD) only tells whether the descriptor is open.
    if fd < 3 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: the descriptor was inherited for us alone, and is open.
    unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: as above; from here the File owns it.
    Some(unsafe { File::from_raw_fd(fd) })
}

/// In the daemon: the first table is applied.
pub fn notify(ready: Option<File>) {
    if let Some(mut f) = ready {
        let _ = f.write_all(b"1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exited_daemon_decides_with_its_status() {
        assert_eq!(
            verdict(Some(1), Pipe::Waiting, false, false),
            Verdict::Exit(1)
        );
        assert_eq!(verdict(Some(0), Pipe::Closed, true, true), Verdict::Exit(0));
    }

    #[test]
    fn start_waits_for_the_table_not_for_the_pid_file() {
        // Running (pid file written) but its table not in yet: wait.
        assert_eq!(verdict(None, Pipe::Waiting, true, false), Verdict::Wait);
        assert_eq!(verdict(None, Pipe::Waiting, false, false), Verdict::Wait);
        assert_eq!(verdict(None, Pipe::Ready, true, false), Verdict::Exit(0));
        assert_eq!(verdict(None, Pipe::Ready, false, false), Verdict::Exit(0));
    }

    #[test]
    fn a_running_daemon_that_never_says_ready_still_started() {
        assert_eq!(verdict(None, Pipe::Waiting, true, true), Verdict::Exit(0));
        assert_eq!(verdict(None, Pipe::Closed, true, false), Verdict::Exit(0));
        assert_eq!(verdict(None, Pipe::Waiting, false, true), Verdict::Exit(1));
        assert_eq!(verdict(None, Pipe::Closed, false, false), Verdict::Wait);
        assert_eq!(verdict(None, Pipe::Closed, false, true), Verdict::Exit(1));
    }

    #[test]
    fn the_pipe_says_ready_once_written_and_closed_when_dropped() {
        let (rd, wr) = pipe().unwrap();
        assert_eq!(poll(&rd), Pipe::Waiting);
        notify(Some(File::from(wr)));
        assert_eq!(poll(&rd), Pipe::Ready);
        assert_eq!(poll(&rd), Pipe::Closed);
        let (rd, wr) = pipe().unwrap();
        drop(wr);
        assert_eq!(poll(&rd), Pipe::Closed);
    }
}
