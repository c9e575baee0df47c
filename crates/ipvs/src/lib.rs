//! The kernel's IPVS table as data, and the ways we change and show it.
//!
//! `model` is the table (services and their destinations) as plain values;
//! `diff` turns a desired table and the current one into the minimal list of
//! operations. Neither touches the kernel: the generic-netlink client and
//! the ipvsadm-style listing are separate modules that use this model.

pub mod diff;
pub mod model;
pub mod ops;

pub use diff::{apply, diff, ApplyError};
pub use model::*;
pub use ops::Operation;
