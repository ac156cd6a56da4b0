//! Rows and values: the columns each query selects, in the order their readers read
//! them, and instants and states as the database keeps them.

use chrono::DateTime;

use crate::audit::{AuditEntry, NewAuditEntry};
use crate::{Derived, QueueRow, StoreError, StoreResult, StoredApplication};
use shenhe_domain::application::Application;
use shenhe_domain::state::State;

pub(super) use crate::values::{from_ts, parse_instant, parse_state, ts};

pub(super) const AUDIT_COLUMNS: &str = "seq, application_id, revision, at, actor, action, from_state, to_state, reasons, message, note, detail, prev_hash, hash";

pub(super) fn stored_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredTuple> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

pub(super) const STORED_COLUMNS: &str = "body, state, revision, version, due_ts, failed, manual, derived_version, changed_at, changed_by, reviewable_at";

pub(super) type StoredTuple = (
    String,
    String,
    u32,
    i64,
    i64,
    u32,
    u32,
    String,
    String,
    String,
    Option<String>,
);

pub(super) fn stored_from_tuple(t: StoredTuple) -> StoreResult<StoredApplication> {
    let (
        body,
        state,
        revision,
        version,
        due_ts,
        failed,
        manual,
        policy_version,
        changed_at,
        changed_by,
        reviewable_at,
    ) = t;
    let app: Application = serde_json::from_str(&body)
        .map_err(|e| StoreError::Schema(format!("stored application body is not readable: {e}")))?;
    Ok(StoredApplication {
        app,
        state: parse_state(&state)?,
        revision,
        version,
        derived: Derived {
            due_at: from_ts(due_ts),
            failed,
            manual,
            policy_version,
        },
        changed_at: parse_instant(&changed_at)?,
        changed_by,
        reviewable_at: reviewable_at.as_deref().map(parse_instant).transpose()?,
    })
}

pub(super) fn queue_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
    let state: String = r.get(4)?;
    let submitted: String = r.get(5)?;
    Ok(QueueRow {
        id: r.get(0)?,
        merchant: r.get(1)?,
        product: r.get(2)?,
        plan: r.get(3)?,
        state: state.parse().unwrap_or(State::PendingReview),
        submitted_at: DateTime::parse_from_rfc3339(&submitted).unwrap_or_default(),
        due_at: from_ts(r.get(6)?),
        failed: r.get(7)?,
        manual: r.get(8)?,
        revision: r.get(9)?,
        version: r.get(10)?,
        claimed_by: r.get(11)?,
    })
}

/// Columns of `applications` a queue row needs, in the order `queue_row` reads them.
pub(super) const ROW_COLUMNS: &str = "a.id, a.merchant, a.product, a.plan, a.state, a.submitted_at, a.due_ts, a.failed, a.manual, a.revision, a.version, c.reviewer";

pub(super) fn audit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditEntry, String)> {
    let reasons: String = r.get(8)?;
    let at: String = r.get(3)?;
    Ok((
        AuditEntry {
            seq: r.get(0)?,
            entry: NewAuditEntry {
                application_id: r.get(1)?,
                revision: r.get(2)?,
                at: DateTime::parse_from_rfc3339(&at).unwrap_or_default(),
                actor: r.get(4)?,
                action: r.get(5)?,
                from_state: r.get(6)?,
                to_state: r.get(7)?,
                reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                message: r.get(9)?,
                note: r.get(10)?,
                detail: r.get(11)?,
            },
            prev_hash: r.get(12)?,
            hash: r.get(13)?,
        },
        at,
    ))
}
