//! Netlink message framing (`nlmsghdr` + `genlmsghdr`): building requests
//! and splitting a received datagram into replies, acks and errors.

use super::attr::{align4, attrs, AttrWriter};

pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_MULTI: u16 = 0x2;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_DUMP: u16 = 0x300;
const NLM_F_CAPPED: u16 = 0x100;
const NLM_F_ACK_TLVS: u16 = 0x200;

const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;
const NLMSGERR_ATTR_MSG: u16 = 1;

pub const NLMSG_HDRLEN: usize = 16;
const GENL_HDRLEN: usize = 4;

/// Appends one generic-netlink request to `buf` (which may already hold
/// others: the kernel processes every message of a datagram in turn).
pub fn push_request(
    buf: &mut Vec<u8>,
    family: u16,
    cmd: u8,
    version: u8,
    flags: u16,
    seq: u32,
    body: impl FnOnce(&mut AttrWriter),
) {
    let start = buf.len();
    buf.extend_from_slice(&[0; 4]);
    buf.extend_from_slice(&family.to_ne_bytes());
    buf.extend_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
    buf.extend_from_slice(&[cmd, version, 0, 0]);
    body(&mut AttrWriter::new(buf));
    let len = (buf.len() - start) as u32;
    buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
}

/// One message from the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// A reply carrying data (one per object in a dump).
    Data { seq: u32, cmd: u8, attrs: &'a [u8] },
    /// A positive acknowledgement of the request `seq`.
    Ack { seq: u32 },
    /// The request `seq` failed with `errno` (positive), with the kernel's
    /// extended-ack text when it gave one.
    Error {
        seq: u32,
        errno: i32,
        message: Option<String>,
    },
    /// The end of the dump `seq`.
    Done { seq: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("netlink message header runs past the end of the datagram")]
    Truncated,
    #[error("the kernel reported a receive buffer overrun")]
    Overrun,
}

/// Splits a datagram into messages.
pub fn messages(datagram: &[u8]) -> Messages<'_> {
    Messages { buf: datagram }
}

pub struct Messages<'a> {
    buf: &'a [u8],
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Incoming<'a>, FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.buf.len() < NLMSG_HDRLEN {
                return None;
            }
            let len = read_u32(self.buf, 0) as usize;
            if len < NLMSG_HDRLEN || len > self.buf.len() {
                self.buf = &[];
                return Some(Err(FrameError::Truncated));
            }
            let msg = &self.buf[..len];
            self.buf = &self.buf[align4(len).min(self.buf.len())..];
            let ty = read_u16(msg, 4);
            let flags = read_u16(msg, 6);
            let seq = read_u32(msg, 8);
            let body = &msg[NLMSG_HDRLEN..];
            return Some(match ty {
                NLMSG_NOOP => continue,
                NLMSG_OVERRUN => Err(FrameError::Overrun),
                NLMSG_DONE => match body.len() {
                    n if n >= 4 && (read_u32(body, 0) as i32) < 0 => Ok(Incoming::Error {
                        seq,
                        errno: -(read_u32(body, 0) as i32),
                        message: None,
                    }),
                    _ => Ok(Incoming::Done { seq }),
                },
                NLMSG_ERROR => parse_error(seq, flags, body),
                _ => {
                    if body.len() < GENL_HDRLEN {
                        Err(FrameError::Truncated)
                    } else {
                        Ok(Incoming::Data {
                            seq,
                            cmd: body[0],
                            attrs: &body[GENL_HDRLEN..],
                        })
                    }
                }
            });
        }
    }
}

/// `struct nlmsgerr`: the error code, then the request's header (and its
/// payload unless capped), then extended-ack attributes if flagged.
fn parse_error(seq: u32, flags: u16, body: &[u8]) -> Result<Incoming<'_>, FrameError> {
    if body.len() < 4 + NLMSG_HDRLEN {
        return Err(FrameError::Truncated);
    }
    let code = read_u32(body, 0) as i32;
    if code == 0 {
        return Ok(Incoming::Ack { seq });
    }
    let mut message = None;
    if flags & NLM_F_ACK_TLVS != 0 {
        let orig_len = if flags & NLM_F_CAPPED != 0 {
            NLMSG_HDRLEN
        } else {
            read_u32(body, 4) as usize
        };
        if let Some(tlvs) = body.get(4 + align4(orig_len)..) {
            message = attrs(tlvs)
                .flatten()
                .find(|a| a.ty == NLMSGERR_ATTR_MSG)
                .map(|a| a.string());
        }
    }
    Ok(Incoming::Error {
        seq,
        errno: -code,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_layout() {
        let mut buf = Vec::new();
        push_request(&mut buf, 0x22, 5, 1, NLM_F_ACK, 7, |w| w.u32(1, 9));
        assert_eq!(buf.len(), 16 + 4 + 8);
        assert_eq!(read_u32(&buf, 0), 28);
        assert_eq!(read_u16(&buf, 4), 0x22);
        assert_eq!(read_u16(&buf, 6), NLM_F_ACK | NLM_F_REQUEST);
        assert_eq!(read_u32(&buf, 8), 7);
        assert_eq!(&buf[16..20], &[5, 1, 0, 0]);
    }

    fn error_msg(seq: u32, code: i32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&36u32.to_ne_bytes());
        m.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        m.extend_from_slice(&NLM_F_CAPPED.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&code.to_ne_bytes());
        m.extend_from_slice(&[0; 16]);
        m
    }

    #[test]
    fn acks_and_errors_in_one_datagram() {
        let mut d = error_msg(1, 0);
        d.extend(error_msg(2, -17));
        let got: Vec<_> = messages(&d).map(Result::unwrap).collect();
        assert_eq!(got[0], Incoming::Ack { seq: 1 });
        assert_eq!(
            got[1],
            Incoming::Error {
                seq: 2,
                errno: 17,
                message: None
            }
        );
    }

    #[test]
    fn garbage_never_panics() {
        for n in 0..64 {
            let d: Vec<u8> = (0..n).map(|i| (i * 37 + n) as u8).collect();
            for m in messages(&d) {
                let _ = m;
            }
        }
        let mut d = error_msg(1, -1);
        d.truncate(30);
        d[0] = 30;
        assert!(messages(&d).next().unwrap().is_err());
    }
}
