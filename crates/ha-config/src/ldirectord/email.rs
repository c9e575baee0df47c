//! `emailalert=` and `emailalertstatus=`, shared by the global and the
//! per-virtual forms.

use super::model::AlertStatus;
use super::values::is_space;

/// `emailalert=`: one pair of enclosing quotes is dropped; empty is an error.
pub fn address(value: &str) -> Result<String, String> {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| !v.contains('"'))
        .unwrap_or(value);
    if inner.is_empty() {
        return Err("no email address specified".into());
    }
    Ok(inner.to_string())
}

/// Perl's `split /\s*,\s*/`: blanks around commas go, blanks at the ends
/// stay, trailing empty fields are dropped.
fn split_commas(value: &str) -> Vec<&str> {
    let pieces: Vec<&str> = value.split(',').collect();
    let n = pieces.len();
    let mut out: Vec<&str> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let p = if i > 0 {
                p.trim_start_matches(is_space)
            } else {
                p
            };
            if i + 1 < n {
                p.trim_end_matches(is_space)
            } else {
                p
            }
        })
        .collect();
    while out.last() == Some(&"") {
        out.pop();
    }
    out
}

/// `emailalertstatus=`: a comma list of all, none, starting, running,
/// stopping, reloading. An empty value means none.
pub fn status(value: &str) -> Result<AlertStatus, String> {
    let items = split_commas(value);
    let none = items.contains(&"none");
    let mut s = AlertStatus::NONE;
    for i in items {
        match i {
            "none" => continue,
            "all" => s = AlertStatus::ALL,
            "starting" => s.starting = true,
            "running" => s.running = true,
            "stopping" => s.stopping = true,
            "reloading" => s.reloading = true,
            _ => return Err(format!("invalid email alert status at: \"{i}\"")),
        }
        if none {
            return Err(format!(
                "invalid email alert status: \"{i}\" specified with \"none\""
            ));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(status("").unwrap(), AlertStatus::NONE);
        assert_eq!(status("all").unwrap(), AlertStatus::ALL);
        let s = status("starting , running").unwrap();
        assert!(s.starting && s.running && !s.stopping);
        assert_eq!(
            status(",all").unwrap_err(),
            "invalid email alert status at: \"\""
        );
        assert_eq!(
            status("none,all").unwrap_err(),
            "invalid email alert status: \"all\" specified with \"none\""
        );
        assert_eq!(status("none,none").unwrap(), AlertStatus::NONE);
    }

    #[test]
    fn addresses() {
        assert_eq!(address("\"a@b\"").unwrap(), "a@b");
        assert!(address("\"\"").is_err());
        assert_eq!(address("a@b, c@d").unwrap(), "a@b, c@d");
    }
}
