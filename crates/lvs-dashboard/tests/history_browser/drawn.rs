//! What a graph draws, read back from the SVG's DOM as the browser
//! serialised it: the panels' plot boxes and axis maxima, and each line
//! as its pieces of (x, y) points. Only the SVG's own structure is used
//! (rects, texts, paths and their attributes), none of svg.rs's constants.

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// The number at the top of the panel's axis.
    pub max: f64,
    pub fill: String,
    /// Legend word → line colour.
    pub legend: HashMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub width: f64,
    pub height: f64,
    pub panels: Vec<Panel>,
    /// Stroke colour → the line's pieces (one per `M`).
    pub lines: HashMap<String, Vec<Vec<(f64, f64)>>>,
}

#[derive(Debug)]
struct Tag {
    name: String,
    attrs: HashMap<String, String>,
    /// Text up to the next tag.
    text: String,
}

fn tags(doc: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(open) = rest.find('<') {
        let close = rest[open..]
            .find('>')
            .map(|c| open + c)
            .unwrap_or(rest.len() - 1);
        let inner = rest[open + 1..close].trim_end_matches('/');
        let after = &rest[close + 1..];
        let text = after[..after.find('<').unwrap_or(after.len())].to_string();
        let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
        out.push(Tag {
            name: inner[..name_end].to_string(),
            attrs: attributes(&inner[name_end..]),
            text,
        });
        rest = after;
    }
    out
}

fn attributes(mut s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    while let Some(eq) = s.find("=\"") {
        let name = s[..eq].trim().to_string();
        let value_end = s[eq + 2..].find('"').unwrap() + eq + 2;
        out.insert(name, s[eq + 2..value_end].to_string());
        s = &s[value_end + 1..];
    }
    out
}

fn num(t: &Tag, a: &str) -> f64 {
    t.attrs
        .get(a)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("<{}> without a numeric {a}: {:?}", t.name, t.attrs))
}

/// "1.5k" → 1500.
pub fn si_value(s: &str) -> f64 {
    let s = s.trim();
    let (n, mult) = match s.chars().last() {
        Some('k') => (&s[..s.len() - 1], 1e3),
        Some('M') => (&s[..s.len() - 1], 1e6),
        Some('G') => (&s[..s.len() - 1], 1e9),
        _ => (s, 1.0),
    };
    n.parse::<f64>()
        .unwrap_or_else(|_| panic!("axis label {s:?}"))
        * mult
}

fn pieces(d: &str) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut words = d.split_whitespace();
    while let Some(w) = words.next() {
        let (cmd, coords) = w.split_at(1);
        let coords = if coords.is_empty() {
            words.next().unwrap_or_default()
        } else {
            coords
        };
        let (x, y) = coords
            .split_once(',')
            .unwrap_or_else(|| panic!("path {d:?}"));
        let p = (x.parse().unwrap(), y.parse().unwrap());
        match cmd {
            "M" => out.push(vec![p]),
            "L" => out.last_mut().expect("L before M").push(p),
            _ => panic!("unexpected path command {cmd} in {d:?}"),
        }
    }
    out
}

pub fn parse(doc: &str) -> Graph {
    let tags = tags(doc);
    let mut g = Graph::default();
    for (i, t) in tags.iter().enumerate() {
        match t.name.as_str() {
            "svg" => {
                g.width = num(t, "width");
                g.height = num(t, "height");
            }
            // A plot box: the rect that follows its title text.
            "rect" if t.attrs.contains_key("stroke") => {
                let title = tags[..i]
                    .iter()
                    .rev()
                    .find(|t| t.name == "text")
                    .map(|t| t.text.clone())
                    .unwrap_or_default();
                let max = tags[i + 1..]
                    .iter()
                    .find(|t| t.name == "text")
                    .map(|t| si_value(&t.text))
                    .unwrap();
                g.panels.push(Panel {
                    title,
                    x: num(t, "x"),
                    y: num(t, "y"),
                    w: num(t, "width"),
                    h: num(t, "height"),
                    max,
                    fill: t.attrs.get("fill").cloned().unwrap_or_default(),
                    legend: HashMap::new(),
                });
            }
            // Legends ("■ new") come after their panel's box.
            "text" if t.text.starts_with('\u{25a0}') => {
                if let (Some(p), Some(fill)) = (g.panels.last_mut(), t.attrs.get("fill")) {
                    let word = t.text.trim_start_matches('\u{25a0}').trim().to_string();
                    p.legend.insert(word, fill.clone());
                }
            }
            "path" => {
                let colour = t.attrs["stroke"].clone();
                g.lines
                    .entry(colour)
                    .or_default()
                    .extend(pieces(&t.attrs["d"]));
            }
            _ => {}
        }
    }
    g
}

#[test]
fn reads_a_small_svg() {
    let g = parse(
        r##"<svg width="420" height="358"><text x="1" y="2">connections/s</text><rect x="52" y="34" width="360" height="62" fill="#f7f7f7" stroke="#ccc"></rect><text x="49" y="42" text-anchor="end">1.5k</text><text>0</text><text fill="#1f77b4">■ new</text><path d="M 60.0,90.5 L 61.0,80.0 M70,1" stroke="#1f77b4"></path></svg>"##,
    );
    let p = &g.panels[0];
    assert_eq!(
        (p.title.as_str(), p.x, p.h, p.max),
        ("connections/s", 52.0, 62.0, 1500.0)
    );
    assert_eq!(p.legend["new"], "#1f77b4");
    assert_eq!(
        g.lines["#1f77b4"],
        vec![vec![(60.0, 90.5), (61.0, 80.0)], vec![(70.0, 1.0)]]
    );
}
