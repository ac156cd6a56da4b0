//! Standard input kept in a temporary file before an import reads it: a pipe can be slow
//! to come (`(sleep 30; cat orders) | shenhe import -`), and the import holds the write
//! lock while it reads. Read first, then lock only to write.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use super::CliError;
use crate::review::import::limits::FILE_BYTES;

/// Standard input as a file to read from the start: a copy in the temporary directory
/// when it is a pipe or a socket (removed from the directory at once, so that it goes away
/// with the process however it ends), else itself (a file, or a device such as /dev/zero,
/// which the import's own limits stop).
pub fn stdin_as_file() -> Result<File, CliError> {
    let stdin = std::io::stdin();
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let own = stdin
            .as_fd()
            .try_clone_to_owned()
            .map_err(CliError::context("cannot read standard input"))?;
        let file = File::from(own);
        use std::os::unix::fs::FileTypeExt;
        let kind = file
            .metadata()
            .map_err(CliError::context("cannot read standard input"))?
            .file_type();
        if !kind.is_fifo() && !kind.is_socket() {
            return Ok(file);
        }
    }
    let dir = std::env::temp_dir();
    let failed = || format!("cannot keep standard input in {}", dir.display());
    let mut spool = create_private(&dir).map_err(CliError::context(failed()))?;
    let copied = std::io::copy(&mut stdin.lock().take(FILE_BYTES + 1), &mut spool)
        .map_err(CliError::context(failed()))?;
    if copied > FILE_BYTES {
        return Err(CliError::Usage(format!(
            "the input is larger than the limit of {} GiB; nothing was imported",
            FILE_BYTES >> 30
        )));
    }
    spool
        .seek(SeekFrom::Start(0))
        .map_err(CliError::context(failed()))?;
    Ok(spool)
}

/// A new file only this account can read, already unlinked.
fn create_private(dir: &std::path::Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    for attempt in 0u32..100 {
        let path = dir.join(format!("shenhe-import-{}-{attempt}", std::process::id()));
        match options.open(&path) {
            Ok(file) => {
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free name for a temporary file"))
}
