#![no_main]
//! Any datagram: the heartbeat decoder and the zero-copy view must return,
//! never panic; whatever `decode` accepts must re-encode (signed netstring)
//! and decode to the same message.

use hb_proto::{decode, encode_netstring, Auth, EncodeError, Format, Method, Packet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let view = Packet::new_checked(data);
    if let Ok(view) = &view {
        let _ = view.fields().count();
    }
    let Ok(decoded) = decode(data) else {
        return;
    };
    if let Format::Netstring { signed_len, .. } = decoded.format {
        // The view checks framing only, so it accepts at least as much.
        let view = view.expect("the view accepts what decode accepts");
        assert_eq!(view.signed().len(), signed_len);
    }
    let signer = Auth::new(1, Method::Sha1, "fuzz").expect("valid authkeys entry");
    match encode_netstring(&decoded.message, &signer) {
        Ok(again) => {
            let redecoded = decode(&again).expect("our own encoding decodes");
            assert_eq!(redecoded.message, decoded.message);
            assert_eq!(redecoded.len, again.len());
        }
        // Classic text can grow past MAXMSG when re-encoded as netstring
        // (every field gains a length and a type prefix).
        Err(EncodeError::TooBig { .. }) => {}
        Err(e) => panic!("decoded message does not re-encode: {e}"),
    }
});
