//! `ha.cf`: heartbeat 3.0.6's main configuration file.
//!
//! Read line by line as the legacy's `parse_config` does: leading blanks
//! skipped, everything from `#` dropped (anywhere on the line), the line cut
//! at the first CR or LF, the first blank-delimited word is the directive
//! (case-sensitive, no `key=value` form), and the rest is either split into
//! values on blanks and commas, each applied on its own, or handed whole to
//! the directive (media with a line syntax, `respawn`, `apiauth`, …).

mod apply;
pub mod directives;
pub mod media;
pub mod model;
pub mod outline;
mod timing;
mod tokens;
pub mod values;

pub use model::*;

use crate::diag::{Collector, ConfigError, Parsed};
use crate::lines::{lines, Line};
use crate::suggest::did_you_mean;
use directives::Shape;

/// The legacy reads with `fgets(buf, 5120)`: a longer line arrives as
/// several lines of at most this many bytes.
const MAX_READ: usize = 5119;

/// Where things were set, for the whole-file checks and their messages.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub keepalive: Option<(usize, usize)>,
    pub deadtime: Option<(usize, usize)>,
    pub warntime: bool,
    pub initdead: Option<(usize, usize)>,
    pub deadping: Option<(usize, usize)>,
    pub use_logd: Option<(bool, usize, usize)>,
    pub autojoin: Option<(usize, usize)>,
    pub any_media: bool,
    pub udpport_set: bool,
    /// The port each UDP plugin latched when its first medium was created.
    pub bcast_port: Option<u16>,
    pub ucast_port: Option<u16>,
    pub baud_set: bool,
    pub watchdog_set: bool,
    pub pacemaker_set: bool,
}

pub fn parse(text: &str, file: &str) -> Result<Parsed<HaCf>, ConfigError> {
    let mut c = Collector::new(file);
    let mut cfg = HaCf::default();
    let mut seen = Seen::default();
    for line in lines(text) {
        for piece in fgets_pieces(line) {
            walk_line(&piece, &mut cfg, &mut seen, &mut c);
        }
    }
    apply::add_builtin_apiauth(&mut cfg);
    timing::finish(&mut cfg, &seen, &mut c);
    c.finish(cfg)
}

/// A physical line as the legacy's `fgets` hands it over.
fn fgets_pieces(line: Line<'_>) -> Vec<Line<'_>> {
    if line.text.len() <= MAX_READ {
        return vec![line];
    }
    let mut out = Vec::new();
    let mut rest = line.text;
    while !rest.is_empty() {
        let mut cut = MAX_READ.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut == 0 {
            cut = rest.len();
        }
        let (head, tail) = rest.split_at(cut);
        out.push(Line {
            number: line.number,
            text: head,
        });
        rest = tail;
    }
    out
}

fn walk_line(line: &Line<'_>, cfg: &mut HaCf, seen: &mut Seen, c: &mut Collector) {
    let body = tokens::content(line.text);
    if body.is_empty() {
        return;
    }
    let (mut name, rest) = tokens::space_word(body);
    let col = line.col_of(name);
    if name == "udp" {
        c.warning(line.number, col, "directive 'udp' replaced by 'bcast'");
        name = "bcast";
    }
    let Some(shape) = directives::shape_of(name) else {
        let hint = key_value_hint(name).or_else(|| did_you_mean(name, &directives::names()));
        c.error(
            line.number,
            col,
            format!("Illegal directive [{name}] in {}", c.file),
        )
        .hint = hint;
        return;
    };
    let rest = tokens::skip_delims(rest);
    let at = apply::At {
        line: line.number,
        col,
    };
    match shape {
        Shape::WholeLine => {
            apply::whole_line(name, rest, line, at, cfg, seen, c);
        }
        Shape::PerValue => {
            for value in tokens::delim_words(rest) {
                let vat = apply::At {
                    line: line.number,
                    col: line.col_of(value),
                };
                apply::option(name, value, vat, cfg, seen, c);
            }
        }
    }
    if directives::is_medium(name) {
        seen.any_media = true;
    }
    cfg.note_line(line.number);
}

/// `keepalive=2` is a common slip: the legacy takes the whole thing as the
/// directive name.
fn key_value_hint(word: &str) -> Option<String> {
    let (k, v) = word.split_once('=')?;
    directives::shape_of(k).map(|_| format!("write `{k} {v}`: ha.cf has no `=` form"))
}

#[cfg(test)]
mod tests;
