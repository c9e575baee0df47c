//! Resolving what the argument leaves open: interface, prefix, broadcast and
//! label, the way the scripts' `findif` helpers derive them from the routing
//! table (IPaddr: findif.c over /proc/net/route; IPaddr2: findif.sh over
//! `ip route list match IP scope link`).

use std::net::Ipv4Addr;
use std::path::PathBuf;

use ha_config::haresources::{IpSpec, Resource};

use crate::garp::GarpSchedule;
use crate::kernel::{prefix_mask, LinkLookup, Route, Snapshot};
use crate::lvs::{self, LEGACY_STATE_DIR};
use crate::spec::{BroadcastArg, Flavor, Request, MAX_LABEL};
use crate::Error;

/// Everything needed to add, find and remove the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPlan {
    /// As haresources spells it, for messages.
    pub resource: String,
    pub flavor: Flavor,
    pub ip: Ipv4Addr,
    pub prefix_len: u8,
    /// `None`: add the address without a broadcast (IPaddr2 when nothing
    /// gives one).
    pub broadcast: Option<Ipv4Addr>,
    pub interface: String,
    pub ifindex: u32,
    /// `eth0:0` (IPaddr), `eth0:web` (IPaddr2 given `eth0:web`), or none.
    pub label: Option<String>,
    /// Whether the argument named the interface (IPaddr's status then
    /// insists the address be on it).
    pub nic_given: bool,
    pub garp: GarpSchedule,
    /// IPaddr2 (heartbeat's wrapper sets `lvs_support=1`): a `VIP/32` on
    /// `lo` is taken off on start and put back on stop (see [`crate::lvs`]).
    pub lvs_support: bool,
    /// Where the legacy's notes live (`HA_RSCTMP`, /run/resource-agents);
    /// tests point it elsewhere.
    pub state_dir: PathBuf,
}

impl AddressPlan {
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(prefix_mask(self.prefix_len))
    }
}

/// Plans against the calling thread's network namespace.
pub fn plan(flavor: Flavor, spec: &IpSpec) -> Result<AddressPlan, Error> {
    let req = Request::parse(flavor, spec)?;
    let snap = Snapshot::read()
        .map_err(|e| Error::system(&req.resource, "reading interfaces and routes", e))?;
    resolve(req, &snap)
}

/// Plans an `IPaddr::…`/`IPaddr2::…` (or bare-IP) haresources entry.
pub fn plan_resource(resource: &Resource) -> Result<AddressPlan, Error> {
    let not_ours = || {
        Error::spec(
            &resource.spec,
            "not an IPaddr or IPaddr2 resource with an address",
        )
    };
    let flavor = Flavor::from_script(&resource.script).ok_or_else(not_ours)?;
    let spec = resource.ip.as_ref().ok_or_else(not_ours)?;
    plan(flavor, spec)
}

/// Plans against a given snapshot (no system access).
pub fn plan_with(flavor: Flavor, spec: &IpSpec, snap: &Snapshot) -> Result<AddressPlan, Error> {
    resolve(Request::parse(flavor, spec)?, snap)
}

fn resolve(req: Request, snap: &Snapshot) -> Result<AddressPlan, Error> {
    let given = match req.nic.as_deref() {
        Some(name) => Some(
            snap.link_by_name(name)
                .ok_or_else(|| Error::spec(&req.resource, format!("no interface named {name}")))?,
        ),
        None => None,
    };

    // Already configured and no netmask asked for: describe it as it is.
    // Re-deriving would be misled by routes the address itself added (a
    // /25 VIP inside a /24 makes the /25 route the best match).
    // With lvs_support a `VIP/32` on lo is the backup director's copy,
    // not where the line puts the VIP.
    let lvs_support = req.flavor == Flavor::IPaddr2;
    let existing = snap.addresses.iter().find(|a| match given {
        Some(l) => a.local == req.ip && l.index == a.index,
        None => a.local == req.ip && !(lvs_support && lvs::is_loopback_copy(req.ip, a, snap)),
    });

    let route = find_route(&req, snap, given.map(|l| l.index));
    let (ifindex, prefix_len) = match (existing, req.prefix_len, given, route) {
        (Some(a), None, _, _) => (a.index, a.prefix_len),
        (_, Some(p), Some(l), _) => (l.index, p),
        (_, p, _, Some(r)) => {
            if r.prefix_len == 0 && p.is_none() {
                return Err(Error::spec(
                    &req.resource,
                    format!(
                        "{} is only reachable through the default route: give a netmask so the interface can be chosen",
                        req.ip
                    ),
                ));
            }
            (r.oif, p.unwrap_or(r.prefix_len))
        }
        _ => return Err(no_interface(&req, snap, given.map(|l| l.index))),
    };
    let interface = snap.name_of(ifindex);

    let broadcast = broadcast(&req, prefix_len, route, snap);
    let label = match req.flavor {
        Flavor::IPaddr2 => req.label.clone(),
        Flavor::IPaddr => Some(alias_label(&req, snap, ifindex, &interface)?),
    };
    Ok(AddressPlan {
        resource: req.resource.clone(),
        flavor: req.flavor,
        ip: req.ip,
        prefix_len,
        broadcast,
        interface,
        ifindex,
        label,
        nic_given: given.is_some(),
        garp: GarpSchedule::legacy(req.flavor),
        lvs_support,
        state_dir: PathBuf::from(LEGACY_STATE_DIR),
    })
}

