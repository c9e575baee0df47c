//! ha.cf as a list of directive lines: which directive is on which line,
//! with its values as the legacy splits them. The model ([`super::HaCf`])
//! keeps meanings; this keeps where things were written and the raw
//! tokens, for the daemon's "accepted but not acted on" warnings and the
//! `HA_<directive>` environment (the legacy exports the token as written).

use super::directives::{self, Shape};
use super::tokens;
use crate::lines::lines;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveLine {
    pub line: usize,
    /// Column of the directive name.
    pub col: usize,
    /// The directive (`udp` already read as `bcast`).
    pub name: String,
    /// Per-value directives: each value; whole-line ones: the rest of the
    /// line as one value (empty lines give no value).
    pub values: Vec<String>,
}

/// Every line that names a known directive, in file order. Unknown names
/// are left out (the parser rejects them).
pub fn outline(text: &str) -> Vec<DirectiveLine> {
    let mut out = Vec::new();
    for line in lines(text) {
        let body = tokens::content(line.text);
        if body.is_empty() {
            continue;
        }
        let (name, rest) = tokens::space_word(body);
        let name = if name == "udp" { "bcast" } else { name };
        let Some(shape) = directives::shape_of(name) else {
            continue;
        };
        let rest = tokens::skip_delims(rest);
        let values = match shape {
            Shape::PerValue => tokens::delim_words(rest)
                .into_iter()
                .map(String::from)
                .collect(),
            Shape::WholeLine => {
                let r = rest.trim_end_matches(tokens::is_space);
                if r.is_empty() {
                    vec![]
                } else {
                    vec![r.to_string()]
                }
            }
        };
        out.push(DirectiveLine {
            line: line.number,
            col: line.col_of(body),
            name: name.to_string(),
            values,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_names_and_values() {
        let o = outline("# c\n  keepalive 1,2\nudp eth1\nrespawn root /bin/x a  # c\nnosuch 1\n");
        assert_eq!(o.len(), 3);
        assert_eq!(
            (o[0].line, o[0].col, o[0].name.as_str()),
            (2, 3, "keepalive")
        );
        assert_eq!(o[0].values, ["1", "2"]);
        assert_eq!(o[1].name, "bcast");
        assert_eq!(o[2].values, ["root /bin/x a"]);
    }
}
