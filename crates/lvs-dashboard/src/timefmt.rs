//! Unix time as `2024-05-01 12:00:00 UTC`, without a date library: the
//! page and the timeline need nothing more.

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (the well-known era-based conversion).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

pub fn utc(secs: u64) -> String {
    let s = secs as i64;
    let (y, m, d) = civil(s.div_euclid(86_400));
    let t = s.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// `HH:MM`, `MM-DD HH:MM` or `MM-DD` for graph axes, depending on the
/// span: a day graph's two ends share their clock time, so they need the
/// date to differ.
pub fn axis(secs: u64, span: u64) -> String {
    let full = utc(secs);
    if span < 86_400 {
        full[11..16].to_string()
    } else if span <= 2 * 86_400 {
        full[5..16].to_string()
    } else {
        full[5..10].to_string()
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(super::utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(super::axis(1_700_000_000, 3600), "22:13");
        assert_eq!(super::axis(1_700_000_000, 7 * 86_400), "11-14");
        assert_eq!(super::axis(1_700_000_000, 86_400), "11-14 22:13");
        assert_ne!(
            super::axis(1_700_000_000 - 86_400, 86_400),
            super::axis(1_700_000_000, 86_400)
        );
    }
}