/// The most specific route to the address; `None` if nothing leads there.
fn find_route<'a>(req: &Request, snap: &'a Snapshot, nic: Option<u32>) -> Option<&'a Route> {
    let candidates = snap.routes.iter().filter(|r| {
        r.contains(req.ip)
            && nic.is_none_or(|i| r.oif == i)
            && match req.flavor {
                // findif.c: every main-table route, default route included,
                // most specific first, lower metric breaking ties.
                Flavor::IPaddr => true,
                // findif.sh: `ip route list match IP[/mask] scope link`,
                // keeping only lines with a `/` (host routes print none).
                Flavor::IPaddr2 => {
                    r.link_scope
                        && r.prefix_len < 32
                        && r.prefix_len <= req.prefix_len.unwrap_or(32)
                }
            }
    });
    // findif.sh keeps the last of equal prefixes (`>=` in its awk); findif.c
    // the lowest metric. Both agree on the longest prefix.
    candidates.fold(None, |best: Option<&Route>, r| match best {
        Some(b) if b.prefix_len > r.prefix_len => Some(b),
        Some(b)
            if b.prefix_len == r.prefix_len
                && req.flavor == Flavor::IPaddr
                && b.metric <= r.metric =>
        {
            Some(b)
        }
        _ => Some(r),
    })
}

fn no_interface(req: &Request, snap: &Snapshot, nic: Option<u32>) -> Error {
    let mut detail = String::new();
    if let Some(p) = req.prefix_len {
        detail.push_str(&format!(" with prefix /{p}"));
    }
    if let Some(i) = nic {
        detail.push_str(&format!(" on {}", snap.name_of(i)));
    }
    Error::NoInterface {
        resource: req.resource.clone(),
        ip: req.ip.into(),
        detail,
    }
}

fn broadcast(
    req: &Request,
    prefix_len: u8,
    route: Option<&Route>,
    snap: &Snapshot,
) -> Option<Ipv4Addr> {
    let ip = u32::from(req.ip);
    let mask = prefix_mask(prefix_len);
    // iproute2 computes `brd +`/`brd -` only for prefixes up to /30.
    let computed = |set_host_bits: bool| {
        (prefix_len <= 30)
            .then(|| Ipv4Addr::from(if set_host_bits { ip | !mask } else { ip & mask }))
    };
    match (req.broadcast, req.flavor) {
        (Some(BroadcastArg::Addr(b)), _) => Some(b),
        (Some(BroadcastArg::Plus), _) => computed(true),
        (Some(BroadcastArg::Minus), _) => computed(false),
        // findif.c: the address with all host bits set, always.
        (None, Flavor::IPaddr) => Some(Ipv4Addr::from(ip | !mask)),
        // findif.sh: the `brd` of the interface address the connected route
        // names as its `src`; nothing if there is none.
        (None, Flavor::IPaddr2) => {
            let r = route?;
            let src = r.prefsrc?;
            snap.addresses
                .iter()
                .find(|a| a.local == src && a.index == r.oif)
                .and_then(|a| a.broadcast)
        }
    }
}

/// IPaddr's alias name: the label it already has, or the first `nic:N`
/// (N from 0, below 512) no address uses.
fn alias_label(req: &Request, snap: &Snapshot, ifindex: u32, nic: &str) -> Result<String, Error> {
    let on_nic = || snap.addresses.iter().filter(|a| a.index == ifindex);
    if let Some(a) = on_nic().find(|a| a.local == req.ip && a.label.contains(':')) {
        return Ok(a.label.clone());
    }
    let label = (0..512)
        .map(|n| format!("{nic}:{n}"))
        .find(|l| !on_nic().any(|a| &a.label == l))
        .ok_or_else(|| Error::spec(&req.resource, format!("no free alias label on {nic}")))?;
    if label.len() > MAX_LABEL {
        return Err(Error::spec(
            &req.resource,
            format!("alias label {label} exceeds maximum character limit of {MAX_LABEL}"),
        ));
    }
    Ok(label)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
