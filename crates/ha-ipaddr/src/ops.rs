//! `start` and `stop`. Both are idempotent, as the scripts are: starting a
//! served address does nothing (and sends no ARP), stopping an absent one
//! succeeds (and, as IPaddr2's stop, puts nothing back on `lo`).

use std::net::IpAddr;

use crate::announce::{self, AnnounceHandle};
use crate::garp;
use crate::kernel::{LinkLookup, Snapshot};
use crate::loopback;
use crate::plan::AddressPlan;
use crate::rtnl::Rtnl;
use crate::status::{find, served};
use crate::Error;

/// What became of the gratuitous ARP. Its failure does not fail `start`:
/// the scripts only log "Could not send gratuitous arps".
#[derive(Debug)]
pub enum Announce {
    /// Nothing to announce: already running, loopback, or a zero count.
    NotSent,
    /// The first request is out; the rest follows on a thread.
    Sending(AnnounceHandle),
    Failed(Error),
}

#[derive(Debug)]
pub struct Started {
    /// The address was already served: nothing was changed.
    pub already_running: bool,
    pub announce: Announce,
}

/// Takes a loopback copy off (`lvs_support`), adds the address (and sets
/// the interface up), then announces it.
pub fn start(plan: &AddressPlan) -> Result<Started, Error> {
    let sys = |what: &str, e| Error::system(&plan.resource, what, e);
    let snap = Snapshot::read().map_err(|e| sys("reading addresses", e))?;
    if served(plan, &snap)?.is_some() {
        return Ok(Started {
            already_running: true,
            announce: Announce::NotSent,
        });
    }
    let mut rtnl = Rtnl::open().map_err(|e| sys("opening rtnetlink", e))?;
    if plan.lvs_support {
        loopback::take_copies(plan, &snap, &mut rtnl)?;
    }
    rtnl.add_address(
        plan.ifindex,
        plan.ip,
        plan.prefix_len,
        plan.broadcast,
        plan.label.as_deref(),
    )
    .map_err(|e| {
        sys(
            &format!(
                "adding {}/{} to {}",
                plan.ip, plan.prefix_len, plan.interface
            ),
            e,
        )
    })?;
    rtnl.set_up(plan.ifindex)
        .map_err(|e| sys(&format!("setting {} up", plan.interface), e))?;
    Ok(Started {
        already_running: false,
        announce: announce(plan, &snap),
    })
}

fn announce(plan: &AddressPlan, snap: &Snapshot) -> Announce {
    let Some(link) = snap.link_by_index(plan.ifindex) else {
        return Announce::NotSent;
    };
    // IPaddr2 skips lo*; nobody else could hear it there anyway.
    if link.loopback || plan.garp.count == 0 {
        return Announce::NotSent;
    }
    let failed = |why: std::io::Error| {
        Announce::Failed(Error::system(
            &plan.resource,
            format!("sending gratuitous ARP on {}", plan.interface),
            why,
        ))
    };
    let Some(mac) = link.mac.filter(|m| m.iter().any(|&b| b != 0)) else {
        return failed(std::io::Error::other(
            "the interface has no Ethernet address",
        ));
    };
    match garp::announce(plan.ifindex, &link.name, mac, plan.ip, plan.garp) {
        Ok(h) => Announce::Sending(h),
        Err(e) => failed(e),
    }
}

/// Stops any announcement and removes the address if it is served, then
/// puts a noted loopback copy back (`lvs_support`). Returns whether an
/// address was removed.
pub fn stop(plan: &AddressPlan) -> Result<bool, Error> {
    let sys = |what: &str, e| Error::system(&plan.resource, what, e);
    announce::cancel_for(IpAddr::V4(plan.ip));
    let snap = Snapshot::read().map_err(|e| sys("reading addresses", e))?;
    let Some(addr) = find(plan, &snap) else {
        return Ok(false);
    };
    let mut rtnl = Rtnl::open().map_err(|e| sys("opening rtnetlink", e))?;
    let removed = rtnl
        .delete_address(addr.index, addr.local, addr.prefix_len)
        .map_err(|e| {
            let dev = snap.name_of(addr.index);
            sys(
                &format!("removing {}/{} from {dev}", addr.local, addr.prefix_len),
                e,
            )
        })?;
    if plan.lvs_support {
        loopback::restore(plan, &snap, &mut rtnl)?;
    }
    Ok(removed)
}
