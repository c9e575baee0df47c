//! Splitting a file into numbered physical lines.
//!
//! Carriage returns are kept: the legacy daemons differ in how they treat a
//! CRLF file, so each parser decides for itself.

/// One physical line of a file, without its `\n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: usize,
    pub text: &'a str,
}

impl<'a> Line<'a> {
    /// The 1-based column of `part`, which must be a sub-slice of this line.
    pub fn col_of(&self, part: &str) -> usize {
        let start = self.text.as_ptr() as usize;
        let at = part.as_ptr() as usize;
        // Only a slice lying wholly inside this line has a column here.
        if at < start || at + part.len() > start + self.text.len() {
            return 1;
        }
        self.text[..at - start].chars().count() + 1
    }
}

pub fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    // `split` rather than `lines`: a trailing "\r" must stay visible.
    let mut parts: Vec<&str> = text.split('\n').collect();
    if parts.last() == Some(&"") {
        parts.pop();
    }
    parts.into_iter().enumerate().map(|(i, text)| Line {
        number: i + 1,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lines_and_keeps_carriage_returns() {
        let got: Vec<_> = lines("a\r\nb\n\nc").collect();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].text, "a\r");
        assert_eq!(got[2].text, "");
        assert_eq!(got[3].number, 4);
    }

    #[test]
    fn column_of_a_subslice() {
        let l = Line {
            number: 1,
            text: "ab cd",
        };
        assert_eq!(l.col_of(&l.text[3..]), 4);
        assert_eq!(l.col_of("elsewhere"), 1);
    }
}
