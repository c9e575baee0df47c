//! Retransmission messages and pacing (§4.5, §4.6): `NS_rexmit` (decimal
//! seqs!) and `NS_nak_rexmit` (hex seq).

use hb_proto::{names, Message};

use crate::messages::{build, fields, types};

/// Shortest delay before the first request for a missing packet.
pub(crate) const MIN_DELAY_MS: u64 = 50;

/// Requests per missing packet before it is given up. The legacy asks until
/// the packet or a NAK arrives; a bound keeps a peer that lost its history
/// without NAKing from blocking in-order delivery forever. At 30 % loss a
/// request round trip fails about half the time, so 20 attempts fail
/// together with odds of about one in a million.
pub(crate) const MAX_ATTEMPTS: u32 = 20;

/// At most this many packets are resent per request (`process_rexmit`).
pub(crate) const MAX_RESEND_PER_REQUEST: u64 = 50;

/// Delay before the first request for `seq`: spread over
/// [`MIN_DELAY_MS`, `max_delay`] like the legacy's random delay, so that
/// nodes missing the same packet do not all ask at once, but derived from
/// the seq so runs are reproducible.
pub(crate) fn first_delay(seq: u64, max_delay: u64) -> u64 {
    if max_delay <= MIN_DELAY_MS {
        return max_delay;
    }
    let spread = max_delay - MIN_DELAY_MS + 1;
    let mixed = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33;
    MIN_DELAY_MS + mixed % spread
}

pub(crate) fn request(dest: &str, first: u64, last: u64) -> Message {
    build(
        types::REXMIT,
        &[
            (names::DEST, dest),
            (fields::FIRSTSEQ, &first.to_string()),
            (fields::LASTSEQ, &last.to_string()),
        ],
    )
}

pub(crate) fn nak(dest: &str, seq: u64, info: &str) -> Message {
    build(
        types::NAK_REXMIT,
        &[
            (fields::FIRSTSEQ, &hb_proto::format_hex(seq)),
            (names::DEST, dest),
            (fields::INFO, info),
        ],
    )
}

/// `(firstseq, lastseq)` of a request, both decimal and > 0.
pub(crate) fn parse_request(msg: &Message) -> Option<(u64, u64)> {
    let first = msg.get_dec(fields::FIRSTSEQ).filter(|s| *s > 0)?;
    let last = msg.get_dec(fields::LASTSEQ).filter(|s| *s >= first)?;
    Some((first, last))
}

/// The seq a NAK gives up (hex, > 0).
pub(crate) fn parse_nak(msg: &Message) -> Option<u64> {
    msg.get_hex(fields::FIRSTSEQ).filter(|s| *s > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_in_range_and_vary() {
        let delays: Vec<u64> = (1..200).map(|s| first_delay(s, 250)).collect();
        assert!(delays.iter().all(|d| (50..=250).contains(d)));
        assert!(delays.iter().any(|d| *d < 100) && delays.iter().any(|d| *d > 200));
        assert_eq!(first_delay(7, 30), 30);
    }

    #[test]
    fn request_is_decimal_and_nak_is_hex() {
        let r = request("nodea", 26, 27);
        assert_eq!(r.get_str("firstseq"), Some("26"));
        assert_eq!(parse_request(&r), Some((26, 27)));
        let n = nak("nodea", 26, "seqno not found");
        assert_eq!(n.get_str("firstseq"), Some("1a"));
        assert_eq!(parse_nak(&n), Some(26));
        assert_eq!(parse_request(&request("x", 5, 4)), None);
    }
}
