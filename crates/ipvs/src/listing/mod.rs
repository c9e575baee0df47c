//! The table as ipvsadm 1.31 prints it (`-Ln`, `--stats`, `--rate`,
//! `--thresholds`, `--persistent-conn`, `-S`), byte for byte.

pub mod format;
pub mod names;
pub mod sort;

pub use format::{list_all, list_service, list_timeouts, version_line, Format};
pub use names::{Names, Numeric, System};
