//! Reading the published events, oldest first. They are written with the change they
//! describe (`write::append_event`) and never changed.

use rusqlite::{Connection, params};

use super::rows::{parse_instant, parse_state};
use crate::{EventRecord, StoreError, StoreResult};

type EventTuple = (
    i64,
    String,
    String,
    String,
    u32,
    Option<String>,
    String,
    String,
    String,
    i64,
    String,
);

pub(super) fn after(conn: &Connection, after: i64, limit: u64) -> StoreResult<Vec<EventRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash
         FROM events WHERE id > ? ORDER BY id LIMIT ?",
    )?;
    let rows = stmt.query_map(params![after, limit.min(i64::MAX as u64) as i64], |r| {
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
    })?;
    rows.map(|row| event_from_tuple(row?)).collect()
}

pub(super) fn last_id(conn: &Connection) -> StoreResult<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))
        .map_err(StoreError::from)
}

fn event_from_tuple(t: EventTuple) -> StoreResult<EventRecord> {
    let (id, kind, at, application_id, revision, previous, state, actor, data, seq, hash) = t;
    let bad = |what: &str, e: String| StoreError::Schema(format!("event {id}: bad {what}: {e}"));
    Ok(EventRecord {
        id,
        kind: kind.parse().map_err(|e| bad("type", e))?,
        occurred_at: parse_instant(&at)?,
        application_id,
        revision,
        previous_state: previous.as_deref().map(parse_state).transpose()?,
        state: parse_state(&state)?,
        actor,
        data: serde_json::from_str(&data).map_err(|e| bad("data", e.to_string()))?,
        audit_seq: seq,
        audit_hash: hash,
    })
}
