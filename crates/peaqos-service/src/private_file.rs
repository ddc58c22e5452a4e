//! Files that hold keys (`.env`, saved chain state): written whole or not at all, readable by
//! the owner only from their first byte.

use std::{
    fs::{self, File, OpenOptions},
    io::Write as _,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

/// Writes `contents` to `path` atomically with mode 0600: a temporary file next to it is
/// created with that mode (given to `open(2)` itself, whatever the umask) before any byte is
/// written, synced, then renamed over `path`, and the directory is synced. Readers see the old file or the new one, never a
/// partial one; on failure the temporary file is removed and `path` is untouched.
///
/// A symbolic link at `path` is replaced by the file, not written through.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut file = create_private(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Syncs the directory holding `path`, so the rename itself survives a crash.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => File::open(dir)?.sync_all(),
        None => File::open(".")?.sync_all(),
    }
}

/// `.NAME.PID.N.tmp` in the directory of `path`: same file system (so the rename is atomic),
/// unique per process and call.
fn temp_path(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    path.with_file_name(tmp)
}

fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_owner_only_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        fs::write(&path, "old").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        write_private(&path, b"A=1\n").expect("write_private");
        assert_eq!(fs::read_to_string(&path).expect("read"), "A=1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).expect("stat").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [".env"]);
    }

    #[test]
    fn a_failed_write_leaves_the_target_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The target is a directory: the rename fails.
        let path = dir.path().join("taken");
        fs::create_dir(&path).expect("mkdir");
        fs::write(path.join("x"), "x").expect("write");
        assert!(write_private(&path, b"new").is_err());
        assert!(path.join("x").exists());
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
