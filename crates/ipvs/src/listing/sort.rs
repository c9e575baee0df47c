//! ipvsadm's listing order, reproduced exactly.
//!
//! ipvsadm compares addresses by subtracting them as unsigned 32-bit
//! numbers and reading the result as a signed int, so two addresses more
//! than 2^31 apart compare "backwards" (200.0.0.1 sorts before 10.0.0.1),
//! and the order is not even transitive. Its qsort is glibc's merge sort.
//! Both are copied here so our listing is byte-identical for any table.

use crate::model::{Dest, Family, Service, ServiceKey};
use std::cmp::Ordering;
use std::net::IpAddr;

fn wrapping_cmp(a: u32, b: u32) -> Ordering {
    (a.wrapping_sub(b) as i32).cmp(&0)
}

fn addr_words(ip: &IpAddr) -> [u32; 4] {
    match ip {
        IpAddr::V4(v4) => [u32::from(*v4), 0, 0, 0],
        IpAddr::V6(v6) => {
            let o = v6.octets();
            let w = |i: usize| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
            [w(0), w(4), w(8), w(12)]
        }
    }
}

fn addr_cmp(a: &IpAddr, b: &IpAddr, v6: bool) -> Ordering {
    let (wa, wb) = (addr_words(a), addr_words(b));
    let n = if v6 { 4 } else { 1 };
    for i in 0..n {
        let r = wrapping_cmp(wa[i], wb[i]);
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

fn af_number(f: Family) -> i32 {
    match f {
        Family::Inet => 2,
        Family::Inet6 => 10,
    }
}

/// `ipvs_cmp_services`: fwmark, family, protocol, address, port.
pub fn cmp_services(a: &Service, b: &Service) -> Ordering {
    let fw = |s: &Service| match s.key {
        ServiceKey::FwMark { mark, .. } => mark,
        ServiceKey::Addr { .. } => 0,
    };
    let r = wrapping_cmp(fw(a), fw(b));
    if r != Ordering::Equal {
        return r;
    }
    let fa = a.key.family();
    let r = af_number(fa).cmp(&af_number(b.key.family()));
    if r != Ordering::Equal {
        return r;
    }
    match (&a.key, &b.key) {
        (
            ServiceKey::Addr {
                protocol: pa,
                addr: aa,
            },
            ServiceKey::Addr {
                protocol: pb,
                addr: ab,
            },
        ) => {
            let r = pa.number().cmp(&pb.number());
            if r != Ordering::Equal {
                return r;
            }
            let r = addr_cmp(&aa.ip(), &ab.ip(), fa == Family::Inet6);
            if r != Ordering::Equal {
                return r;
            }
            aa.port().cmp(&ab.port())
        }
        _ => Ordering::Equal,
    }
}

/// `ipvs_cmp_dests`: address (in the destination's own family), port.
pub fn cmp_dests(a: &Dest, b: &Dest) -> Ordering {
    let v6 = a.addr.is_ipv6();
    let r = addr_cmp(&a.addr.ip(), &b.addr.ip(), v6);
    if r != Ordering::Equal {
        return r;
    }
    a.addr.port().cmp(&b.addr.port())
}

/// glibc's `msort`: split at n/2, sort both halves, merge preferring the
/// left run while `cmp(left, right) <= 0`.
pub fn glibc_qsort<T: Clone>(v: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    glibc_qsort(&mut v[..n1], cmp);
    glibc_qsort(&mut v[n1..], cmp);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) != Ordering::Greater {
            merged.push(v[i].clone());
            i += 1;
        } else {
            merged.push(v[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&v[i..n1]);
    merged.extend_from_slice(&v[j..n]);
    v.clone_from_slice(&merged);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn svc(addr: &str) -> Service {
        Service::new(
            ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: addr.parse().unwrap(),
            },
            ServiceConf::with_scheduler("wlc"),
            vec![],
        )
    }

    #[test]
    fn far_apart_addresses_sort_like_ipvsadm() {
        let mut v = vec![svc("10.0.0.1:80"), svc("200.0.0.1:80")];
        glibc_qsort(&mut v, &cmp_services);
        // 0x0a000001 - 0xc8000001 wraps to a positive int.
        assert_eq!(v[0].key, svc("200.0.0.1:80").key);
    }

    #[test]
    fn near_addresses_sort_numerically() {
        let mut v = vec![svc("10.0.0.3:80"), svc("10.0.0.1:443"), svc("10.0.0.1:80")];
        glibc_qsort(&mut v, &cmp_services);
        let got: Vec<String> = v
            .iter()
            .map(|s| match s.key {
                ServiceKey::Addr { addr, .. } => addr.to_string(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(got, ["10.0.0.1:80", "10.0.0.1:443", "10.0.0.3:80"]);
    }
}
