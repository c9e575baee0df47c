//! Malformed, truncated, tampered and oversized input: always an error
//! naming the fault, never a panic.

mod common;

use hb_proto::{
    decode, encode_classic, encode_netstring, encode_netstring_unsigned, AuthKeys, DecodeError,
    EncodeError, Message, Value, MAXDEPTH, MAXMSG,
};

use common::{keys, signer, udp_payloads};

fn accepted(keys: &AuthKeys, bytes: &[u8]) -> bool {
    decode(bytes).is_ok_and(|d| keys.verify(&d, bytes).is_ok())
}

#[test]
fn every_truncation_of_every_packet_is_an_error() {
    for (i, p) in udp_payloads().iter().enumerate() {
        for cut in 0..p.len() {
            assert!(
                decode(&p[..cut]).is_err(),
                "packet {i} cut at {cut} decoded"
            );
        }
    }
}

#[test]
fn truncation_reports_where() {
    let p = &udp_payloads()[0];
    assert_eq!(decode(&p[..2]), Err(DecodeError::Truncated { at: 2 }));
    assert_eq!(decode(&p[..10]), Err(DecodeError::Truncated { at: 10 }));
    let end = p.windows(4).position(|w| w == b"%%%\n").unwrap() + 4;
    assert_eq!(
        decode(&p[..end]),
        Err(DecodeError::MissingTrailer { at: end })
    );
    assert_eq!(
        decode(&p[..end + 5]),
        Err(DecodeError::Truncated { at: end + 5 })
    );
}

#[test]
fn every_bit_flip_of_a_packet_is_rejected() {
    let keys = keys();
    let p = &udp_payloads()[1];
    assert!(accepted(&keys, p));
    for at in 0..p.len() {
        for bit in 0..8 {
            let mut q = p.clone();
            q[at] ^= 1 << bit;
            assert!(
                !accepted(&keys, &q),
                "flip of bit {bit} at byte {at} accepted"
            );
        }
    }
}

#[test]
fn one_flipped_byte_in_each_packet_fails_authentication() {
    let keys = keys();
    for (i, p) in udp_payloads().iter().enumerate() {
        // A byte inside the `t` value: decodes fine, digest differs.
        let mut q = p.clone();
        q[13] ^= 0x01;
        let d = decode(&q).unwrap_or_else(|e| panic!("packet {i}: {e}"));
        assert!(
            matches!(
                keys.verify(&d, &q),
                Err(hb_proto::AuthError::BadDigest { index: 1 })
            ),
            "packet {i}"
        );
        assert!(keys.verify_body(&d.message).is_err(), "packet {i} body");
    }
}

#[test]
fn trailing_bytes_after_the_trailer_are_ignored() {
    // The legacy's receive path appends a NUL; some senders might too.
    let keys = keys();
    let mut p = udp_payloads()[0].clone();
    let len = p.len();
    p.push(0);
    let d = decode(&p).unwrap();
    assert_eq!(d.len, len);
    assert!(keys.verify(&d, &p).is_ok());
}

#[test]
fn huge_and_bad_lengths() {
    assert_eq!(
        decode(b"###\n99999999999999999999999:(0)t=x,%%%\n4:1 00,"),
        Err(DecodeError::BadLength { at: 4 })
    );
    assert_eq!(
        decode(b"###\n262144:(0)t=x,%%%\n4:1 00,"),
        Err(DecodeError::BadLength { at: 4 })
    );
    assert_eq!(
        decode(b"###\n1000:(0)t=x,%%%\n4:1 00,"),
        Err(DecodeError::Truncated { at: 27 })
    );
    assert_eq!(
        decode(b"###\n:(0)t=x,%%%\n"),
        Err(DecodeError::BadLength { at: 4 })
    );
    assert_eq!(
        decode(b"###\n5 :(0)t=x,%%%\n"),
        Err(DecodeError::BadLength { at: 4 })
    );
    assert_eq!(
        decode(b"###\n4:(0)t=x,%%%\n4:1 00,"),
        Err(DecodeError::MissingComma { at: 10 })
    );
    // Leading zeros are tolerated, as by the legacy.
    assert!(decode(b"###\n06:(0)t=x,%%%\n4:1 00,").is_ok());
}

