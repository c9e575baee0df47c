#![no_main]
//! Any packet a raw socket hands the half-open connect check: the TCP and
//! ICMP answer decoders must return, never panic; and a SYN-ACK or reset
//! decodes to the SYN it acknowledges.

use libfuzzer_sys::fuzz_target;
use lvs_check::syn_segment::{icmp_reply, tcp_reply};

fuzz_target!(|data: &[u8]| {
    let _ = icmp_reply(data);
    if let Some(reply) = tcp_reply(data) {
        let tcp = &data[usize::from(data[0] & 0x0f) * 4..];
        assert_eq!(reply.to_port, u16::from_be_bytes([tcp[2], tcp[3]]));
        assert_eq!(reply.ack, u32::from_be_bytes([tcp[8], tcp[9], tcp[10], tcp[11]]));
    }
});
