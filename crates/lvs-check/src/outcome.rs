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
