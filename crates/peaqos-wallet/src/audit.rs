//! The OWS audit log `logs/audit.jsonl`: one JSON object per line
//! (`timestamp`, `wallet_id`, `operation`, optional `chain_id`, `address`, `details`), the same
//! lines the OWS CLI writes. Unlike the reference, a failure to write is reported.

use std::{
    fs::{File, OpenOptions},
    io::Write,
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
};

use serde::Serialize;

use crate::{
    error::{Result, WalletError},
    fsutil,
};

/// One audit line.
#[derive(Debug, Serialize)]
pub(crate) struct AuditEntry<'a> {
    pub(crate) timestamp: String,
    pub(crate) wallet_id: &'a str,
    pub(crate) operation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) chain_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<String>,
}

/// The audit log, opened for appending (0600 at creation) before the operation it records, so
/// an unwritable log stops the operation before anything happens.
pub(crate) struct AuditLog {
    file: File,
    path: PathBuf,
}

impl AuditLog {
    pub(crate) fn open(vault: &Path) -> Result<Self> {
        let dir = vault.join("logs");
        fsutil::create_dir(&dir)?;
        fsutil::check_private(&dir, fsutil::DIR_MODE)?;
        let path = dir.join("audit.jsonl");
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(fsutil::FILE_MODE)
            .open(&path)
            .map_err(|source| WalletError::AuditLog {
                path: path.clone(),
                source,
            })?;
        fsutil::check_private(&path, fsutil::FILE_MODE)?;
        Ok(Self { file, path })
    }

    /// Appends one line (a single `write` of line + newline, so concurrent writers do not
    /// interleave within a line).
    pub(crate) fn append(&mut self, entry: &AuditEntry<'_>) -> Result<()> {
        let mut line = serde_json::to_string(entry).map_err(|e| WalletError::AuditLog {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|source| WalletError::AuditLog {
                path: self.path.clone(),
                source,
            })
    }
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}
