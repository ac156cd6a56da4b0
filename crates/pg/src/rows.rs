//! Values as the database keeps them: instants as RFC 3339 text (as SQLite's store keeps
//! them, so the audit hashes and a migrated database read the same), times for sorting
//! as seconds, states by id.

use chrono::{DateTime, FixedOffset};
use postgres::Row;

use shenhe_domain::application::Application;
use shenhe_domain::calendar::china;
use shenhe_domain::state::State;
use shenhe_store::audit::{AuditEntry, NewAuditEntry};
use shenhe_store::{Derived, QueueRow, StoreError, StoreResult, StoredApplication};

/// Applicant text for a column PostgreSQL keeps as TEXT, which cannot hold NUL: a NUL
/// becomes ␀ (U+2400), the control picture every display of shenhe shows for it anyway.
/// Only the queue's own columns (merchant, account, url) go through this; the application
/// itself is kept as JSON, where a NUL is `\u0000`, and read back exactly.
pub(crate) fn column_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\u{2400}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub(crate) use shenhe_store::values::{from_ts, parse_instant, parse_state, ts};

pub(crate) fn china_text(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china()).to_rfc3339()
}

pub(crate) const STORED_COLUMNS: &str = "body, state, revision, version, due_ts, failed, manual, derived_version, changed_at, changed_by, reviewable_at";

pub(crate) fn stored(r: &Row) -> StoreResult<StoredApplication> {
    let body: String = r.get(0);
    let app: Application = serde_json::from_str(&body)
        .map_err(|e| StoreError::Schema(format!("stored application body is not readable: {e}")))?;
    let state: String = r.get(1);
    let changed_at: String = r.get(8);
    let reviewable_at: Option<String> = r.get(10);
    Ok(StoredApplication {
        app,
        state: parse_state(&state)?,
        revision: r.get::<_, i64>(2) as u32,
        version: r.get(3),
        derived: Derived {
            due_at: from_ts(r.get(4)),
            failed: r.get::<_, i64>(5) as u32,
            manual: r.get::<_, i64>(6) as u32,
            policy_version: r.get(7),
        },
        changed_at: parse_instant(&changed_at)?,
        changed_by: r.get(9),
        reviewable_at: reviewable_at.as_deref().map(parse_instant).transpose()?,
    })
}

/// Columns of `applications` a queue row needs, in the order [`queue_row`] reads them.
pub(crate) const ROW_COLUMNS: &str = "a.id, a.merchant, a.product, a.plan, a.state, a.submitted_at, a.due_ts, a.failed, a.manual, a.revision, a.version, c.reviewer";

pub(crate) fn queue_row(r: &Row) -> QueueRow {
    let state: String = r.get(4);
    let submitted: String = r.get(5);
    QueueRow {
        id: r.get(0),
        merchant: r.get(1),
        product: r.get(2),
        plan: r.get(3),
        state: state.parse().unwrap_or(State::PendingReview),
        submitted_at: DateTime::parse_from_rfc3339(&submitted).unwrap_or_default(),
        due_at: from_ts(r.get(6)),
        failed: r.get::<_, i64>(7) as u32,
        manual: r.get::<_, i64>(8) as u32,
        revision: r.get::<_, i64>(9) as u32,
        version: r.get(10),
        claimed_by: r.get(11),
    }
}

pub(crate) const AUDIT_COLUMNS: &str = "seq, application_id, revision, at, actor, action, from_state, to_state, reasons, message, note, detail, prev_hash, hash";

/// An audit entry, and its `at` and `reasons` as the columns hold them.
pub(crate) fn audit_entry(r: &Row) -> (AuditEntry, String, String) {
    let reasons: String = r.get(8);
    let at: String = r.get(3);
    (
        AuditEntry {
            seq: r.get(0),
            entry: NewAuditEntry {
                application_id: r.get(1),
                revision: r.get::<_, i64>(2) as u32,
                at: DateTime::parse_from_rfc3339(&at).unwrap_or_default(),
                actor: r.get(4),
                action: r.get(5),
                from_state: r.get(6),
                to_state: r.get(7),
                reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                message: r.get(9),
                note: r.get(10),
                detail: r.get(11),
            },
            prev_hash: r.get(12),
            hash: r.get(13),
        },
        at,
        reasons,
    )
}

/// One field of a COPY … FROM STDIN text row: `\N` for NULL, and the format's escapes.
pub(crate) fn copy_field(out: &mut String, value: Option<&str>) {
    let Some(value) = value else {
        out.push_str("\\N");
        return;
    };
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// A whole COPY text row.
pub(crate) fn copy_row(out: &mut String, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        copy_field(out, *f);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_what_the_text_format_would_misread() {
        let mut out = String::new();
        copy_row(&mut out, &[Some("a\tb"), None, Some("c\\d\ne\r"), Some("")]);
        assert_eq!(out, "a\\tb\t\\N\tc\\\\d\\ne\\r\t\n");
    }
}
