//! What the export could not carry over, as `file:line: message` lines for
//! stderr: the operator reads them once, before starting the cluster.

#[derive(Debug, Default)]
pub struct Notes(Vec<String>);

impl Notes {
    /// `line` 0 means the file as a whole.
    pub fn at(&mut self, file: &str, line: usize, msg: impl AsRef<str>) {
        if line == 0 {
            self.0.push(format!("{file}: {}", msg.as_ref()));
        } else {
            self.0.push(format!("{file}:{line}: {}", msg.as_ref()));
        }
    }

    pub fn lines(&self) -> &[String] {
        &self.0
    }
}
