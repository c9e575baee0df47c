//! The monitoring page of ldirectord-rs (lvs-rrd's `/lvs/` page, served by
//! the daemon itself) and its `/metrics`, without any daemon state: the
//! daemon's driver (crates/ldirectord/src/daemon/dashboard.rs) feeds
//! [`Snapshot`]s and history samples in, and this crate stores, renders
//! and serves them.
//!
//! - [`rrd`]: a fixed-size round-robin file per graphed thing;
//! - [`history`]: the set of those files in one directory;
//! - [`model`]: what the page shows (virtuals, reals, cluster, events);
//! - [`events`]: the timeline and the reading of the director's log lines;
//! - [`cluster`]: heartbeatd's `dashboard` status reply;
//! - [`html`], [`svg`], [`prom`]: the page, the graphs, the metrics;
//! - [`http`]: a small HTTP/1.1 server that bad clients cannot stall;
//! - [`site`]: which path is what.

pub mod cluster;
pub mod events;
pub mod history;
pub mod html;
pub mod http;
pub mod model;
pub mod prom;
pub mod rrd;
pub mod site;
pub mod svg;
pub mod timefmt;

pub use model::Snapshot;
