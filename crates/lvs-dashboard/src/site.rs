//! Which path is what: `/lvs/` (the page), `/lvs/style.css`,
//! `/lvs/graph/ID/RANGE.svg` and `/metrics`; everything else is 404.
//! The snapshot is replaced as a whole by the driver, so a request only
//! clones an `Arc` and never waits for the IPVS read or a check.

use crate::history::{History, RANGES};
use crate::http::Response;
use crate::model::Snapshot;
use std::sync::{Arc, Mutex, RwLock};

pub struct Site {
    snapshot: RwLock<Arc<Snapshot>>,
    history: Mutex<History>,
}

impl Site {
    pub fn new(history: History) -> Self {
        Site {
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            history: Mutex::new(history),
        }
    }

    pub fn publish(&self, snap: Snapshot) {
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snap);
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// For the driver: record samples (the lock is held only for file I/O
    /// of a few hundred bytes per series).
    pub fn with_history<T>(&self, f: impl FnOnce(&mut History) -> T) -> T {
        f(&mut self.history.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// `now` ends the graphs' windows.
    pub fn respond(&self, path: &str, now: u64) -> Response {
        match path {
            "/lvs/" | "/lvs/index.html" => Response::new(
                200,
                "text/html; charset=utf-8",
                crate::html::page(&self.snapshot()),
            ),
            "/lvs/style.css" => Response::new(200, "text/css; charset=utf-8", crate::html::STYLE),
            "/metrics" => Response::new(
                200,
                crate::prom::CONTENT_TYPE,
                crate::prom::render(&self.snapshot()),
            ),
            _ => match path
                .strip_prefix("/lvs/graph/")
                .and_then(|g| g.strip_suffix(".svg"))
            {
                Some(rest) => self.graph(rest, now),
                None => not_found(),
            },
        }
    }

    fn graph(&self, id_and_range: &str, now: u64) -> Response {
        let Some((id, range)) = id_and_range.split_once('/') else {
            return not_found();
        };
        let Some(&(_, _, span)) = RANGES.iter().find(|r| r.0 == range) else {
            return not_found();
        };
        match self.with_history(|h| h.series(id, range)) {
            Ok(Some(series)) => {
                let title = format!("{id}, last {range}");
                Response::new(
                    200,
                    "image/svg+xml",
                    crate::svg::render(&series, &title, span, now),
                )
            }
            Ok(None) => not_found(),
            Err(e) => Response::text(500, &format!("history: {e}")),
        }
    }
}

fn not_found() -> Response {
    Response::text(404, "not found")
}
