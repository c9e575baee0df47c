#![no_main]
//! Any byte string: the ldirectord.cf parser must return, never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = ha_config::ldirectord::parse(&text, "fuzz");
});
