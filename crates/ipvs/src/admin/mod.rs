//! `ldirectord-rs ipvs ARGS…`: ipvsadm's command line and output over our
//! netlink client, so a director needs no ipvsadm and an operator's
//! muscle memory (`-Ln`, `--stats`, `--rate`, `-S -n`, `-R`) still works.

pub mod args;
mod names;
mod optcheck;
pub mod restore;
mod run;
mod sync;

pub use args::{parse, ArgError, Cmd, Invocation, SvcArg};
pub(crate) use names::port_by_name;
pub use run::{main, operation, Io};
