//! A reviewer's unsent decision: the dialog's text, kept as it is typed so that a dropped
//! SSH link loses nothing, and offered back when the reviewer opens the application again.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Which dialog the text was typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    Approve,
    Return,
    Expire,
    Reopen,
}

/// What the dialog held. Reasons only for a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub kind: DraftKind,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub note: String,
    /// When it was last saved (set by the review layer's clock).
    #[serde(with = "crate::application::rfc3339")]
    pub saved_at: DateTime<FixedOffset>,
}

impl Draft {
    /// Nothing typed or chosen: not worth keeping.
    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty() && self.message.trim().is_empty() && self.note.trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(reasons: &[&str], message: &str, note: &str) -> Draft {
        Draft {
            kind: DraftKind::Return,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            message: message.into(),
            note: note.into(),
            saved_at: chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00")
                .expect("a time"),
        }
    }

    #[test]
    fn a_draft_with_nothing_chosen_or_typed_is_empty() {
        assert!(draft(&[], "", "").is_empty());
        assert!(
            draft(&[], "  \n", "\t").is_empty(),
            "blanks are nothing typed"
        );
        assert!(!draft(&["other"], "", "").is_empty());
        assert!(!draft(&[], "写了一半", "").is_empty());
        assert!(!draft(&[], "", "内部备注").is_empty());
    }
}
