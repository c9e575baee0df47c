//! The kernel's IPVS table as data, and the ways we change and show it.
//!
//! `model` is the table (services and their destinations) as plain values;
//! `diff` turns a desired table and the current one into the minimal list of
//! operations. Neither touches the kernel: the generic-netlink client and
//! the ipvsadm-style listing are separate modules that use this model.

pub mod admin;
pub mod client;
pub mod diff;
pub mod error;
pub mod listing;
pub mod model;
pub mod netlink;
pub mod ops;
pub mod sync_daemon;
pub mod wire;

pub use client::{ApplyReport, Ipvs};
pub use diff::{apply, diff, ApplyError};
pub use error::{IpvsError, KernelError};
pub use model::*;
pub use ops::Operation;
