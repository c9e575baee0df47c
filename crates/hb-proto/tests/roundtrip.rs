//! Property tests: random messages round-trip through both encodings, and
//! arbitrary or mutated bytes never panic the decoder.

mod common;

use proptest::collection::vec;
use proptest::prelude::*;

use hb_proto::{decode, encode_classic, encode_netstring, AuthKeys, EncodeError, Message, Value};

use common::{signer, udp_payloads};

/// Names from a small alphabet so duplicates (legal, order-preserving)
/// occur. List fields get names outside it: repeated list names merge on
/// receipt, which is tested separately.
fn name() -> impl Strategy<Value = Vec<u8>> {
    "[a-k_][a-k0-9_]{0,6}".prop_map(String::into_bytes)
}

/// String bytes: anything but 0x13, which the receiver turns into `\n`.
fn string_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[ -~]{0,20}".prop_map(String::into_bytes),
        vec(any::<u8>().prop_filter("0x13", |b| *b != 0x13), 0..24),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => string_bytes().prop_map(Value::String),
        2 => vec(any::<u8>(), 0..24).prop_map(Value::Binary),
        1 => vec(vec(1u8..=255, 1..6), 1..4).prop_map(Value::List),
        1 => vec(any::<u8>(), 0..24).prop_map(Value::Compressed),
    ]
}

fn build(fields: Vec<(Vec<u8>, Value)>) -> Message {
    let mut msg = Message::new();
    for (i, (name, value)) in fields.into_iter().enumerate() {
        match value {
            Value::List(_) => msg.push(format!("list{i}"), value),
            _ => msg.push(name, value),
        }
    }
    msg
}

fn message() -> impl Strategy<Value = Message> {
    let flat = vec((name(), leaf()), 0..8).prop_map(build);
    flat.prop_recursive(4, 48, 6, |inner| {
        vec(
            (
                name(),
                prop_oneof![3 => leaf(), 1 => inner.prop_map(Value::Struct)],
            ),
            0..6,
        )
        .prop_map(build)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn netstring_round_trip(msg in message()) {
        let signer = signer();
        let bytes = encode_netstring(&msg, &signer).unwrap();
        let d = decode(&bytes).unwrap();
        prop_assert_eq!(d.len, bytes.len());
        prop_assert_eq!(&d.message, &msg);
        prop_assert!(AuthKeys::new(signer.clone()).verify(&d, &bytes).is_ok());
        prop_assert_eq!(encode_netstring(&d.message, &signer).unwrap(), bytes);
        prop_assert_eq!(
            hb_proto::netstring_body_len(&msg).unwrap() + 46,
            d.len
        );
    }

    #[test]
    fn classic_round_trip(msg in message()) {
        // Classic cannot carry NUL in strings or a nested message holding
        // its own newline symbol; whatever it accepts must come back as is.
        if let Ok(bytes) = encode_classic(&msg) {
            let d = decode(&bytes).unwrap();
            prop_assert_eq!(&d.message, &msg);
            prop_assert_eq!(encode_classic(&d.message).unwrap(), bytes);
        }
    }

    #[test]
    fn body_auth_survives_both_encodings(msg in message()) {
        let signer = signer();
        let keys = AuthKeys::new(signer.clone());
        let mut msg = msg;
        if signer.add_body_auth(&mut msg).is_ok() {
            let bytes = encode_netstring(&msg, &signer).unwrap();
            prop_assert!(keys.verify_body(&decode(&bytes).unwrap().message).is_ok());
            // Classic packets cannot carry newlines in list elements.
            if let Ok(classic) = encode_classic(&msg) {
                let d = decode(&classic).unwrap();
                prop_assert!(keys.verify(&d, &classic).is_ok());
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
        if let Ok(view) = hb_proto::Packet::new_checked(&bytes[..]) {
            let _ = view.fields().count();
        }
    }

    #[test]
    fn decoded_garbage_is_stable(prefix in prop_oneof![Just(&b"###\n"[..]), Just(&b">>>\n"[..])],
                                 tail in vec(prop_oneof![
                                     any::<u8>(),
                                     prop::sample::select(&b"0123456789:,=()\n%<#\x13"[..]),
                                 ], 0..200)) {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&tail);
        check_stable(&bytes)?;
    }

    #[test]
    fn mutated_captures_never_panic(index in 0usize..402, edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let packets = udp_payloads();
        let mut p = packets[index].clone();
        for (at, byte) in edits {
            let i = at.index(p.len());
            p[i] = byte;
        }
        if let Ok(view) = hb_proto::Packet::new_checked(&p[..]) {
            let _ = view.fields().count();
        }
        check_stable(&p)?;
    }
}

/// The fuzz target's invariant: whatever decodes re-encodes and decodes to
/// the same message.
fn check_stable(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(d) = decode(bytes) {
        match encode_netstring(&d.message, &signer()) {
            Ok(again) => prop_assert_eq!(decode(&again).unwrap().message, d.message),
            // Classic text can grow when re-encoded as netstring.
            Err(EncodeError::TooBig { .. }) => {}
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        }
    }
    Ok(())
}
