//! What the command line says when it fails: its own words for a usage mistake, or a
//! typed error from the layers below with the causes behind it, one line each, the way
//! ripgrep reports them; never a backtrace.

use std::error::Error;

use crate::present::{Lang, error_message};
use crate::review::ReviewError;

/// A failed command. Not itself an `Error`, so that every typed error converts into it
/// with `?` (as with `anyhow`).
#[derive(Debug)]
pub enum CliError {
    /// A mistake in how shenhe was called, in the command line's own words.
    Usage(String),
    /// An operation failed; `context` says what was being done, if `error` does not.
    Failed {
        context: Option<String>,
        error: Box<dyn Error + Send + Sync>,
    },
}

impl<E: Error + Send + Sync + 'static> From<E> for CliError {
    fn from(error: E) -> Self {
        CliError::Failed {
            context: None,
            error: Box::new(error),
        }
    }
}

impl CliError {
    /// For `map_err`: what was being done when `error` happened ("cannot open …").
    pub fn context<E: Error + Send + Sync + 'static>(
        what: impl Into<String>,
    ) -> impl FnOnce(E) -> CliError {
        let context = Some(what.into());
        move |error| CliError::Failed {
            context,
            error: Box::new(error),
        }
    }

    /// The report: the first line, then one line per cause, then a hint if one helps.
    pub fn lines(&self) -> Vec<String> {
        let (context, error) = match self {
            CliError::Usage(message) => return message.lines().map(str::to_string).collect(),
            CliError::Failed { context, error } => (context, error.as_ref()),
        };
        let mut causes: Vec<String> = Vec::new();
        let mut next: Option<&(dyn Error + 'static)> = Some(error);
        while let Some(e) = next {
            causes.push(describe(e));
            next = e.source();
        }
        // A transparent wrapper repeats its source's message: say each thing once.
        causes.dedup();
        let mut lines: Vec<String> = Vec::new();
        if let Some(context) = context {
            lines.push(context.clone());
        }
        for (i, cause) in causes.iter().enumerate() {
            for (j, line) in cause.lines().enumerate() {
                if lines.is_empty() || (i == 0 && j > 0 && context.is_none()) {
                    lines.push(line.to_string());
                } else if j == 0 {
                    lines.push(format!("  caused by: {line}"));
                } else {
                    lines.push(format!("  {line}"));
                }
            }
        }
        if let Some(hint) = error.downcast_ref::<ReviewError>().and_then(hint) {
            lines.push(format!("  hint: {hint}"));
        }
        if disk_full(error)
            && let Some(db) = super::DATABASE.get()
        {
            let dir = db.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = dir.unwrap_or(std::path::Path::new("."));
            lines.push(format!(
                "  hint: the database is {}: free space on the disk that holds {} (`df -h {}`)",
                db.display(),
                dir.display(),
                dir.display()
            ));
        }
        lines
    }
}

/// Whether the disk holding the database filled up, anywhere in `e`'s causes.
fn disk_full(e: &(dyn Error + 'static)) -> bool {
    use crate::review::ImportError;
    use crate::store::StoreError;
    let mut cause = Some(e);
    while let Some(e) = cause {
        let full = matches!(e.downcast_ref::<StoreError>(), Some(StoreError::DiskFull))
            || matches!(
                e.downcast_ref::<ReviewError>(),
                Some(ReviewError::Store(StoreError::DiskFull))
                    | Some(ReviewError::Import(ImportError::Store(
                        StoreError::DiskFull
                    )))
            );
        if full {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The language of the command line's refusals: `--lang` when given (the command
/// line's other words, and the locale, are not followed yet: English).
static LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// Called once, after the arguments are read.
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// A review error in the words both faces use; anything else as it describes itself.
fn describe(e: &(dyn Error + 'static)) -> String {
    match e.downcast_ref::<ReviewError>() {
        Some(review) => error_message(LANG.get().copied().unwrap_or(Lang::En), review),
        None => e.to_string(),
    }
}

/// What to type instead: the command line's flags are named here and nowhere below.
fn hint(e: &ReviewError) -> Option<&'static str> {
    match e {
        ReviewError::WindowOpen { .. } => Some("`expire --force --note TEXT` expires it anyway"),
        ReviewError::ReasonNeeded => Some("`shenhe reasons` lists them; pass one or more --reason"),
        ReviewError::UnknownReason { .. } => Some("`shenhe reasons` lists them with their texts"),
        ReviewError::OverrideNeedsNote { .. } => {
            Some("say why with --note TEXT (it is kept internal, never sent to the applicant)")
        }
        ReviewError::ReopenNeedsNote => Some("`shenhe reopen ID --note TEXT`"),
        ReviewError::NotLead { .. } => Some("`shenhe reviewers list` names the leads"),
        ReviewError::NoLeadYet { .. } => {
            Some("the owner of the database file runs `shenhe reviewers add NAME --lead`")
        }
        _ => None,
    }
}
