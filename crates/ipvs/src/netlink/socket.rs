//! The generic-netlink socket: family lookup, sending batches of requests
//! and collecting every reply, ack and error for them.

use super::attr::attrs;
use super::message::{messages, push_request, FrameError, Incoming, NLM_F_ACK};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};
use std::io;

const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;

/// A kernel answer that was not an ack: which request, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub seq: u32,
    pub errno: i32,
    pub message: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("netlink socket: {0}")]
    Io(#[from] io::Error),
    #[error("malformed netlink reply: {0}")]
    Frame(#[from] FrameError),
}

pub struct GenlSocket {
    sock: Socket,
    family: u16,
    seq: u32,
    rx: Vec<u8>,
}

/// Largest datagram the kernel sends us (dump batches are capped at 32 KiB).
const RX_BUF: usize = 64 * 1024;

impl GenlSocket {
    /// Opens a socket and looks up `name`. `Ok(None)` when the kernel has no
    /// such family (for IPVS: the module is not loaded).
    pub fn open(name: &str) -> Result<Option<GenlSocket>, SocketError> {
        let mut sock = Socket::new(NETLINK_GENERIC)?;
        sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        // Small acks (no echo of the request) and room for the acks of a
        // whole batch: a lost ack would leave a change unaccounted for.
        let _ = sock.set_cap_ack(true);
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_rx_buf_sz(4 * 1024 * 1024);
        let mut s = GenlSocket {
            sock,
            family: GENL_ID_CTRL,
            seq: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as u32)
                .unwrap_or(1),
            rx: Vec::with_capacity(RX_BUF),
        };
        match s.resolve(name)? {
            Some(id) => {
                s.family = id;
                Ok(Some(s))
            }
            None => Ok(None),
        }
    }

    fn resolve(&mut self, name: &str) -> Result<Option<u16>, SocketError> {
        let seq = self.next_seq();
        let mut buf = Vec::new();
        push_request(
            &mut buf,
            GENL_ID_CTRL,
            CTRL_CMD_GETFAMILY,
            1,
            NLM_F_ACK,
            seq,
            |w| w.string(CTRL_ATTR_FAMILY_NAME, name),
        );
        let mut id = None;
        let refused = self.exchange(&buf, seq, 1, |_, _, a| {
            for attr in attrs(a).flatten() {
                if attr.ty == CTRL_ATTR_FAMILY_ID {
                    id = attr.u16().ok();
                }
            }
        })?;
        match refused.first() {
            Some(r) if r.errno == libc::ENOENT => Ok(None),
            Some(r) => Err(io::Error::from_raw_os_error(r.errno).into()),
            None => Ok(id),
        }
    }

    pub fn family(&self) -> u16 {
        self.family
    }

    /// Reserves `n` consecutive sequence numbers and returns the first.
    pub fn reserve_seqs(&mut self, n: u32) -> u32 {
        let first = self.seq.wrapping_add(1);
        self.seq = self.seq.wrapping_add(n);
        first
    }

    /// The sequence number `next_seq` will return.
    pub fn peek_seq(&self) -> u32 {
        self.seq.wrapping_add(1)
    }

    pub fn next_seq(&mut self) -> u32 {
        self.reserve_seqs(1)
    }

    /// Sends `requests` (one or more messages with sequence numbers
    /// `first_seq..first_seq+count`) and reads until each has ended: with
    /// an ack, an error, or the end of its dump. Data replies go to
    /// `on_data(seq, cmd, attrs)`. Returns the requests the kernel refused.
    pub fn exchange(
        &mut self,
        requests: &[u8],
        first_seq: u32,
        count: u32,
        mut on_data: impl FnMut(u32, u8, &[u8]),
    ) -> Result<Vec<Refusal>, SocketError> {
        let mut sent = 0;
        while sent < requests.len() {
            sent += self.sock.send(&requests[sent..], 0)?;
        }
        let mut pending = count;
        let mut refused = Vec::new();
        let mine = |seq: u32| seq.wrapping_sub(first_seq) < count;
        while pending > 0 {
            self.rx.clear();
            let n = self.sock.recv(&mut self.rx, libc::MSG_TRUNC)?;
            if n > self.rx.len() {
                return Err(FrameError::Truncated.into());
            }
            for m in messages(&self.rx) {
                match m? {
                    Incoming::Data { seq, cmd, attrs } if mine(seq) => on_data(seq, cmd, attrs),
                    Incoming::Ack { seq } | Incoming::Done { seq } if mine(seq) => pending -= 1,
                    Incoming::Error {
                        seq,
                        errno,
                        message,
                    } if mine(seq) => {
                        pending -= 1;
                        refused.push(Refusal {
                            seq,
                            errno,
                            message,
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(refused)
    }
}
