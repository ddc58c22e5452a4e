//! File-system helpers: folders created 0700 and secret files created 0600 *before* any byte is
//! written (the mode is given to `open(2)` itself), permission checks, atomic replacement, the
//! vault lock and the overwrite-then-unlink delete.

use std::{
    fs::{self, File, OpenOptions},
    io::Write,
    os::unix::fs::{DirBuilderExt, MetadataExt},
    path::{Path, PathBuf},
};

use crate::error::{Result, WalletError};

/// Mode of vault folders.
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of secret files.
pub(crate) const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) with mode 0700.
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| WalletError::io("create folder", dir, e))
}

/// Refuses `path` if group or others have any permission on it.
pub(crate) fn check_private(path: &Path, expected: u32) -> Result<()> {
    let meta = fs::symlink_metadata(path).map_err(|e| WalletError::io("stat", path, e))?;
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(WalletError::InsecurePermissions {
            path: path.to_owned(),
            mode,
            expected,
        });
    }
    Ok(())
}

/// Writes `bytes` to `target` atomically with [`peaqos_service::write_private`]: a 0600 temp
/// file (`.NAME.….tmp`, not ending in `.json`, so readers skip it), fsync, rename, fsync of the
/// folder.
pub(crate) fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    peaqos_service::write_private(target, bytes).map_err(|e| WalletError::io("write", target, e))
}

/// Deletes a secret file: moves it out of readers' sight, overwrites its bytes with zeros,
/// syncs, then unlinks.
pub(crate) fn secure_delete(path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let hidden: PathBuf = dir.join(format!(".deleting.{}.tmp", uuid::Uuid::new_v4().simple()));
    fs::rename(path, &hidden).map_err(|e| WalletError::io("rename", path, e))?;
    let len = fs::metadata(&hidden)
        .map_err(|e| WalletError::io("stat", &hidden, e))?
        .len();
    let mut f = OpenOptions::new()
        .write(true)
        .open(&hidden)
        .map_err(|e| WalletError::io("open", &hidden, e))?;
    let zeros = vec![0u8; usize::try_from(len).unwrap_or(0)];
    f.write_all(&zeros)
        .and_then(|()| f.sync_all())
        .map_err(|e| WalletError::io("overwrite", &hidden, e))?;
    drop(f);
    fs::remove_file(&hidden).map_err(|e| WalletError::io("unlink", &hidden, e))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| WalletError::io("sync", dir, e))
}

/// An exclusive advisory lock (flock) on a vault folder, released on drop. Writers hold it
/// across "check the name is free" and "write the file", so concurrent processes cannot create
/// two wallets with one name or interleave a rename with a delete.
pub(crate) struct DirLock {
    file: File,
}

impl DirLock {
    pub(crate) fn exclusive(dir: &Path) -> Result<Self> {
        let file = File::open(dir).map_err(|e| WalletError::io("open", dir, e))?;
        file.lock().map_err(|e| WalletError::io("lock", dir, e))?;
        Ok(Self { file })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_modes_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("wallets");
        create_dir(&sub).expect("mkdir");
        check_private(&sub, DIR_MODE).expect("0700 is fine");
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = check_private(&sub, DIR_MODE).expect_err("0755 refused");
        assert_eq!(err.code(), "INSECURE_PERMISSIONS");
        assert!(err.to_string().contains("755"), "{err}");
    }

    #[test]
    fn atomic_write_and_secure_delete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one").expect("write");
        write_atomic(&path, b"two").expect("rewrite");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert_eq!(fs::metadata(&path).expect("stat").mode() & 0o777, 0o600);
        secure_delete(&path).expect("delete");
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 0);
    }
}
