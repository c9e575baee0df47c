//! Golden tests against every packet two real heartbeat 3.0.6 nodes
//! exchanged (tests/data, a copy of shared/reference/captures).

mod common;

use std::collections::BTreeMap;

use hb_proto::{decode, encode_netstring, AuthError, AuthKeys, Format, Method, StatusMsg};

use common::{keys, signer, udp_payloads};

#[test]
fn capture_has_the_documented_packets() {
    let packets = udp_payloads();
    assert_eq!(packets.len(), 402);
    let mut types = BTreeMap::new();
    for p in &packets {
        let d = decode(p).unwrap();
        *types
            .entry(d.message.get_str("t").unwrap().to_string())
            .or_insert(0) += 1;
    }
    let expected: BTreeMap<String, i32> = [
        ("status", 301),
        ("NS_ackmsg", 63),
        ("resource", 21),
        ("starting", 4),
        ("ask_resources", 4),
        ("reqnodes", 3),
        ("repnodes", 3),
        ("stonith", 2),
        ("ip-request-resp", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(types, expected);
}

#[test]
fn every_packet_decodes_verifies_and_reencodes_byte_exact() {
    let keys = keys();
    let signer = signer();
    let mut exact = 0;
    for (i, p) in udp_payloads().iter().enumerate() {
        let d = decode(p).unwrap_or_else(|e| panic!("packet {i}: {e}"));
        assert_eq!(d.len, p.len(), "packet {i}: whole datagram used");
        let Format::Netstring { signed_len, .. } = &d.format else {
            panic!("packet {i} is not netstring")
        };
        assert!(p[..*signed_len].ends_with(b"%%%\n"));
        keys.verify(&d, p)
            .unwrap_or_else(|e| panic!("packet {i}: trailer: {e}"));
        keys.verify_body(&d.message)
            .unwrap_or_else(|e| panic!("packet {i}: body auth: {e}"));
        let again = encode_netstring(&d.message, &signer).unwrap();
        assert_eq!(again, *p, "packet {i} re-encodes differently");
        exact += 1;
    }
    assert_eq!(exact, 402);
}

#[test]
fn status_packets_rebuild_from_their_typed_form() {
    let signer = signer();
    let mut n = 0;
    for (i, p) in udp_payloads().iter().enumerate() {
        let d = decode(p).unwrap();
        if d.message.get_str("t") != Some("status") {
            continue;
        }
        let status = StatusMsg::parse(&d.message).unwrap_or_else(|e| panic!("packet {i}: {e}"));
        assert_eq!(status.protocol, Some(1));
        assert!(status.common.seq.is_some() && status.common.hg.is_some());
        assert!(status.common.srcuuid.is_some());
        let mut rebuilt = status.emit();
        signer.add_body_auth(&mut rebuilt).unwrap();
        assert_eq!(rebuilt, d.message, "packet {i}");
        assert_eq!(
            encode_netstring(&rebuilt, &signer).unwrap(),
            *p,
            "packet {i}"
        );
        n += 1;
    }
    assert_eq!(n, 301);
}

#[test]
fn first_status_has_the_documented_values() {
    let packets = udp_payloads();
    let p = packets
        .iter()
        .find(|p| p.starts_with(b"###\n11:(0)t=status,"))
        .unwrap();
    let s = StatusMsg::parse(&decode(p).unwrap().message).unwrap();
    assert_eq!(s.st, b"init");
    assert_eq!(s.dt, Some(7000), "dt=1b58 is hex milliseconds");
    assert_eq!(s.common.src, b"nodeb");
    assert_eq!(s.common.seq, Some(1));
    assert_eq!(s.common.hg, Some(0x6b06_55bd));
    assert_eq!(s.common.ts, 0x6b06_55bc);
    assert_eq!(s.common.ttl, Some(3));
    assert_eq!(
        s.common.ld.as_deref(),
        Some(&b"0.38 0.23 0.13 1/102 3945"[..])
    );
    assert_eq!(
        s.common.srcuuid,
        Some(*b"\x9d\xf8\x9e\xaf\x019@\x9d\x8d\xf3\x10x#]\xfdX")
    );
}

#[test]
fn wrong_key_or_method_fails_on_every_packet() {
    let wrong_key = AuthKeys::new(hb_proto::Auth::new(1, Method::Sha1, "testsecreT").unwrap());
    let wrong_method = AuthKeys::new(hb_proto::Auth::new(1, Method::Md5, "testsecret").unwrap());
    let wrong_index = AuthKeys::new(hb_proto::Auth::new(2, Method::Sha1, "testsecret").unwrap());
    for p in udp_payloads() {
        let d = decode(&p).unwrap();
        assert_eq!(
            wrong_key.verify(&d, &p),
            Err(AuthError::BadDigest { index: 1 })
        );
        assert_eq!(
            wrong_key.verify_body(&d.message),
            Err(AuthError::BadDigest { index: 1 })
        );
        assert_eq!(
            wrong_method.verify(&d, &p),
            Err(AuthError::BadDigest { index: 1 })
        );
        assert_eq!(
            wrong_index.verify(&d, &p),
            Err(AuthError::UnknownIndex { index: 1 })
        );
    }
}

#[test]
fn numeric_fields_of_other_messages() {
    // NS_ackmsg carries a hex ackseq and no seq/ld; ttl is decimal.
    let packets = udp_payloads();
    let ack = packets
        .iter()
        .map(|p| decode(p).unwrap().message)
        .find(|m| m.get_str("t") == Some("NS_ackmsg"))
        .unwrap();
    assert_eq!(ack.get_hex("ackseq"), Some(1));
    assert_eq!(ack.get("seq"), None);
    assert_eq!(ack.get_dec("ttl"), Some(3));
    assert_eq!(ack.get_binary("destuuid").map(<[u8]>::len), Some(16));
    let common = hb_proto::Common::parse(&ack).unwrap();
    assert_eq!((common.seq, common.ld.as_deref()), (None, None));
    let mut rebuilt = ack.clone();
    common.emit(&mut rebuilt);
    assert_eq!(rebuilt, ack, "emit keeps positions of existing fields");
}

#[test]
fn zero_copy_view_agrees_with_decode() {
    let keys = keys();
    for (i, p) in udp_payloads().iter().enumerate() {
        let view = hb_proto::Packet::new_checked(p.as_slice()).unwrap();
        keys.verify_packet(&view)
            .unwrap_or_else(|e| panic!("packet {i}: {e}"));
        let d = decode(p).unwrap();
        let Format::Netstring {
            signed_len,
            trailer,
        } = &d.format
        else {
            unreachable!()
        };
        assert_eq!(view.signed().len(), *signed_len);
        assert_eq!(view.trailer(), trailer.as_slice());
        let names: Vec<&[u8]> = view.fields().map(|f| f.name).collect();
        let decoded: Vec<&[u8]> = d.message.iter().map(|f| f.name.as_slice()).collect();
        assert_eq!(names, decoded, "packet {i}");
        assert_eq!(
            view.field(b"t").map(|f| (f.type_digit, f.value)),
            Some((b'0', d.message.get_bytes("t").unwrap()))
        );
    }
}

#[test]
fn zero_copy_view_rejects_what_decode_rejects_in_framing() {
    for p in udp_payloads().iter().take(20) {
        for cut in 0..p.len() {
            assert!(hb_proto::Packet::new_checked(&p[..cut]).is_err());
        }
    }
}
