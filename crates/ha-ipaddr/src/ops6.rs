//! IPv6addr's start, stop and status over rtnetlink. Start adds the
//! address with duplicate address detection, as the agent's SIOCSIFADDR
//! does (no `nodad`), waits until the kernel has finished it (the agent
//! pings the address up to 5 times, a second apart), then sends the
//! unsolicited neighbour advertisements. Start of a configured address and
//! stop of an absent one do nothing and succeed, as in the agent.

use std::net::IpAddr;
use std::thread;
use std::time::{Duration, Instant};

use crate::announce;
use crate::kernel::LinkLookup;
use crate::kernel6::Snapshot6;
use crate::na::UaSchedule;
use crate::ops::{Announce, Started};
use crate::plan6::{answering, configured, place, Ipv6Plan};
use crate::rtnl::Rtnl;
use crate::spec6::Ipv6Request;
use crate::status::Status;
use crate::ua;
use crate::Error;

/// The agent's QUERY_COUNT pings, one second apart.
const DAD_LIMIT: Duration = Duration::from_secs(5);
const DAD_POLL: Duration = Duration::from_millis(50);

/// Start with IPv6addr's five advertisements a second apart.
pub fn start_ipv6(req: &Ipv6Request) -> Result<Started, Error> {
    start_ipv6_with(req, UaSchedule::legacy())
}

/// Start with another advertisement schedule.
pub fn start_ipv6_with(req: &Ipv6Request, ua: UaSchedule) -> Result<Started, Error> {
    let sys = |what: String, e| Error::system(&req.resource, what, e);
    let snap = Snapshot6::read().map_err(|e| sys("reading addresses".into(), e))?;
    if configured(req, &snap).is_some() {
        return Ok(Started {
            already_running: true,
            announce: Announce::NotSent,
        });
    }
    let plan = place(req, &snap)?;
    let mut rtnl = Rtnl::open().map_err(|e| sys("opening rtnetlink".into(), e))?;
    rtnl.add_address6(plan.ifindex, plan.ip, plan.prefix_len)
        .map_err(|e| {
            let what = format!(
                "adding {}/{} to {}",
                plan.ip, plan.prefix_len, plan.interface
            );
            sys(what, e)
        })?;
    wait_for_dad(&plan)?;
    Ok(Started {
        already_running: false,
        announce: advertise(&plan, &snap, ua),
    })
}

fn wait_for_dad(plan: &Ipv6Plan) -> Result<(), Error> {
    let unusable = |problem: String| Error::Unusable {
        resource: plan.resource.clone(),
        ip: IpAddr::V6(plan.ip),
        problem,
    };
    let deadline = Instant::now() + DAD_LIMIT;
    loop {
        let snap =
            Snapshot6::read().map_err(|e| Error::system(&plan.resource, "reading addresses", e))?;
        let Some(a) = snap
            .addresses
            .iter()
            .find(|a| a.ip == plan.ip && a.index == plan.ifindex)
        else {
            return Err(unusable(format!(
                "vanished from {} while duplicate address detection ran",
                plan.interface
            )));
        };
        if a.dad_failed {
            return Err(unusable(format!(
                "is in use by another node on {}'s link (duplicate address detection failed)",
                plan.interface
            )));
        }
        if !a.tentative {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(unusable(format!(
                "is still tentative after {} s (duplicate address detection unfinished: is {} up?)",
                DAD_LIMIT.as_secs(),
                plan.interface
            )));
        }
        thread::sleep(DAD_POLL);
    }
}

fn advertise(plan: &Ipv6Plan, snap: &Snapshot6, ua: UaSchedule) -> Announce {
    let Some(link) = snap.link_by_index(plan.ifindex) else {
        return Announce::NotSent;
    };
    if link.loopback || ua.count == 0 {
        return Announce::NotSent;
    }
    let failed = |why: std::io::Error| {
        Announce::Failed(Error::system(
            &plan.resource,
            format!(
                "sending unsolicited neighbour advertisements on {}",
                plan.interface
            ),
            why,
        ))
    };
    let Some(mac) = link.mac.filter(|m| m.iter().any(|&b| b != 0)) else {
        return failed(std::io::Error::other(
            "the interface has no Ethernet address",
        ));
    };
    match ua::announce(plan.ifindex, mac, plan.ip, ua) {
        Ok(h) => Announce::Sending(h),
        Err(e) => failed(e),
    }
}

/// Stops any advertisements and removes the address if configured where
/// the argument says. Returns whether an address was removed.
pub fn stop_ipv6(req: &Ipv6Request) -> Result<bool, Error> {
    announce::cancel_for(IpAddr::V6(req.ip));
    let sys = |what: String, e| Error::system(&req.resource, what, e);
    let snap = Snapshot6::read().map_err(|e| sys("reading addresses".into(), e))?;
    let Some(a) = configured(req, &snap) else {
        return Ok(false);
    };
    let mut rtnl = Rtnl::open().map_err(|e| sys("opening rtnetlink".into(), e))?;
    rtnl.delete_address6(a.index, a.ip, a.prefix_len)
        .map_err(|e| {
            sys(
                format!(
                    "removing {}/{} from {}",
                    a.ip,
                    a.prefix_len,
                    snap.name_of(a.index)
                ),
                e,
            )
        })
}

/// Running when the address answers here (see plan6.rs).
pub fn status_ipv6(req: &Ipv6Request) -> Result<Status, Error> {
    let snap =
        Snapshot6::read().map_err(|e| Error::system(&req.resource, "reading addresses", e))?;
    Ok(if answering(req, &snap) {
        Status::Running
    } else {
        Status::Stopped
    })
}
