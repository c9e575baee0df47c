//! Heartbeat links for `cl_status listhblinks`/`hblinkstatus`: a link is a
//! medium (named by its interface, as the legacy names it), and node X's
//! link is up while packets from X keep arriving on it, the legacy's
//! per-link timer. Our own packets count too, so the local node's link is
//! up only where we hear ourselves (bcast), as with 3.0.6 (its own ucast
//! link shows `dead`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Links {
    heard: HashMap<(String, String), Instant>,
}

impl Links {
    /// A valid packet from `src` arrived on `medium`.
    pub fn note(&mut self, src: &str, medium: &str) {
        self.heard
            .insert((src.to_lowercase(), medium.to_string()), Instant::now());
    }

    /// The answer to `listhblinks NODE` / `hblinkstatus NODE LINK`, or
    /// `None` for an unknown node or link (the API's bad request).
    pub fn answer(
        &self,
        words: &[String],
        nodes: &[String],
        media: &[String],
        deadtime: Duration,
    ) -> Option<String> {
        let node = words.get(1)?.to_lowercase();
        if !nodes.contains(&node) {
            return None;
        }
        match words.first().map(String::as_str) {
            Some("listhblinks") => Some(media.join("\n")),
            Some("hblinkstatus") => {
                let link = words.get(2)?;
                if !media.contains(link) {
                    return None;
                }
                let up = self
                    .heard
                    .get(&(node, link.clone()))
                    .is_some_and(|t| t.elapsed() <= deadtime);
                Some(if up { "up" } else { "dead" }.to_string())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn links_are_media_and_up_while_heard() {
        let mut l = Links::default();
        let nodes = w("master backup");
        let media = w("e1 e2");
        let dt = Duration::from_secs(5);
        assert_eq!(
            l.answer(&w("listhblinks backup"), &nodes, &media, dt)
                .as_deref(),
            Some("e1\ne2")
        );
        assert_eq!(l.answer(&w("listhblinks nosuch"), &nodes, &media, dt), None);
        assert_eq!(
            l.answer(&w("hblinkstatus backup e1"), &nodes, &media, dt)
                .as_deref(),
            Some("dead")
        );
        l.note("BACKUP", "e1");
        assert_eq!(
            l.answer(&w("hblinkstatus backup e1"), &nodes, &media, dt)
                .as_deref(),
            Some("up")
        );
        assert_eq!(
            l.answer(&w("hblinkstatus backup e2"), &nodes, &media, dt)
                .as_deref(),
            Some("dead")
        );
        assert_eq!(
            l.answer(&w("hblinkstatus backup e9"), &nodes, &media, dt),
            None
        );
        assert_eq!(
            l.answer(&w("hblinkstatus backup e1"), &nodes, &media, Duration::ZERO)
                .as_deref(),
            Some("dead"),
            "not heard within deadtime"
        );
    }
}
