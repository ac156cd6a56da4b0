//! The signing secret: read from a file (never argv or the environment, where other users
//! and process listings can see it), in Standard Webhooks' `whsec_<base64>` form, and
//! never shown: its `Debug` says only that it is there.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The prefix Standard Webhooks gives a secret.
pub const PREFIX: &str = "whsec_";

/// Fewer bytes of key than Standard Webhooks asks for (24, 192 bits) are refused.
pub const MIN_KEY_BYTES: usize = 24;

/// The key a signature is made with: the base64 part of a `whsec_…` secret, decoded.
#[derive(Clone)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

/// Why a secret file was refused. None of them quotes the file's content.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the secret file {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "the secret file {} is accessible by group or others (mode {mode:04o}); it must be readable by its owner only: chmod 600 {}",
        path.display(),
        path.display()
    )]
    Unprotected { path: PathBuf, mode: u32 },
    #[error("the secret file {} is empty", path.display())]
    Empty { path: PathBuf },
    #[error("the secret file {} does not hold a `whsec_` secret (whsec_ followed by base64)", path.display())]
    NotWhsec { path: PathBuf },
    #[error("the secret in {} is not valid base64 after `whsec_`", path.display())]
    NotBase64 { path: PathBuf },
    #[error(
        "the secret in {} is {bytes} bytes long; Standard Webhooks asks for at least {MIN_KEY_BYTES}",
        path.display()
    )]
    TooShort { path: PathBuf, bytes: usize },
}

impl Secret {
    /// Reads `path`: one `whsec_…` secret, surrounding whitespace ignored.
    pub fn read(path: &Path) -> Result<Secret, SecretError> {
        let read_error = |error| SecretError::Read {
            path: path.to_path_buf(),
            error,
        };
        let metadata = std::fs::metadata(path).map_err(read_error)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode() & 0o7777;
            if mode & 0o077 != 0 {
                return Err(SecretError::Unprotected {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        #[cfg(not(unix))]
        let _ = metadata;
        let text = std::fs::read(path).map_err(read_error)?;
        Secret::parse(&text).map_err(|e| e.at(path))
    }

    /// A secret from its text (`whsec_…`).
    pub fn parse(text: &[u8]) -> Result<Secret, ParseError> {
        let text = text.trim_ascii();
        if text.is_empty() {
            return Err(ParseError::Empty);
        }
        let encoded = text
            .strip_prefix(PREFIX.as_bytes())
            .ok_or(ParseError::NotWhsec)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| ParseError::NotBase64)?;
        if key.len() < MIN_KEY_BYTES {
            return Err(ParseError::TooShort(key.len()));
        }
        Ok(Secret { key })
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }
}

/// What is wrong with a secret's text, before it is known which file it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    Empty,
    NotWhsec,
    NotBase64,
    TooShort(usize),
}

impl ParseError {
    fn at(self, path: &Path) -> SecretError {
        let path = path.to_path_buf();
        match self {
            ParseError::Empty => SecretError::Empty { path },
            ParseError::NotWhsec => SecretError::NotWhsec { path },
            ParseError::NotBase64 => SecretError::NotBase64 { path },
            ParseError::TooShort(bytes) => SecretError::TooShort { path, bytes },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn a_whsec_secret_parses_and_is_never_shown() {
        let secret = Secret::parse(format!("  {GOOD}\n").as_bytes()).expect("a secret");
        assert_eq!(secret.key().len(), 24);
        assert_eq!(format!("{secret:?}"), "Secret(hidden)");
    }

    #[test]
    fn anything_else_is_refused() {
        assert_eq!(Secret::parse(b" \n").unwrap_err(), ParseError::Empty);
        assert_eq!(
            Secret::parse(b"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_err(),
            ParseError::NotWhsec
        );
        assert_eq!(
            Secret::parse(b"whsec_not base64!").unwrap_err(),
            ParseError::NotBase64
        );
        assert_eq!(
            Secret::parse(b"whsec_c2hvcnQ=").unwrap_err(),
            ParseError::TooShort(5)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused_like_ssh_refuses_a_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("secret");
        std::fs::write(&path, GOOD).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = Secret::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("accessible by group or others (mode 0644)"),
            "{err}"
        );
        assert!(
            !err.contains(&GOOD[6..]),
            "the secret is never quoted: {err}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        Secret::read(&path).expect("an owner-only file");
        let missing = Secret::read(&dir.path().join("none"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("cannot read the secret file"),
            "{missing}"
        );
    }
}
