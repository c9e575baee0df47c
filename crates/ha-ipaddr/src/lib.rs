//! Native replacement for heartbeat's `IPaddr`, `IPaddr2` and `IPv6addr`
//! resource scripts: bring a virtual address up on the right interface,
//! tell the LAN about it (gratuitous ARP; unsolicited neighbour
//! advertisements for IPv6), take it down, and report its status.
//! [`NativeResource`] runs a haresources resource through them.
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
//! table, then [`start`], [`stop`] and [`status`] act on that plan. IPaddr2
//! also does what heartbeat's wrapper turns on, `lvs_support` ([`lvs`]).
//! IPv6addr's [`start_ipv6`], [`stop_ipv6`] and [`status_ipv6`] take the
//! argument ([`Ipv6Request`]) and decide from the kernel's IPv6 addresses.
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
//! Neighbour advertisements are built with `pnet_packet` too and sent on a
//! raw ICMPv6 socket (`socket2`) bound to the VIP, as IPv6addr sends them,
//! so that the kernel writes the IPv6 header and checksum.
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
//! * No lock files in /run/resource-agents (only lvs_support's notes go
//!   there): IPaddr's alias is the first free `nic:N` among the addresses
//!   actually present.
//! * An address already up, planned without a netmask, is described as it
//!   is instead of re-derived (the legacy can be misled by the routes a
//!   narrower VIP adds, then calls a running address stopped).
//! * lvs_support: a loopback copy is removed only once its note is
//!   written (the legacy removes it anyway, and can never restore it);
//!   the copy is taken off whichever `lo*` interface has it (the legacy
//!   always deletes from `lo`).
//! * IPv6addr: start returns once duplicate address detection is over and
//!   the first advertisement is out; the other four follow on a thread
//!   (the agent blocks about five seconds more). Duplicate address
//!   detection is watched in the kernel's address flags instead of by
//!   pinging the address, so no echo requests or neighbour solicitations
//!   for the VIP leave the node.
//! * `IPv6addr::2001:db8::10/64/eth0`: the legacy ResourceManager splits
//!   every `::`, so only addresses written without one ever worked; here
//!   everything after the first `::` is the address.

mod announce;
mod error;
mod frame;
mod garp;
mod kernel;
mod kernel6;
mod loopback;
pub mod lvs;
mod na;
mod native;
mod ops;
mod ops6;
mod plan;
mod plan6;
mod rtnl;
mod rtnl6;
mod spec;
mod spec6;
mod status;
mod ua;

pub use announce::AnnounceHandle;
pub use error::Error;
pub use frame::{arp_frame, ArpKind, FRAME_LEN};
pub use garp::GarpSchedule;
pub use kernel::{Address, Link, LinkLookup, Route, Snapshot};
pub use kernel6::{Address6, Scope6, Snapshot6};
pub use na::{neighbour_advert, UaSchedule, NA_LEN};
pub use native::NativeResource;
pub use ops::{start, stop, Announce, Started};
pub use ops6::{start_ipv6, start_ipv6_with, status_ipv6, stop_ipv6};
pub use plan::{plan, plan_resource, plan_with, AddressPlan};
pub use spec::Flavor;
pub use spec6::Ipv6Request;
pub use status::{status, Status};
