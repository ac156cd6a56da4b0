//! Drafts: a reviewer's unsent decision text, one a reviewer and application, kept as
//! JSON (`domain::drafts::Draft`). Not decisions: no audit entry, no event.

use rusqlite::{Connection, OptionalExtension, params};
use shenhe_domain::drafts::Draft;

use super::SqliteStore;
use crate::{StoreError, StoreResult};

pub(super) fn save(
    store: &SqliteStore,
    reviewer: &str,
    id: &str,
    draft: &Draft,
) -> StoreResult<()> {
    let body = serde_json::to_string(draft).expect("drafts serialise");
    store.conn.execute(
        "INSERT OR REPLACE INTO drafts (reviewer, application_id, body, saved_at) VALUES (?, ?, ?, ?)",
        params![reviewer, id, body, draft.saved_at.to_rfc3339()],
    )?;
    Ok(())
}

pub(super) fn get(conn: &Connection, reviewer: &str, id: &str) -> StoreResult<Option<Draft>> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM drafts WHERE reviewer = ? AND application_id = ?")?
        .query_row([reviewer, id], |r| r.get(0))
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b)
            .map_err(|e| StoreError::Schema(format!("a draft of {id} is not readable: {e}")))
    })
    .transpose()
}

pub(super) fn discard(store: &SqliteStore, reviewer: &str, id: &str) -> StoreResult<()> {
    store.conn.execute(
        "DELETE FROM drafts WHERE reviewer = ? AND application_id = ?",
        [reviewer, id],
    )?;
    Ok(())
}
