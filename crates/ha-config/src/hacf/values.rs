//! The legacy's value readers (C `atoi`, cluster-glue's `cl_get_msec` and
//! `cl_str_to_boolean`, the syslog facility table), reproduced so that the
//! same strings pass and fail and give the same numbers.

/// glibc `atoi`: leading blanks, optional sign, digits, anything after is
/// ignored; no digits gives 0. glibc computes a saturated `long` and then
/// truncates it to `int`, so huge values wrap like they do there.
pub fn atoi(s: &str) -> i32 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        let d = i64::from(b - b'0');
        v = v.saturating_mul(10).saturating_add(d);
    }
    let v = if neg { v.saturating_neg() } else { v };
    v as i32
}

/// `cl_get_msec`: a non-negative decimal number of seconds, or of
/// milliseconds/microseconds with an `ms`/`us` suffix (case-insensitive,
/// only the first two letters are compared, blanks allowed before it).
/// `None` where the legacy returns -1. There is no `s` suffix.
pub fn get_msec(input: &str) -> Option<i64> {
    let cp = input.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
    let num_len = cp
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (num, rest) = cp.split_at(num_len);
    let units = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
    // The legacy tests the first character against "0123456789." with
    // strchr, which also matches the terminating NUL: "" passes as 0.
    if num.is_empty() && !cp.is_empty() {
        return None;
    }
    let lower = units.to_ascii_lowercase();
    let (mult, div) = if lower.starts_with("ms") || lower.starts_with("cl_g") {
        (1.0, 1.0)
    } else if lower.starts_with("us") {
        (1.0, 1000.0)
    } else if units.is_empty() {
        (1000.0, 1.0)
    } else {
        return None;
    };
    let v = atof_prefix(num) * mult / div + 0.5;
    // C's (long) cast of an out-of-range double is LONG_MIN on x86-64, which
    // every caller then rejects as negative.
    if !v.is_finite() || v >= 9.223_372_036_854_775e18 {
        return None;
    }
    Some(v as i64)
}

/// `atof` on a run of digits and dots: the longest `d*[.d*]` prefix.
fn atof_prefix(s: &str) -> f64 {
    let mut seen_dot = false;
    let end = s
        .char_indices()
        .find(|&(_, c)| {
            if c == '.' {
                if seen_dot {
                    return true;
                }
                seen_dot = true;
            }
            false
        })
        .map_or(s.len(), |(i, _)| i);
    let p = &s[..end];
    if p == "." || p.is_empty() {
        return 0.0;
    }
    p.parse::<f64>()
        .or_else(|_| format!("0{p}").parse::<f64>())
        .unwrap_or(0.0)
}

/// `cl_str_to_boolean`.
pub fn boolean(s: &str) -> Option<bool> {
    const YES: [&str; 5] = ["true", "on", "yes", "y", "1"];
    const NO: [&str; 5] = ["false", "off", "no", "n", "0"];
    if YES.iter().any(|y| s.eq_ignore_ascii_case(y)) {
        Some(true)
    } else if NO.iter().any(|n| s.eq_ignore_ascii_case(n)) {
        Some(false)
    } else {
        None
    }
}

/// Facility names glibc's `facilitynames` knows, compared exactly
/// (`LOCAL0` is rejected). `none` is accepted and means "no syslog".
pub const FACILITIES: &[&str] = &[
    "auth", "authpriv", "cron", "daemon", "ftp", "kern", "lpr", "mail", "mark", "news", "security",
    "syslog", "user", "uucp", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
    "local7", "none",
];

/// Baud rates heartbeat's `StringToBaud` maps on Linux.
pub const BAUDS: &[i32] = &[9600, 19200, 38400, 57600, 115200, 230400, 460800];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_like_glibc() {
        assert_eq!(atoi("694"), 694);
        assert_eq!(atoi("694abc"), 694);
        assert_eq!(atoi("x"), 0);
        assert_eq!(atoi("-1"), -1);
        assert_eq!(atoi(" +7"), 7);
        assert_eq!(atoi("99999999999"), 99_999_999_999_i64 as i32);
        assert_eq!(atoi("99999999999999999999999"), i64::MAX as i32);
    }

    #[test]
    fn msec_forms_the_legacy_accepts() {
        assert_eq!(get_msec("2"), Some(2000));
        assert_eq!(get_msec("1.5"), Some(1500));
        assert_eq!(get_msec(".5"), Some(500));
        assert_eq!(get_msec("."), Some(0));
        assert_eq!(get_msec("500ms"), Some(500));
        assert_eq!(get_msec("500MS"), Some(500));
        assert_eq!(get_msec("500msec"), Some(500));
        assert_eq!(get_msec("1.5ms"), Some(2));
        assert_eq!(get_msec("600000usec"), Some(600));
        assert_eq!(get_msec("499us"), Some(0));
        assert_eq!(get_msec("1.2.3"), Some(1200));
        assert_eq!(get_msec("500cl_gxx"), Some(500));
    }

    #[test]
    fn msec_forms_the_legacy_rejects() {
        for bad in ["2s", "2min", "two", "-1", "1e3", "2x", "ms"] {
            assert_eq!(get_msec(bad), None, "{bad}");
        }
        assert_eq!(get_msec("99999999999999999999"), None);
    }

    #[test]
    fn booleans() {
        assert_eq!(boolean("On"), Some(true));
        assert_eq!(boolean("n"), Some(false));
        assert_eq!(boolean("maybe"), None);
        assert_eq!(boolean("legacy"), None);
    }
}
