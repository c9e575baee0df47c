//! The worked examples and test vectors of heartbeat-protocol.md §1.2,
//! §1.3, §3.2 and §3.3, checked both ways.

use hb_proto::{
    classic_digest_input, crc_hex, decode, encode_classic, encode_netstring, Auth, AuthKeys,
    Common, Format, Message, Method, StatusMsg, Value,
};

const UUID: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
];

/// §1.2: the classic example, verbatim.
const CLASSIC: &[u8] = b">>>\n\
t=status\n\
st=active\n\
dt=7530\n\
protocol=1\n\
src=node1\n\
(1)srcuuid=ASNFZ4mrze8BI0VniavN7w==\n\
seq=1a\n\
hg=5\n\
ts=65f1c2a0\n\
ld=0.00 0.01 0.05 1/123 4567\n\
ttl=3\n\
auth=1 fb669882387d311ffbcfe444e3b677ccffe6961a\n\
<<<\n";

/// §3.2: digest input of that message.
const DIGEST_INPUT: &[u8] = b"t=status\nst=active\ndt=7530\nprotocol=1\nsrc=node1\n\
(1)srcuuid=ASNFZ4mrze8BI0VniavN7w==\nseq=1a\nhg=5\nts=65f1c2a0\n\
ld=0.00 0.01 0.05 1/123 4567\nttl=3\n";

fn secret() -> Auth {
    Auth::new(1, Method::Sha1, "secret").unwrap()
}

fn example_status() -> StatusMsg {
    StatusMsg {
        st: b"active".to_vec(),
        dt: Some(0x7530),
        protocol: Some(1),
        common: Common {
            src: b"node1".to_vec(),
            srcuuid: Some(UUID),
            seq: Some(0x1a),
            hg: Some(5),
            ts: 0x65f1_c2a0,
            ld: Some(b"0.00 0.01 0.05 1/123 4567".to_vec()),
            ttl: Some(3),
        },
    }
}

/// §1.3: the netstring example, 303 bytes.
fn netstring_example() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"###\n11:(0)t=status,12:(0)st=active,10:(0)dt=7530,13:(0)protocol=1,");
    v.extend_from_slice(b"12:(0)src=node1,27:(1)srcuuid=");
    v.extend_from_slice(&UUID);
    v.extend_from_slice(
        b",9:(0)seq=1a,7:(0)hg=5,14:(0)ts=65f1c2a0,31:(0)ld=0.00 0.01 0.05 1/123 4567,",
    );
    v.extend_from_slice(b"8:(0)ttl=3,50:(0)auth=1 fb669882387d311ffbcfe444e3b677ccffe6961a,%%%\n");
    v.extend_from_slice(b"42:1 a60951b602438c3e2a93c75f252d616703ea8047,");
    v
}

#[test]
fn classic_example_decodes_and_verifies() {
    let d = decode(CLASSIC).unwrap();
    assert_eq!(d.format, Format::Classic);
    assert_eq!(d.len, CLASSIC.len());
    let status = StatusMsg::parse(&d.message).unwrap();
    assert_eq!(status, example_status());
    assert_eq!(status.dt, Some(30_000), "dt is hex ms");
    let keys = AuthKeys::new(secret());
    keys.verify(&d, CLASSIC).unwrap();
    assert_eq!(classic_digest_input(&d.message).unwrap(), DIGEST_INPUT);
}

#[test]
fn classic_example_encodes_verbatim() {
    let mut msg = example_status().emit();
    secret().add_body_auth(&mut msg).unwrap();
    assert_eq!(encode_classic(&msg).unwrap(), CLASSIC);
    // The legacy sent a trailing NUL; it must be accepted.
    let mut with_nul = CLASSIC.to_vec();
    with_nul.push(0);
    assert_eq!(decode(&with_nul).unwrap().message, msg);
}

#[test]
fn digest_example() {
    assert_eq!(
        secret().sign(DIGEST_INPUT),
        "fb669882387d311ffbcfe444e3b677ccffe6961a"
    );
}

#[test]
fn netstring_example_both_ways() {
    let expected = netstring_example();
    assert_eq!(expected.len(), 303);
    let mut msg = example_status().emit();
    secret().add_body_auth(&mut msg).unwrap();
    assert_eq!(encode_netstring(&msg, &secret()).unwrap(), expected);

    let d = decode(&expected).unwrap();
    assert_eq!(d.message, msg);
    let keys = AuthKeys::new(secret());
    keys.verify(&d, &expected).unwrap();
    keys.verify_body(&d.message).unwrap();
    // Same message as the classic example.
    assert_eq!(d.message, decode(CLASSIC).unwrap().message);
}

#[test]
fn newline_in_strings() {
    // §1.3 (verified): raw in netstring, 0x13 in classic.
    let mut msg = Message::new();
    msg.push_str("multi", "a\nb");
    let ns = hb_proto::encode_netstring_unsigned(&msg).unwrap();
    assert_eq!(ns, b"###\n12:(0)multi=a\nb,%%%\n");
    assert_eq!(encode_classic(&msg).unwrap(), b">>>\nmulti=a\x13b\n<<<\n");
    assert_eq!(decode(b">>>\nmulti=a\x13b\n<<<\n").unwrap().message, msg);
}

#[test]
fn list_and_struct_forms() {
    // §1.2: lists are `len:elem,`; structs nest the child's own markers,
    // with `\n` replaced by the depth symbol (0x14 at depth 0).
    let mut child = Message::new();
    child.push_str("a", "1");
    let mut msg = Message::new();
    msg.push("l", Value::List(vec![b"abc".to_vec(), b"defg".to_vec()]));
    msg.push("c", Value::Struct(child.clone()));
    assert_eq!(
        encode_classic(&msg).unwrap(),
        b">>>\n(3)l=3:abc,4:defg,\n(2)c=>>>\x14a=1\x14<<<\x14\n<<<\n"
    );
    assert_eq!(
        hb_proto::encode_netstring_unsigned(&msg).unwrap(),
        b"###\n18:(3)l=3:abc,4:defg,,22:(2)c=###\n6:(0)a=1,%%%\n,%%%\n"
    );
    for bytes in [
        encode_classic(&msg).unwrap(),
        encode_netstring(&msg, &secret()).unwrap(),
    ] {
        assert_eq!(decode(&bytes).unwrap().message, msg);
    }
}

#[test]
fn digest_vectors() {
    // §3.3
    assert_eq!(
        Method::Sha1.digest(b"secret", b"abc"),
        "694abd10842d161ddbc54df8a0d57cf64d0dbcc9"
    );
    assert_eq!(
        Method::Md5.digest(b"secret", b"abc"),
        "d9bf7c3a63eae7031c4e6d7c9b78ba93"
    );
    assert_eq!(crc_hex(b"123456789"), "765e7680");
    assert_eq!(crc_hex(b"abc"), "d3e8c673");
    let crc = Auth::new(3, Method::Crc, "").unwrap();
    assert_eq!(crc.auth_string(b"abc"), "3 d3e8c673");
}

#[test]
fn md5_and_crc_sign_and_verify_netstring() {
    let mut msg = example_status().emit();
    for auth in [
        Auth::new(2, Method::Md5, "OtherSecret").unwrap(),
        Auth::new(3, Method::Crc, "").unwrap(),
    ] {
        auth.add_body_auth(&mut msg).unwrap();
        let bytes = encode_netstring(&msg, &auth).unwrap();
        let d = decode(&bytes).unwrap();
        let keys = AuthKeys::new(auth.clone());
        keys.verify(&d, &bytes).unwrap();
        keys.verify_body(&d.message).unwrap();
    }
}
