//! The site probe's records (`shenhe probe`): what was seen at each application's
//! website, newest last, and which applications waiting for review have none yet.

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::rows::parse_instant;
use crate::{StoreError, StoreResult};
use shenhe_domain::calendar::china;
use shenhe_domain::probe::ProbeRecord;

fn instant(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china()).to_rfc3339()
}

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::Schema(format!("a probe record that is not valid JSON: {e}"))
}

pub(super) fn record(store: &SqliteStore, p: &ProbeRecord) -> StoreResult<()> {
    let tx = store.immediate()?;
    let error = p
        .error
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(json_error)?;
    let findings = serde_json::to_string(&p.findings).map_err(json_error)?;
    tx.prepare_cached(
        "INSERT INTO probes (application_id, revision, fetched_at, url, status, final_url,
             tls_ok, elapsed_ms, title, footer_icp, error, findings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        p.application_id,
        p.revision,
        instant(p.fetched_at),
        p.url,
        p.status,
        p.final_url,
        p.tls_ok,
        p.elapsed_ms as i64,
        p.title,
        p.footer_icp,
        error,
        findings,
    ])?;
    tx.commit().map_err(StoreError::from)
}

type RowTuple = (
    String,
    u32,
    String,
    String,
    Option<u16>,
    String,
    Option<bool>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

pub(super) fn latest(conn: &Connection, id: &str) -> StoreResult<Option<ProbeRecord>> {
    let row: Option<RowTuple> = conn
        .prepare_cached(
            "SELECT application_id, revision, fetched_at, url, status, final_url, tls_ok,
                    elapsed_ms, title, footer_icp, error, findings
             FROM probes WHERE application_id = ? ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([id], |r| {
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
                r.get(11)?,
            ))
        })
        .optional()?;
    let Some((
        application_id,
        revision,
        fetched_at,
        url,
        status,
        final_url,
        tls_ok,
        elapsed_ms,
        title,
        footer_icp,
        error,
        findings,
    )) = row
    else {
        return Ok(None);
    };
    Ok(Some(ProbeRecord {
        application_id,
        revision,
        fetched_at: parse_instant(&fetched_at)?,
        url,
        status,
        final_url,
        tls_ok,
        elapsed_ms: elapsed_ms.max(0) as u64,
        title,
        footer_icp,
        error: error
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(json_error)?,
        findings: serde_json::from_str(&findings).map_err(json_error)?,
    }))
}

/// Applications waiting for review (or for verification) with a website and no probe of
/// their current revision: (id, revision), oldest submission first.
pub(super) fn unprobed(conn: &Connection, limit: u64) -> StoreResult<Vec<(String, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.revision FROM applications a
         WHERE a.state IN ('pending_review', 'pending_verification') AND a.url <> ''
           AND NOT EXISTS (SELECT 1 FROM probes p
                           WHERE p.application_id = a.id AND p.revision = a.revision)
         ORDER BY a.submitted_ts, a.id LIMIT ?",
    )?;
    let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.map(|r| r.map_err(StoreError::from)).collect()
}
