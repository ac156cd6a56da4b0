//! Reads outside the queue: one application, its judgements, its history, the whole
//! audit chain, and the walk over derived columns of another policy version.

use chrono::DateTime;
use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{
    AUDIT_COLUMNS, STORED_COLUMNS, audit_from_row, parse_instant, stored_from_row,
    stored_from_tuple,
};
use crate::audit::AuditEntry;
use crate::{Disagreement, StoreError, StoreResult, StoredApplication};
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

pub(super) fn previous_revision(
    conn: &Connection,
    id: &str,
    revision: u32,
) -> StoreResult<Option<shenhe_domain::application::Application>> {
    let body: Option<String> = conn
        .prepare_cached(
            "SELECT body FROM previous_revisions WHERE application_id = ? AND revision = ?",
        )?
        .query_row(params![id, revision], |r| r.get(0))
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| {
            StoreError::Schema(format!(
                "the kept revision {revision} of {id} is not readable: {e}"
            ))
        })
    })
    .transpose()
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
        let raw_reasons: String = row.get(8)?;
        // A field that does not parse was edited: reading it as a default would let the
        // hash agree (an empty list of reasons hashes as `[]` whatever the column holds).
        let entry = if DateTime::parse_from_rfc3339(&raw_at).is_err() {
            AuditEntry {
                hash: format!("unreadable at `{raw_at}`"),
                ..entry
            }
        } else if serde_json::from_str::<Vec<String>>(&raw_reasons).is_err() {
            AuditEntry {
                hash: format!("unreadable reasons `{raw_reasons}`"),
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

/// Replays each application's audit entries in SQL: its state is the last entry's
/// `to_state`, its revision the highest entry's, its version the number of entries that
/// changed it (every state change and judgement bumps the version by one).
pub(super) fn audit_disagreements(conn: &Connection, limit: u64) -> StoreResult<Vec<Disagreement>> {
    let limit = limit.min(i64::MAX as u64) as i64;
    let mut found = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT x.id, x.state, x.revision, x.version, r.id, r.state, r.revision, r.version
         FROM applications x LEFT JOIN (
             SELECT a.application_id AS id, max(a.revision) AS revision,
                    sum(a.to_state IS NOT NULL OR a.action = 'judge') AS version,
                    (SELECT b.to_state FROM audit b
                      WHERE b.application_id = a.application_id AND b.to_state IS NOT NULL
                      ORDER BY b.seq DESC LIMIT 1) AS state
             FROM audit a GROUP BY a.application_id
         ) r ON r.id = x.id
         WHERE r.id IS NULL OR r.state IS NOT x.state OR r.revision IS NOT x.revision
            OR r.version IS NOT x.version
         LIMIT ?",
    )?;
    let mut rows = stmt.query([limit])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let stored: [String; 3] = [
            row.get(1)?,
            row.get::<_, i64>(2)?.to_string(),
            row.get::<_, i64>(3)?.to_string(),
        ];
        let replayed: Option<String> = row.get(4)?;
        if replayed.is_none() {
            found.push(Disagreement::Application {
                id,
                field: "audit entries",
                stored: "an application".into(),
                replayed: "none".into(),
            });
            continue;
        }
        let replayed: [String; 3] = [
            row.get::<_, Option<String>>(5)?
                .unwrap_or_else(|| "none".into()),
            row.get::<_, i64>(6)?.to_string(),
            row.get::<_, i64>(7)?.to_string(),
        ];
        for (i, field) in ["state", "revision", "version"].into_iter().enumerate() {
            if stored[i] != replayed[i] {
                found.push(Disagreement::Application {
                    id: id.clone(),
                    field,
                    stored: stored[i].clone(),
                    replayed: replayed[i].clone(),
                });
            }
        }
    }
    let mut stmt = conn.prepare(
        // `#reviewers` and the like are the trail's own subjects, never an application.
        "SELECT DISTINCT application_id FROM audit
         WHERE application_id NOT IN (SELECT id FROM applications)
           AND application_id NOT LIKE '#%' LIMIT ?",
    )?;
    for id in stmt.query_map([limit], |r| r.get(0))? {
        found.push(Disagreement::Missing { id: id? });
    }
    let mut stmt = conn.prepare(
        "SELECT e.id, e.audit_seq FROM events e LEFT JOIN audit a ON a.seq = e.audit_seq
         WHERE a.hash IS NOT e.audit_hash ORDER BY e.id LIMIT ?",
    )?;
    for row in stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let (event, seq) = row?;
        found.push(Disagreement::Event { event, seq });
    }
    Ok(found)
}

pub(super) fn audit_hash_at(conn: &Connection, seq: i64) -> StoreResult<Option<String>> {
    conn.query_row("SELECT hash FROM audit WHERE seq = ?", [seq], |r| r.get(0))
        .optional()
        .map_err(StoreError::from)
}
