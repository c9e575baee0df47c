//! Native replacement for heartbeat's `IPaddr` and `IPaddr2` resource
//! scripts: bring a virtual IPv4 address up on the right interface, tell the
//! LAN about it with gratuitous ARP, take it down, and report its status.
//!
//! ```no_run
//! use ha_config::haresources::IpSpec;
//! use ha_ipaddr::{plan, start, status, stop, Flavor, Status};
//!
//! # fn main() -> Result<(), ha_ipaddr::Error> {
//! let spec = IpSpec::parse("192.168.72.8/24/eth0");
//! let plan = plan(Flavor::IPaddr2, &spec)?;
//! let started = start(&plan)?; // returns once the first ARP is out
//! assert_eq!(status(&plan)?, Status::Running);
//! stop(&plan)?;
//! # drop(started);
//! # Ok(())
//! # }
//! ```
//!
//! The flow is the legacy one: [`plan`] resolves what the argument leaves
//! open (interface, prefix, broadcast, label) from the kernel's routing
//! table, then [`start`], [`stop`] and [`status`] act on that plan.
//!
//! # Why `netlink-packet-route` + `netlink-sys` and not `rtnetlink`
//!
//! Every operation here is one or two request/acknowledge exchanges, made
//! from heartbeat's resource manager, which runs scripts one at a time and
//! waits for each. The `rtnetlink` crate would force a tokio runtime (and its
//! threads) into that synchronous path for no gain; the typed message
//! definitions of `netlink-packet-route` over a blocking `netlink-sys` socket
//! give the same safety in a few dozen lines, and `netlink-sys` 0.8 is
//! already what the `ipvs` crate uses.
//!
//! Gratuitous ARP frames are built with `pnet_packet` and sent through a
//! `pnet_datalink` packet socket, as the project's design names pnet.
//!
//! Everything acts on the calling thread's network namespace.
//!
//! # Where we deliberately differ from the scripts
//!
//! * IPaddr without an interface: resource-agents' IPaddr defaults `nic`
//!   to `eth0`, then rejects its own calculated interface whenever that is
//!   not eth0 ("Invalid parameter value: nic [eth0] Calculated nic: [..]"),
//!   and its status compares against that eth0 too. We use the calculated
//!   interface, as the haresources line means.
//! * No lock files in /run/resource-agents: IPaddr's alias is the first
//!   free `nic:N` among the addresses actually present.
//! * An address already up, planned without a netmask, is described as it
//!   is instead of re-derived (the legacy can be misled by the routes a
//!   narrower VIP adds, then calls a running address stopped).
//! * Not done: IPaddr2's `lvs_support` (the wrapper turns it on) moving a
//!   conflicting `IP/32` off `lo` and back, and IPv6.

mod error;
mod frame;
mod garp;
mod kernel;
mod ops;
mod plan;
mod rtnl;
mod spec;
mod status;

pub use error::Error;
pub use frame::{arp_frame, ArpKind, FRAME_LEN};
pub use garp::{GarpHandle, GarpSchedule};
pub use kernel::{Address, Link, Route, Snapshot};
pub use ops::{start, stop, Announce, Started};
pub use plan::{plan, plan_resource, plan_with, AddressPlan};
pub use spec::Flavor;
pub use status::{status, Status};
