//! Splitting an `ha.cf` line the way heartbeat's `parse_config` does.

use nom::bytes::complete::{take_till, take_while};
use nom::IResult;
use nom::Parser;

/// Blanks as heartbeat's `WHITESPACE`.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// Separators between option values (`DELIMS`): blanks and commas.
pub fn is_delim(c: char) -> bool {
    c == ',' || is_space(c)
}

fn skip(input: &str, pred: fn(char) -> bool) -> &str {
    let r: IResult<&str, &str> = take_while(pred).parse(input);
    r.map_or(input, |(rest, _)| rest)
}

fn word(input: &str, end: fn(char) -> bool) -> (&str, &str) {
    let r: IResult<&str, &str> = take_till(end).parse(input);
    r.map_or(("", input), |(rest, w)| (w, rest))
}

pub fn skip_spaces(input: &str) -> &str {
    skip(input, is_space)
}

pub fn skip_delims(input: &str) -> &str {
    skip(input, is_delim)
}

/// The next blank-delimited word and what follows it.
pub fn space_word(input: &str) -> (&str, &str) {
    word(input, is_space)
}

/// Words separated by blanks (whole-line directives and media).
pub fn space_words(input: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = skip_spaces(input);
    while !rest.is_empty() {
        let (w, r) = space_word(rest);
        out.push(w);
        rest = skip_spaces(r);
    }
    out
}

/// Values separated by blanks or commas (ordinary directives: each one is
/// applied on its own, so `node a,b` declares two nodes).
pub fn delim_words(input: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = skip_delims(input);
    while !rest.is_empty() {
        let (w, r) = word(rest, is_delim);
        out.push(w);
        rest = skip_delims(r);
    }
    out
}

/// What heartbeat keeps of a physical line: leading blanks skipped,
/// everything from `#` dropped, cut at the first CR/LF, and (C strings)
/// at a NUL byte.
pub fn content(line: &str) -> &str {
    let line = line.split('\0').next().unwrap_or("");
    let line = skip_spaces(line);
    let line = line.split('#').next().unwrap_or("");
    line.split(['\r', '\n']).next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_the_legacy() {
        assert_eq!(delim_words(" a,b  c,"), vec!["a", "b", "c"]);
        assert_eq!(space_words("eth1, 225.0.0.1"), vec!["eth1,", "225.0.0.1"]);
        assert_eq!(content("  node a # c"), "node a ");
        assert_eq!(content("node a\rjunk"), "node a");
        assert_eq!(content("\t# only"), "");
        assert_eq!(content("bcast eth1\0junk"), "bcast eth1");
    }
}