#[test]
fn oversized_packets() {
    let mut big = b"###\n".to_vec();
    big.resize(MAXMSG, b'x');
    assert_eq!(
        decode(&big),
        Err(DecodeError::TooBig {
            len: MAXMSG,
            max: MAXMSG - 1
        })
    );
    let mut msg = Message::new();
    msg.push("blob", Value::Binary(vec![0; MAXMSG]));
    assert!(matches!(
        encode_netstring(&msg, &signer()),
        Err(EncodeError::TooBig { .. })
    ));
    assert!(matches!(
        encode_classic(&msg),
        Err(EncodeError::TooBig { .. })
    ));
    // Just under the limit is fine, and decodes back.
    let body = MAXMSG - 1 - 46 - 4 - 4 - 7 - "(1)blob=".len() - 1;
    let mut msg = Message::new();
    msg.push("blob", Value::Binary(vec![7; body]));
    let bytes = encode_netstring(&msg, &signer()).unwrap();
    assert!(bytes.len() < MAXMSG);
    assert_eq!(decode(&bytes).unwrap().message, msg);
}

fn nested(levels: usize) -> Message {
    let mut msg = Message::new();
    msg.push_str("leaf", "x");
    for _ in 0..levels {
        let mut parent = Message::new();
        parent.push("c", Value::Struct(msg));
        msg = parent;
    }
    msg
}

/// Netstring bytes of `levels` nested messages, built by hand so that the
/// decoder sees depths the encoder refuses to write.
fn nested_netstring(levels: usize) -> Vec<u8> {
    let mut body = b"###\n9:(0)leaf=x,%%%\n".to_vec();
    for _ in 0..levels {
        let field_len = 5 + body.len();
        let mut parent = format!("###\n{field_len}:(2)c=").into_bytes();
        parent.extend_from_slice(&body);
        parent.extend_from_slice(b",%%%\n");
        body = parent;
    }
    body.extend_from_slice(b"4:1 00,");
    body
}

#[test]
fn nesting_depth_limit() {
    assert_eq!(MAXDEPTH, 16);
    let ok = nested(16);
    assert_eq!(encode_netstring_unsigned(&ok).map(|_| ()), Ok(()));
    let classic = encode_classic(&ok).unwrap();
    assert_eq!(decode(&classic).unwrap().message, ok);
    let ns = encode_netstring(&ok, &signer()).unwrap();
    assert_eq!(decode(&ns).unwrap().message, ok);
    let hand_built = nested_netstring(16);
    assert_eq!(
        encode_netstring_unsigned(&ok).unwrap(),
        hand_built[..hand_built.len() - b"4:1 00,".len()]
    );

    let deep = nested(17);
    assert_eq!(encode_netstring_unsigned(&deep), Err(EncodeError::TooDeep));
    assert_eq!(encode_classic(&deep), Err(EncodeError::TooDeep));
    assert!(matches!(
        decode(&nested_netstring(17)),
        Err(DecodeError::TooDeep { .. })
    ));
    assert!(decode(&nested_netstring(16)).is_ok());
    // Far deeper input must not exhaust the stack either.
    assert!(matches!(
        decode(&nested_netstring(2000)),
        Err(DecodeError::TooDeep { .. })
    ));
}

#[test]
fn classic_depth_limit_on_hand_built_text() {
    // A struct at depth 16 has no newline symbol; build the text of a
    // 17-deep message with the symbols the legacy would use for 0..16 and
    // a bogus one for the last level.
    let syms: Vec<u8> = (0x14..=0x1f).chain(0x0f..=0x12).collect();
    let mut text = b">>>\nleaf=x\n<<<\n".to_vec();
    for depth in (0..17).rev() {
        let sym = syms.get(depth).copied().unwrap_or(0x01);
        let mut parent = b">>>\n(2)c=".to_vec();
        parent.extend(text.iter().map(|b| if *b == b'\n' { sym } else { *b }));
        parent.extend_from_slice(b"\n<<<\n");
        text = parent;
    }
    assert!(matches!(decode(&text), Err(DecodeError::TooDeep { .. })));
}

