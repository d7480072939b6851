//! Unix seconds as people read them, in UTC (no time-zone database needed).

/// Days since 1970-01-01 as (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn parts(secs: u64) -> (i64, i64, i64, u64, u64, u64) {
    let (y, m, d) = civil(i64::try_from(secs / 86_400).unwrap_or(0));
    let rem = secs % 86_400;
    (y, m, d, rem / 3_600, rem % 3_600 / 60, rem % 60)
}

/// `2026-11-26 01:05 UTC`.
pub fn utc(secs: u64) -> String {
    let (y, m, d, h, min, _) = parts(secs);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02} UTC")
}

/// `20261126-010509`, for identifiers that sort by time.
pub fn compact(secs: u64) -> String {
    let (y, m, d, h, min, s) = parts(secs);
    format!("{y:04}{m:02}{d:02}-{h:02}{min:02}{s:02}")
}

/// `2026-11-26T01:05:09Z`.
pub fn rfc3339(secs: u64) -> String {
    let (y, m, d, h, min, s) = parts(secs);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_seconds() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_795_654_800), "2026-11-26 01:00 UTC");
        assert_eq!(compact(1_795_654_809), "20261126-010009");
        assert_eq!(rfc3339(1_795_654_809), "2026-11-26T01:00:09Z");
    }
}
