//! Positioned findings about a configuration file.
//!
//! Every rejection names `file:line:col` so an operator can jump straight to
//! it; a hint is added where we can guess the fix.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 means the file as a whole (unreadable, bad mode, missing).
    pub line: usize,
    /// 1-based, counted in characters.
    pub col: usize,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(file: &str, line: usize, col: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line,
            col,
            severity: Severity::Error,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(file: &str, line: usize, col: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, line, col, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.col)?;
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// A file (or set of files) that was rejected: the errors, plus whatever
/// warnings were found on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    pub fn single(d: Diagnostic) -> Self {
        ConfigError {
            diagnostics: vec![d],
        }
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The first error, which is what a one-line summary should show.
    pub fn first_error(&self) -> Option<&Diagnostic> {
        self.errors().next()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// An accepted file: its model plus any warnings the legacy daemon would also
/// have printed without refusing to start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed<T> {
    pub value: T,
    pub warnings: Vec<Diagnostic>,
}

/// Collects findings while a parser walks a file, so that every error in the
/// file is reported in one go rather than one per run.
#[derive(Debug, Default)]
pub struct Collector {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Collector {
    pub fn new(file: &str) -> Self {
        Collector {
            file: file.to_string(),
            diagnostics: Vec::new(),
        }
    }

    pub fn error(
        &mut self,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(&self.file, line, col, message);
        self.push(d)
    }

    pub fn warning(
        &mut self,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::warning(&self.file, line, col, message);
        self.push(d)
    }

    pub fn push(&mut self, d: Diagnostic) -> &mut Diagnostic {
        self.diagnostics.push(d);
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Ends the walk: the model if nothing was an error, else every finding.
    pub fn finish<T>(self, value: T) -> Result<Parsed<T>, ConfigError> {
        if self.has_errors() {
            Err(ConfigError {
                diagnostics: self.diagnostics,
            })
        } else {
            Ok(Parsed {
                value,
                warnings: self.diagnostics,
            })
        }
    }
}