#[test]
fn classic_parse_rules() {
    // Line without '='.
    assert_eq!(
        decode(b">>>\nt=x\nnoequals\n<<<\n"),
        Err(DecodeError::MissingEquals { at: 8 })
    );
    assert_eq!(
        decode(b">>>\n=x\n<<<\n"),
        Err(DecodeError::MissingEquals { at: 4 })
    );
    // `(0)` prefix is refused, as are unknown digits and unclosed prefixes.
    for bad in [
        &b">>>\n(0)t=x\n<<<\n"[..],
        b">>>\n(9)t=x\n<<<\n",
        b">>>\n(5)t=x\n<<<\n",
        b">>>\n(1t=x\n<<<\n",
        b">>>\n(=x\n<<<\n",
    ] {
        assert_eq!(
            decode(bad),
            Err(DecodeError::BadFieldType { at: 4 }),
            "{bad:?}"
        );
    }
    assert_eq!(
        decode(b">>>\n(1)=\n<<<\n"),
        Err(DecodeError::BadName { at: 4 })
    );
    // 0x13 stands for a newline; empty values are empty strings.
    let d = decode(b">>>\nmulti=a\x13b\nempty=\n<<<\n").unwrap();
    assert_eq!(d.message.get_bytes("multi"), Some(&b"a\nb"[..]));
    assert_eq!(d.message.get_bytes("empty"), Some(&b""[..]));
    // Blank lines are skipped, a NUL ends the message, trailing bytes ignored.
    let d = decode(b">>>\n\n\nt=x\n\n<<<\ngarbage").unwrap();
    assert_eq!(d.message.get_str("t"), Some("x"));
    assert_eq!(d.len, b">>>\n\n\nt=x\n\n<<<\n".len());
    let d = decode(b">>>\nt=x\0st=y\n").unwrap();
    assert_eq!(d.message.len(), 1);
    assert_eq!(d.len, 7);
    // …but a NUL after a line break is a line without '=', as in the legacy.
    assert_eq!(
        decode(b">>>\nt=x\n\0"),
        Err(DecodeError::MissingEquals { at: 8 })
    );
    // Binary must be padded base64; empty binary is fine.
    assert_eq!(
        decode(b">>>\n(1)u=AQI\n<<<\n"),
        Err(DecodeError::BadBase64 { at: 9 })
    );
    assert_eq!(
        decode(b">>>\n(1)u=\n<<<\n")
            .unwrap()
            .message
            .get_binary("u"),
        Some(&b""[..])
    );
    // Lists: empty elements or empty lists are refused.
    assert_eq!(
        decode(b">>>\n(3)l=0:,\n<<<\n"),
        Err(DecodeError::BadList { at: 9 })
    );
    // Without `<<<`, the end of the bytes acts as the NUL every receiver
    // appends: it ends the message where a line would start or inside a
    // value, but after a line break it is a line without '='.
    assert_eq!(decode(b">>>\n").unwrap().message, Message::new());
    assert_eq!(decode(b">>>\nt=x").unwrap().message.get_str("t"), Some("x"));
    assert_eq!(
        decode(b">>>\nt=x\n"),
        Err(DecodeError::MissingEquals { at: 8 })
    );
    assert_eq!(decode(b">>>\nt"), Err(DecodeError::MissingEquals { at: 4 }));
    assert_eq!(decode(b">>"), Err(DecodeError::Truncated { at: 2 }));
    // A struct value that is not a message.
    assert_eq!(
        decode(b">>>\n(2)c=x\n<<<\n"),
        Err(DecodeError::BadStruct { at: 9 })
    );
}

#[test]
fn classic_encode_refusals() {
    let mut m = Message::new();
    m.push_str("s", "a\x13b");
    assert!(matches!(
        encode_classic(&m),
        Err(EncodeError::BadString { .. })
    ));
    let mut m = Message::new();
    m.push_str("s", "a\0b");
    assert!(matches!(
        encode_classic(&m),
        Err(EncodeError::BadString { .. })
    ));
    let mut m = Message::new();
    m.push_str("a\nb", "x");
    assert!(matches!(
        encode_classic(&m),
        Err(EncodeError::BadName { .. })
    ));
    // A nested message holding its own newline symbol cannot be escaped.
    let mut child = Message::new();
    child.push_str("s", "\x14");
    let mut m = Message::new();
    m.push("c", Value::Struct(child));
    assert!(matches!(
        encode_classic(&m),
        Err(EncodeError::BadNested { .. })
    ));
    assert!(encode_netstring_unsigned(&m).is_ok());
}

