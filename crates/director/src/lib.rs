//! The decisions of ldirectord-rs, without I/O.
//!
//! [`plan`] turns an `ldirectord.cf` into resolved virtual services, real
//! servers and the distinct checks to run; [`Director`] takes check results
//! (and `now` nowhere: it has no timers) and returns [`Action`]s: IPVS
//! operations from the diff engine, log lines worded like ldirectord 4.12's,
//! fallback commands and e-mail alerts ([`alerts`]). [`Schedule`] says which checks are due when. The
//! daemon (crates/ldirectord) runs the checks, applies the operations and
//! writes the log; tests drive this core directly.

pub mod alerts;
mod director;
mod health;
mod index;
mod logs;
pub mod plan;
mod schedule;

pub use alerts::{AlertBook, AlertSettings, Email};
pub use director::{Action, Alert, DaemonStatus, Director};
pub use index::IndexedTable;
pub use plan::{CheckId, CheckPlan, Plan, PlanError, RealPlan, VirtualPlan};
pub use schedule::Schedule;
