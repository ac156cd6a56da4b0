//! Reads outside the queue: one application, its judgements, its history, the whole
//! audit chain, and the walk over derived columns of another policy version.

use chrono::DateTime;
use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{
    AUDIT_COLUMNS, STORED_COLUMNS, audit_from_row, parse_instant, stored_from_row,
    stored_from_tuple,
};
use crate::audit::AuditEntry;
use crate::{StoreError, StoreResult, StoredApplication};
use shenhe_domain::checks::{CheckId, Judgement};

pub(super) fn get(conn: &Connection, id: &str) -> StoreResult<Option<StoredApplication>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {STORED_COLUMNS} FROM applications WHERE id = ?"
        ))?
        .query_row([id], stored_from_row)
        .optional()?;
    row.map(stored_from_tuple).transpose()
}

pub(super) fn judgements(
    conn: &Connection,
    id: &str,
    revision: u32,
) -> StoreResult<Vec<Judgement>> {
    let mut stmt = conn
        .prepare_cached("SELECT check_id, passed, note, by, at FROM judgements WHERE application_id = ? AND revision = ? ORDER BY at")?;
    let rows = stmt
        .query_map(params![id, revision], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(check, passed, note, by, at)| {
            Ok(Judgement {
                check: check.parse::<CheckId>().map_err(StoreError::Schema)?,
                passed,
                note,
                by,
                at: parse_instant(&at)?,
            })
        })
        .collect()
}

pub(super) fn history(conn: &Connection, id: &str) -> StoreResult<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit WHERE application_id = ? ORDER BY seq"
    ))?;
    let rows = stmt
        .query_map([id], audit_from_row)?
        .map(|r| r.map(|(e, _)| e))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(super) fn audit_chain(
    conn: &Connection,
    visit: &mut dyn FnMut(&AuditEntry) -> bool,
) -> StoreResult<()> {
    let mut stmt = conn.prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (entry, raw_at) = audit_from_row(row)?;
        // An `at` that does not parse was edited: keep the raw text so the hash fails.
        let entry = if DateTime::parse_from_rfc3339(&raw_at).is_err() {
            AuditEntry {
                hash: format!("unreadable at `{raw_at}`"),
                ..entry
            }
        } else {
            entry
        };
        if !visit(&entry) {
            break;
        }
    }
    Ok(())
}

pub(super) fn stale_derived(
    conn: &Connection,
    policy_version: &str,
    after: Option<&str>,
    limit: u64,
) -> StoreResult<Vec<StoredApplication>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {STORED_COLUMNS} FROM applications WHERE id > ? AND derived_version <> ? ORDER BY id LIMIT ?"
        ))?;
    let rows = stmt
        .query_map(
            params![after.unwrap_or(""), policy_version, limit as i64],
            stored_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(stored_from_tuple).collect()
}