#[test]
fn netstring_parse_rules() {
    let t = |body: &[u8]| {
        let mut v = b"###\n".to_vec();
        v.extend_from_slice(body);
        v.extend_from_slice(b"%%%\n4:1 00,");
        decode(&v)
    };
    assert_eq!(t(b"6:(7)t=x,"), Err(DecodeError::BadFieldType { at: 6 }));
    assert_eq!(t(b"6:[0]t=x,"), Err(DecodeError::BadFieldType { at: 6 }));
    assert_eq!(t(b"2:(0,"), Err(DecodeError::BadFieldType { at: 6 }));
    assert_eq!(t(b"6:(0)tax,"), Err(DecodeError::MissingEquals { at: 6 }));
    assert_eq!(t(b"5:(0)=x,"), Err(DecodeError::BadName { at: 9 }));
    assert_eq!(t(b"7:(0)t\0=x,"), Err(DecodeError::BadName { at: 9 }));
    assert_eq!(t(b"5:(3)l=,"), Err(DecodeError::BadList { at: 11 }));
    assert_eq!(t(b"6:(2)c=x,"), Err(DecodeError::BadStruct { at: 11 }));
    assert_eq!(
        decode(b"###\n6:(0)t=x,%%%\n"),
        Err(DecodeError::MissingTrailer { at: 17 })
    );
    assert_eq!(
        decode(b"###\n6:(0)t=x,%%%\n\0"),
        Err(DecodeError::MissingTrailer { at: 17 })
    );
    assert_eq!(decode(b"hello"), Err(DecodeError::UnknownFormat));
    assert_eq!(decode(b""), Err(DecodeError::Truncated { at: 0 }));
    assert_eq!(decode(b"##"), Err(DecodeError::Truncated { at: 2 }));

    // Empty values and raw bytes are fine; 0x13 before a NUL becomes a
    // newline, as in the legacy's receive path.
    let m = t(b"5:(0)e=,10:(0)s=a\x13b\0\x13,").unwrap().message;
    assert_eq!(m.get_bytes("e"), Some(&b""[..]));
    assert_eq!(m.get_bytes("s"), Some(&b"a\nb\0\x13"[..]));
    // Repeated list names merge; a list clashing with a string is refused.
    let m = t(b"14:(3)l=1:a,2:bc,,9:(3)l=1:d,,").unwrap().message;
    assert_eq!(
        m.get("l"),
        Some(&Value::List(vec![
            b"a".to_vec(),
            b"bc".to_vec(),
            b"d".to_vec()
        ]))
    );
    assert_eq!(m.len(), 1);
    assert_eq!(
        t(b"6:(0)l=x,9:(3)l=1:d,,"),
        Err(DecodeError::ListTypeClash { at: 15 })
    );
    // A string field named with a type prefix is read as that type.
    let m = t(b"12:(0)(1)u=AQI=,").unwrap().message;
    assert_eq!(m.get_binary("u"), Some(&[1u8, 2][..]));
    assert_eq!(t(b"9:(0)(0)u=x,"), Err(DecodeError::BadFieldType { at: 9 }));
    // Duplicate non-list names are kept; lookups take the first.
    let m = t(b"6:(0)a=1,6:(0)a=2,").unwrap().message;
    assert_eq!(m.len(), 2);
    assert_eq!(m.get_str("a"), Some("1"));
}

