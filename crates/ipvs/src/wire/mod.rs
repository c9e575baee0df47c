//! The IPVS generic-netlink family: its numbers, and the model encoded into
//! and decoded from its attributes. No I/O here.

pub mod consts;
pub mod daemon;
pub mod decode;
pub mod encode;

pub use decode::{DecodeError, Info, Timeouts};
