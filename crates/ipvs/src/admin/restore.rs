//! `-R`: ipvsadm's save format read back, a command per line.

/// The words of each line that has any, with its line number; everything
/// from `#` on is a comment (ipvsadm's `config_stream_read`).
pub fn lines(input: &str) -> Vec<(usize, Vec<String>)> {
    input
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.split('#').next().unwrap_or("");
            let words: Vec<String> = line.split_whitespace().map(String::from).collect();
            (!words.is_empty()).then_some((i + 1, words))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines() {
        let got = lines("# saved\n-A -t 1.2.3.4:80 -s rr # web\n\n  \n-C\n");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 2);
        assert_eq!(got[0].1, ["-A", "-t", "1.2.3.4:80", "-s", "rr"]);
        assert_eq!(got[1].1, ["-C"]);
    }
}
