//! Scratch directories for tests.

use std::path::{Path, PathBuf};

/// A fresh directory under the system temp dir (a [`tempfile::TempDir`]), removed with what it
/// holds (e.g. a `.env` with dev keys) when dropped, also when a test panics.
#[derive(Debug)]
pub struct ScratchDir {
    dir: tempfile::TempDir,
}

impl ScratchDir {
    /// Creates a fresh directory named `<prefix>-` plus random characters under the system temp dir.
    pub fn new(prefix: &str) -> Result<Self, String> {
        tempfile::Builder::new()
            .prefix(&format!("{prefix}-"))
            .tempdir()
            .map(|dir| Self { dir })
            .map_err(|e| format!("cannot create a scratch directory: {e}"))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to the file `name` in the directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> Result<PathBuf, String> {
        let file = self.path().join(name);
        std::fs::write(&file, contents)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        Ok(file)
    }
}
