#![no_main]
//! Any datagram from the kernel: framing, attribute walking and the IPVS
//! decoders must return, never panic; a service or destination that
//! decodes must survive our own encoding unchanged.

use ipvs::netlink::attr::AttrWriter;
use ipvs::netlink::message::{messages, Incoming};
use ipvs::wire::{decode, encode};
use ipvs::Family;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for m in messages(data) {
        let Ok(Incoming::Data { attrs, .. }) = m else {
            continue;
        };
        let _ = decode::info(attrs);
        let _ = decode::timeouts(attrs);
        if let Ok(s) = decode::service(attrs) {
            let mut buf = Vec::new();
            encode::service(&mut AttrWriter::new(&mut buf), &s.key, Some(&s.conf));
            let again = decode::service(&buf).expect("our encoding decodes");
            assert_eq!((again.key, &again.conf), (s.key, &s.conf));
        }
        for family in [Family::Inet, Family::Inet6] {
            if let Ok(d) = decode::dest(attrs, family) {
                let mut buf = Vec::new();
                encode::dest(&mut AttrWriter::new(&mut buf), &d.addr, Some(&d.conf));
                let again = decode::dest(&buf, family).expect("our encoding decodes");
                assert_eq!((again.addr, again.conf), (d.addr, d.conf));
            }
        }
    }
});
