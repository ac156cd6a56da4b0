//! Why an operation did nothing, typed: each face words it (`shenhe_present`).

use chrono::{DateTime, FixedOffset};
use shenhe_domain::calendar;
use shenhe_domain::checks::CheckId;
use shenhe_domain::state::{State, TransitionRefused};
use shenhe_domain::text::fit;
use shenhe_store::StoreError;

use crate::ImportError;
use crate::decide::Written;

/// Why an operation did nothing: typed, so that each face can say it in its own words
/// (`shenhe_present::error` in zh and en; the command line adds its flags). The English
/// `Display` is for logs and the command line, and names no flag.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no application with id `{}`", fit(id, 60))]
    NotFound { id: String },
    /// The state does not allow it (the one transition table says so).
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    /// The state does not allow it any more: who put it there, and when. What a reviewer
    /// is told who loses a race read after the winner committed.
    #[error(
        "{refused}: {id} was already decided by {by} at {}; nothing was written",
        china_seconds(at)
    )]
    RefusedAfter {
        refused: TransitionRefused,
        id: String,
        by: String,
        at: DateTime<FixedOffset>,
    },
    /// Another reviewer changed it first: who, when, and what it is now.
    #[error(
        "{id} was already decided by {by} at {}: it is now {state}; nothing was written",
        china_seconds(at)
    )]
    Conflict {
        id: String,
        state: State,
        by: String,
        at: DateTime<FixedOffset>,
    },
    #[error("{id}: product `{product}` is no longer in the catalogue")]
    ProductGone { id: String, product: String },
    #[error("a return needs at least one reason")]
    ReasonNeeded,
    #[error("unknown return reason `{}` (one of: {})", fit(code, 40), known.join(", "))]
    UnknownReason { code: String, known: Vec<String> },
    #[error("the reason `other` needs a message to the applicant saying what is wrong")]
    OtherNeedsMessage,
    /// Expiring is for orders whose 15-day verification window has passed.
    #[error(
        "{id} is still inside its 15-day verification window (until {})",
        china_minutes(until)
    )]
    WindowOpen {
        id: String,
        until: DateTime<FixedOffset>,
    },
    #[error("expiring inside the verification window needs a note saying why")]
    ForcedExpireNeedsNote,
    #[error("{id} is {state}: its checks can no longer be judged")]
    Closed { id: String, state: State },
    #[error("{check} does not need a person's judgement for {id}")]
    NotManual { id: String, check: CheckId },
    /// Approving over failing checks is an override: it needs a written reason.
    #[error(
        "approving {id} over failing checks ({}) is an override and needs a note saying why",
        check_ids(failed)
    )]
    OverrideNeedsNote { id: String, failed: Vec<CheckId> },
    /// Four eyes: the second approval must come from another reviewer than the first.
    #[error(
        "{id} was first approved by {first}: the second decision (approval or return) must come from another reviewer"
    )]
    SameReviewer { id: String, first: String },
    // ---- integration, reviewers and reopening (roles) ----
    /// Recording a passed integration test is for approved interface products only.
    #[error(
        "{id} is {state}, not pending_integration: only an approved interface product waits for its integration test"
    )]
    NotPendingIntegration { id: String, state: State },
    /// Only a decided application (returned, pending integration, effective, cancelled)
    /// can be reopened.
    #[error("{id} is {state}: only a decided application can be reopened")]
    NotDecided { id: String, state: State },
    #[error("reopening needs a note saying why")]
    ReopenNeedsNote,
    /// A lead's operation asked by someone who is not a lead.
    #[error("only a lead reviewer may do this, and {actor} is not one")]
    NotLead { actor: String },
    /// A database from before roles: nobody is a lead yet, and the first lead may be
    /// made only by the account that owns the database file.
    #[error(
        "this database has no lead reviewer yet: only the owner of the database file may make the first one, and {actor} does not own it"
    )]
    NoLeadYet { actor: String },
    #[error("{name} is the last lead reviewer: make another lead first; nothing was written")]
    LastLead { name: String },
    #[error("no reviewer named `{}`", fit(name, 40))]
    UnknownReviewer { name: String },
    #[error(
        "`{}` is not a reviewer's name: 1 to 32 ASCII letters, digits, `.`, `_` or `-`",
        fit(name, 40)
    )]
    BadReviewerName { name: String },
    // ---- the lead's console (issue 14) ----
    /// Only what is still someone's work (pending review, second approval or
    /// verification) can be assigned.
    #[error("{id} is {state}: only an open application can be assigned")]
    NotOpen { id: String, state: State },
    #[error(
        "`{}` is not a name for a saved view: 1 to 20 characters, no control characters",
        fit(name, 40)
    )]
    BadViewName { name: String },
    /// A control character (other than a line break or a tab), or one that reorders or
    /// hides text, in a text a reviewer wrote (`refused_character`).
    #[error(
        "the {} holds an invisible or control character (U+{code:04X}) at character {at}; nothing was written",
        match field { Written::Note => "note", Written::Message => "message to the applicant" }
    )]
    ControlCharacter {
        field: Written,
        code: u32,
        at: usize,
    },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Store(StoreError),
}

fn check_ids(checks: &[CheckId]) -> String {
    checks.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ")
}

fn china_seconds(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&calendar::china())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn china_minutes(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&calendar::china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl From<StoreError> for ReviewError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { id, state, by, at } => {
                ReviewError::Conflict { id, state, by, at }
            }
            StoreError::NotFound(id) => ReviewError::NotFound { id },
            StoreError::LastLead(name) => ReviewError::LastLead { name },
            StoreError::UnknownReviewer(name) => ReviewError::UnknownReviewer { name },
            other => ReviewError::Store(other),
        }
    }
}

pub type ReviewResult<T> = Result<T, ReviewError>;
