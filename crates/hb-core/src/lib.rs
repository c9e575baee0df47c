//! # hb-core
//!
//! The sans-IO core of heartbeatd, a drop-in for heartbeat 3.0.6 managing
//! haresources itself (`crm off`): who is alive, and which node runs which
//! resource group.
//!
//! Responsible for: our status heartbeat every keepalive and the peers'
//! warntime/deadtime/initdead timers; sequence numbers and generations
//! (duplicates, replays, gaps, restarts, healed partitions) with
//! retransmission requests and answers; in-order delivery of the peer's
//! resource messages; the resource protocols of all three `auto_failback`
//! modes, takeover on death, graceful shutdown handover, `hb_standby` /
//! `hb_takeover`, and split-brain resolution (rule on [`Resources`]);
//! when `respawn`/`failfast` clients start, restart and stop
//! ([`clients::Supervisor`]); which ping nodes answer ([`ping`]) and the
//! built-in ipfail's giveup decisions ([`ipfail`]).
//!
//! Not responsible for: sockets, media and link status, the clock (every
//! input carries `now`, a monotonic [`Time`]), wall-clock `ts`, load
//! average and `ttl` ([`complete_for_wire`]), encoding, signing and
//! verifying packets (`hb-proto`), running resource scripts (the driver
//! runs [`Action::AcquireGroup`] / [`Action::ReleaseGroup`] and reports
//! back), persisting the generation and uuid, STONITH, API clients.
//!
//! ```
//! use hb_core::{Action, Config, Event, Node, Time};
//!
//! let cfg = Config::new("alpha", &["alpha", "beta"]);
//! let mut node = Node::new(cfg, Time::ZERO).unwrap();
//! let actions = node.handle(Time::ZERO, Event::Tick);
//! assert!(matches!(&actions[0], Action::Send(m) if m.get_str("t") == Some("status")));
//! assert_eq!(node.next_deadline(), Some(Time::from_ms(1000)));
//! ```

mod action;
pub mod clients;
mod clock;
mod config;
mod event;
mod history;
pub mod ipfail;
pub mod membership;
pub mod messages;
mod node;
mod ordering;
mod outbox;
pub mod ping;
pub mod resources;
mod rexmit;
mod rscset;
mod seqtrack;
mod status;
mod time;

pub use action::{Action, Level};
pub use config::{Config, ConfigError, FailbackMode, Group, PingNode};
pub use event::Event;
pub use membership::{MemberEvent, Membership};
pub use node::Node;
pub use outbox::complete_for_wire;
pub use ping::PingStatus;
pub use resources::{GroupState, Phase, Resources};
pub use rscset::RscSet;
pub use status::NodeStatus;
pub use time::Time;
