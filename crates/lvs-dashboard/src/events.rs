//! The timeline: reals going down (with their check's reason) and up,
//! failovers, reloads and configuration errors, newest first, bounded.

use std::collections::VecDeque;
use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    RealDown,
    RealUp,
    Failover,
    Reload,
    ConfigError,
    Info,
}

impl EventKind {
    pub fn word(self) -> &'static str {
        match self {
            EventKind::RealDown => "real-down",
            EventKind::RealUp => "real-up",
            EventKind::Failover => "failover",
            EventKind::Reload => "reload",
            EventKind::ConfigError => "config-error",
            EventKind::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: u64,
    pub kind: EventKind,
    pub text: String,
}

/// The last `capacity` events; older ones fall off.
#[derive(Debug, Clone)]
pub struct Timeline {
    capacity: usize,
    events: VecDeque<Event>,
}

impl Timeline {
    pub fn new(capacity: usize) -> Self {
        Timeline {
            capacity: capacity.max(1),
            events: VecDeque::new(),
        }
    }

    pub fn push(&mut self, at: u64, kind: EventKind, text: impl Into<String>) {
        if self.events.len() == self.capacity {
            self.events.pop_back();
        }
        self.events.push_front(Event {
            at,
            kind,
            text: text.into(),
        });
    }

    pub fn newest_first(&self) -> Vec<Event> {
        self.events.iter().cloned().collect()
    }
}

/// What one of the director's log lines (ldirectord 4.12's wording, see
/// crates/director/src/logs.rs) means for the timeline, and the real it
/// names; None for lines the timeline leaves out (soft failures, purges).
pub fn classify(line: &str) -> Option<(EventKind, Option<SocketAddr>)> {
    let named = |prefix: &str| -> Option<SocketAddr> {
        line.strip_prefix(prefix)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    for p in ["Deleted real server: ", "Quiescent real server: "] {
        if line.starts_with(p) {
            return Some((EventKind::RealDown, named(p)));
        }
    }
    for p in ["Added real server: ", "Restored real server: "] {
        if line.starts_with(p) {
            return Some((EventKind::RealUp, named(p)));
        }
    }
    if line.contains("fallback server") {
        return Some((EventKind::Info, None));
    }
    if line.contains("reread new configuration") {
        return Some((EventKind::Reload, None));
    }
    let info = [
        "Starting Linux Director",
        "Linux Director Daemon terminated",
        "has changed on disk",
        "IPVS",
    ];
    info.iter()
        .any(|p| line.contains(p))
        .then_some((EventKind::Info, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn director_lines() {
        let a: SocketAddr = "10.9.0.3:80".parse().unwrap();
        assert_eq!(
            classify("Deleted real server: 10.9.0.3:80 (10.9.0.100:80)"),
            Some((EventKind::RealDown, Some(a)))
        );
        assert_eq!(
            classify("Quiescent real server: 10.9.0.3:80 (10.9.0.100:80) (Weight set to 0)"),
            Some((EventKind::RealDown, Some(a)))
        );
        assert_eq!(
            classify("Restored real server: 10.9.0.3:80 (10.9.0.100:80) (Weight set to 1)"),
            Some((EventKind::RealUp, Some(a)))
        );
        assert_eq!(
            classify(" - reread new configuration").map(|c| c.0),
            Some(EventKind::Reload)
        );
        assert_eq!(
            classify("Soft failure real server: 10.9.0.3:80 (x) failure 1/3"),
            None
        );
    }

    #[test]
    fn bounded_and_newest_first() {
        let mut t = Timeline::new(2);
        t.push(1, EventKind::Info, "a");
        t.push(2, EventKind::Info, "b");
        t.push(3, EventKind::Info, "c");
        let texts: Vec<_> = t.newest_first().into_iter().map(|e| e.text).collect();
        assert_eq!(texts, ["c", "b"]);
    }
}
