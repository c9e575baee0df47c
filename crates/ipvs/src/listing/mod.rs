//! The table as ipvsadm 1.31 prints it (`-Ln`, `--stats`, `--rate`,
//! `--thresholds`, `--persistent-conn`, `-S`), byte for byte.

pub mod conn;
pub mod daemon;
pub mod format;
pub mod names;
pub mod sort;

pub use conn::{list_conns, ConnError};
pub use daemon::list_daemons;
pub use format::{list_all, list_service, list_timeouts, version_line, Format};
pub use names::{Names, Numeric, System};
