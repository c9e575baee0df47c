//! The verdict of one check and why.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub up: bool,
    /// For the log: the HTTP status line, "connection refused", ...
    pub reason: String,
}

impl Outcome {
    pub fn up(reason: impl Into<String>) -> Self {
        Outcome {
            up: true,
            reason: reason.into(),
        }
    }

    pub fn down(reason: impl Into<String>) -> Self {
        Outcome {
            up: false,
            reason: reason.into(),
        }
    }
}

/// A probe's result: the reason it is up, or the reason it is down.
impl From<Result<String, String>> for Outcome {
    fn from(result: Result<String, String>) -> Self {
        match result {
            Ok(reason) => Outcome::up(reason),
            Err(reason) => Outcome::down(reason),
        }
    }
}
