//! "Did you mean …?" for misspelled directives and keywords.

/// The known word closest to `word`, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let len = lower.chars().count();
    known
        .iter()
        // Words whose lengths differ by more than the budget cannot be
        // close; skipping them keeps a garbage line from costing O(n*m) per
        // known word.
        .filter(|k| len.abs_diff(k.chars().count()) <= typo_budget(k.len()))
        .map(|k| {
            (
                strsim::damerau_levenshtein(&lower, &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(d, k)| *d > 0 && *d <= typo_budget(k.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// A hint line for a misspelled word, ready for `Diagnostic::with_hint_opt`.
pub fn did_you_mean(word: &str, known: &[&str]) -> Option<String> {
    nearest(word, known).map(|k| format!("did you mean `{k}`?"))
}

fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let known = ["deadtime", "keepalive", "checktimeout"];
        assert_eq!(nearest("deadtme", &known), Some("deadtime"));
        assert_eq!(nearest("checktimout", &known), Some("checktimeout"));
        assert_eq!(nearest("zzz", &known), None);
        assert_eq!(nearest("deadtime", &known), None);
    }
}
