//! Verbatim readers for the configuration files of a Linux-HA/LVS director:
//! heartbeat 3.0.6's `ha.cf`, `haresources` and `authkeys`, and ldirectord
//! 4.12's `ldirectord.cf`.
//!
//! Each parser accepts exactly what the legacy daemon accepts, gives it the
//! same meaning, and reports every rejection as `file:line:col: message`.
//! This crate only reads and validates text (and, for `authkeys`, the file's
//! mode); it never touches the network, processes or the kernel. Checks that
//! depend on the running host (does `eth1` exist, is this host a `node`) live
//! in the daemons.

pub mod authkeys;
pub mod diag;
pub mod hacf;
pub mod haresources;
pub mod heartbeat_dir;
pub mod ldirectord;
pub mod lines;
pub mod suggest;

pub use diag::{ConfigError, Diagnostic, Parsed, Severity};
