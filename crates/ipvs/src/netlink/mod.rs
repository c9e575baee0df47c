//! Generic netlink, just as much as IPVS needs: attributes, message
//! framing and a socket that sends batches and matches up the answers.
//!
//! Hand-written over `netlink-sys` rather than a typed netlink crate: the
//! IPVS family is a handful of flat attributes, and owning the framing lets
//! one `send` carry hundreds of requests, which is what makes a full table
//! load faster than `ipvsadm -R` (see NETLINK.md).

pub mod attr;
pub mod message;
pub mod socket;

pub use socket::{GenlSocket, Refusal, SocketError};