#[test]
fn netstring_encode_refusals() {
    let refuse = |m: &Message| encode_netstring_unsigned(m).is_err();
    let mut m = Message::new();
    m.push_str("", "x");
    assert!(refuse(&m));
    let mut m = Message::new();
    m.push_str("a=b", "x");
    assert!(refuse(&m));
    let mut m = Message::new();
    m.push_str("(1)x", "x");
    assert!(refuse(&m), "string name read back as a type prefix");
    let mut m = Message::new();
    m.push("(1)x", Value::Binary(vec![1]));
    assert!(!refuse(&m), "only string names are re-read");
    let mut m = Message::new();
    m.push_str("s", "a\x13");
    assert!(refuse(&m), "0x13 would come back as a newline");
    let mut m = Message::new();
    m.push_str("s", "a\0\x13");
    assert!(!refuse(&m), "after a NUL the legacy leaves 0x13 alone");
    let mut m = Message::new();
    m.push("l", Value::List(vec![]));
    assert!(refuse(&m));
    let mut m = Message::new();
    m.push("l", Value::List(vec![b"".to_vec()]));
    assert!(refuse(&m));
}

#[test]
fn set_modifies_in_place_or_appends() {
    let mut m = Message::new();
    m.push_str("t", "status");
    m.push_str("auth", "old");
    m.push_str("src", "a");
    m.set_str("auth", "new").unwrap();
    m.set_str("ttl", "3").unwrap();
    let names: Vec<&[u8]> = m.iter().map(|f| f.name.as_slice()).collect();
    assert_eq!(names, [&b"t"[..], b"auth", b"src", b"ttl"]);
    assert_eq!(m.get_str("auth"), Some("new"));
    assert!(m.set("t", Value::Binary(vec![])).is_err());
    assert_eq!(m.remove("auth"), Some(Value::string("new")));
    assert_eq!(m.len(), 3);
}

#[test]
fn prefixed_names_cannot_smuggle_a_start_marker() {
    let bytes = b"###\n16:(0)(1)>>>\nx=AQI=,%%%\n4:1 00,";
    assert_eq!(decode(bytes), Err(DecodeError::BadName { at: 10 }));
}

#[test]
fn classic_text_inside_netstring_counts_towards_the_depth_limit() {
    // A string field named `(2)c` holds classic text (symbols restart at
    // 0x14), parsed as a struct one level below its netstring parent.
    let inner = b"(0)(2)c=>>>\x14a=1\x14<<<\x14";
    let field = |body: &[u8]| {
        let mut v = format!("{}:", body.len()).into_bytes();
        v.extend_from_slice(body);
        v.push(b',');
        v
    };
    let wrap = |fields: Vec<u8>| {
        let mut v = b"###\n".to_vec();
        v.extend_from_slice(&fields);
        v.extend_from_slice(b"%%%\n");
        v
    };
    let mut msg = wrap(field(inner));
    let shallow = {
        let mut v = msg.clone();
        v.extend_from_slice(b"4:1 00,");
        v
    };
    let d = decode(&shallow).unwrap();
    let Some(Value::Struct(child)) = d.message.get("c") else {
        panic!("{:?}", d.message)
    };
    assert_eq!(child.get_str("a"), Some("1"));
    // 16 netstring levels above it: the classic struct would be level 17.
    for _ in 0..16 {
        let mut body = b"(2)n=".to_vec();
        body.extend_from_slice(&msg);
        msg = wrap(field(&body));
    }
    msg.extend_from_slice(b"4:1 00,");
    assert!(matches!(decode(&msg), Err(DecodeError::TooDeep { .. })));
}

#[test]
fn truncated_classic_packets_never_authenticate_a_different_message() {
    let auth = hb_proto::Auth::new(1, hb_proto::Method::Sha1, "secret").unwrap();
    let keys = AuthKeys::new(auth.clone());
    let mut msg = Message::new();
    msg.push_str("t", "status");
    msg.push_str("st", "active");
    msg.push("srcuuid", Value::Binary(vec![1; 16]));
    auth.add_body_auth(&mut msg).unwrap();
    let full = encode_classic(&msg).unwrap();
    for cut in 0..full.len() {
        let part = &full[..cut];
        if let Ok(d) = decode(part) {
            if keys.verify(&d, part).is_ok() {
                // Only the cut just before the final "\n<<<\n": the legacy
                // accepts that too, since its receiver adds a NUL.
                assert_eq!(d.message, msg, "cut at {cut}");
                assert_eq!(cut, full.len() - 5);
            }
        }
    }
}
