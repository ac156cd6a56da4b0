//! Webhook delivery (`shenhe deliver`): each endpoint's position in the events, its retry
//! state, and the events it refused for good.

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::rows::parse_instant;
use crate::{DeliveryFailure, DeliveryRow, StoreError, StoreResult};
use shenhe_domain::calendar::china;

const ROW_COLUMNS: &str =
    "endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at";

fn instant(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china()).to_rfc3339()
}

type RowTuple = (
    String,
    i64,
    u32,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RowTuple> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn from_tuple(t: RowTuple) -> StoreResult<DeliveryRow> {
    let (endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at) = t;
    Ok(DeliveryRow {
        endpoint,
        position,
        attempts,
        last_error,
        last_error_at: last_error_at.as_deref().map(parse_instant).transpose()?,
        failing_since: failing_since.as_deref().map(parse_instant).transpose()?,
        updated_at: parse_instant(&updated_at)?,
    })
}

pub(super) fn get(conn: &Connection, endpoint: &str) -> StoreResult<Option<DeliveryRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM deliveries WHERE endpoint = ?"
    ))?
    .query_row([endpoint], row)
    .optional()?
    .map(from_tuple)
    .transpose()
}

pub(super) fn all(conn: &Connection) -> StoreResult<Vec<DeliveryRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM deliveries ORDER BY endpoint"
    ))?;
    let rows = stmt.query_map([], row)?;
    rows.map(|r| from_tuple(r?)).collect()
}

pub(super) fn failures(
    conn: &Connection,
    endpoint: &str,
    limit: u64,
) -> StoreResult<Vec<DeliveryFailure>> {
    let mut stmt = conn.prepare_cached(
        "SELECT endpoint, event_id, status, body, failed_at FROM delivery_failures
         WHERE endpoint = ? ORDER BY event_id DESC LIMIT ?",
    )?;
    let rows = stmt.query_map(params![endpoint, limit.min(i64::MAX as u64) as i64], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<u16>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|r| {
        let (endpoint, event_id, status, body, failed_at) = r?;
        Ok(DeliveryFailure {
            endpoint,
            event_id,
            status,
            body: body.unwrap_or_default(),
            failed_at: parse_instant(&failed_at)?,
        })
    })
    .collect()
}

pub(super) fn failure_count(conn: &Connection, endpoint: &str) -> StoreResult<u64> {
    conn.query_row(
        "SELECT count(*) FROM delivery_failures WHERE endpoint = ?",
        [endpoint],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .map_err(StoreError::from)
}

pub(super) fn count_events_after(conn: &Connection, after: i64) -> StoreResult<u64> {
    conn.query_row("SELECT count(*) FROM events WHERE id > ?", [after], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as u64)
    .map_err(StoreError::from)
}

pub(super) fn advance(
    store: &SqliteStore,
    endpoint: &str,
    event_id: i64,
    failure: Option<&DeliveryFailure>,
    at: DateTime<FixedOffset>,
) -> StoreResult<()> {
    let tx = store.immediate()?;
    let at = instant(at);
    // The position only moves forward: a late writer never sends it back.
    tx.prepare_cached(
        "INSERT INTO deliveries (endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at)
         VALUES (?1, ?2, 0, NULL, NULL, NULL, ?3)
         ON CONFLICT (endpoint) DO UPDATE SET position = max(position, ?2), attempts = 0,
             last_error = NULL, last_error_at = NULL, failing_since = NULL, updated_at = ?3",
    )?
    .execute(params![endpoint, event_id, at])?;
    if let Some(f) = failure {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO delivery_failures (endpoint, event_id, status, body, failed_at)
             VALUES (?, ?, ?, ?, ?)",
        )?
        .execute(params![
            endpoint,
            event_id,
            f.status,
            f.body,
            instant(f.failed_at)
        ])?;
    }
    tx.commit().map_err(StoreError::from)
}

pub(super) fn retry(
    store: &SqliteStore,
    endpoint: &str,
    position: i64,
    error: &str,
    at: DateTime<FixedOffset>,
) -> StoreResult<()> {
    let tx = store.immediate()?;
    let at = instant(at);
    tx.prepare_cached(
        "INSERT INTO deliveries (endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at)
         VALUES (?1, ?2, 1, ?3, ?4, ?4, ?4)
         ON CONFLICT (endpoint) DO UPDATE SET attempts = attempts + 1, last_error = ?3,
             last_error_at = ?4, failing_since = coalesce(failing_since, ?4), updated_at = ?4",
    )?
    .execute(params![endpoint, position, error, at])?;
    tx.commit().map_err(StoreError::from)
}
