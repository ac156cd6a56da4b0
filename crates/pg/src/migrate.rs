//! `shenhe migrate`: a whole SQLite database copied into an empty PostgreSQL one, history
//! and audit chain included, in one transaction (all or nothing), each table streamed
//! with COPY. Both chains are verified and every table counted on both sides before it
//! is called done. Claims are not copied: they are leases of consoles open on the old
//! database, which must be closed for the move.

use std::io::Write;

use rusqlite::types::ValueRef;

use crate::rows::{column_text, copy_row};
use crate::write::lock_chain;
use crate::{PgStore, db_error};
use shenhe_domain::text::{display_safe, fit};
use shenhe_store::audit::ChainVerifier;
use shenhe_store::{Store, StoreError, StoreResult};

/// The tables copied, in an order their references allow, with their columns (the same
/// names in both stores).
pub const TABLES: &[(&str, &str)] = &[
    ("meta", "key, value"),
    (
        "applications",
        "id, revision, version, state, product, product_group, plan, merchant, account, url, submitted_at, submitted_ts, due_ts, failed, manual, derived_version, content_hash, body, changed_at, changed_by, reviewable_at, merchant_key",
    ),
    (
        "previous_revisions",
        "application_id, revision, state, body",
    ),
    (
        "audit",
        "seq, application_id, revision, at, actor, action, from_state, to_state, reasons, message, note, detail, prev_hash, hash",
    ),
    (
        "judgements",
        "application_id, revision, check_id, passed, note, by, at",
    ),
    (
        "events",
        "id, type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash",
    ),
    ("reviewers", "name, lead, added_at, added_by"),
    (
        "deliveries",
        "endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at",
    ),
    (
        "delivery_failures",
        "endpoint, event_id, status, body, failed_at",
    ),
    (
        "probes",
        "seq, application_id, revision, fetched_at, url, status, final_url, tls_ok, elapsed_ms, title, footer_icp, error, findings",
    ),
    ("drafts", "reviewer, application_id, body, saved_at"),
    // Schema 4 (issue 14). decision_facts is not copied: the trigger on the audit
    // trail keeps it as COPY writes the trail.
    (
        "assignments",
        "application_id, reviewer, assigned_at, assigned_by",
    ),
    ("saved_views", "reviewer, name, position, filter"),
];

/// What was copied, and what both sides were found to hold afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// (table, rows) for every table copied, the same on both sides.
    pub counts: Vec<(&'static str, u64)>,
    /// Audit entries verified from genesis on each side (the same number).
    pub chain_entries: u64,
    /// The last entry's sequence number and hash, the same on both sides.
    pub head: Option<(i64, String)>,
}

fn sqlite_error(e: rusqlite::Error) -> StoreError {
    StoreError::Database(format!("reading the SQLite database: {e}"))
}

/// The rows of `table` in the target, other than the schema's own.
fn target_rows(target: &mut PgStore, table: &str) -> StoreResult<i64> {
    let filter = if table == "meta" {
        " WHERE key <> 'schema_version'"
    } else {
        ""
    };
    Ok(target
        .conn()?
        .query_one(&format!("SELECT count(*) FROM {table}{filter}"), &[])
        .map_err(db_error)?
        .get(0))
}

fn verify_chain(store: &dyn Store, side: &str) -> StoreResult<u64> {
    let mut v = ChainVerifier::default();
    store.audit_chain(&mut |e| v.feed(e))?;
    match v.broken {
        None => Ok(v.checked),
        Some(b) => Err(StoreError::Database(format!(
            "the audit chain of the {side} does not verify ({b:?}): nothing is called done"
        ))),
    }
}

/// Copies `source` (an SQLite store of this build's schema) into `target`, which must be
/// empty. `progress` hears of each table as it is copied.
pub fn from_sqlite(
    source: &shenhe_store::sqlite::SqliteStore,
    target: &mut PgStore,
    progress: &mut dyn FnMut(&str, u64),
) -> StoreResult<Report> {
    for (table, _) in TABLES.iter().chain([&("claims", "")]) {
        let n = target_rows(target, table)?;
        if n > 0 {
            return Err(StoreError::Database(format!(
                "{} holds data already ({n} rows in {table}): migrate copies only into an empty database; nothing was copied",
                target.display()
            )));
        }
    }
    // A source whose chain is broken is not copied: the copy would carry the break.
    let source_entries = verify_chain(source, "SQLite database")?;
    let conn = source.connection();
    let mut counts = Vec::new();
    {
        let mut server = target.conn()?;
        let mut tx = server.transaction().map_err(db_error)?;
        lock_chain(&mut tx)?;
        for (table, columns) in TABLES {
            let mut stmt = conn
                .prepare(&format!("SELECT {columns} FROM {table}"))
                .map_err(sqlite_error)?;
            let width = stmt.column_count();
            // The queue's own columns of applicant text, NUL as the import keeps it (␀).
            let names: Vec<String> = stmt.column_names().map(String::from).collect();
            let queue_text: Vec<bool> = names
                .iter()
                .map(|c| {
                    *table == "applications"
                        && ["merchant", "account", "url", "merchant_key"].contains(&c.as_str())
                })
                .collect();
            let mut rows = stmt.query([]).map_err(sqlite_error)?;
            let mut writer = tx
                .copy_in(&format!("COPY {table} ({columns}) FROM STDIN"))
                .map_err(db_error)?;
            let mut line = String::new();
            let mut n = 0u64;
            while let Some(row) = rows.next().map_err(sqlite_error)? {
                let mut fields: Vec<Option<String>> = Vec::with_capacity(width);
                for (i, queue_column) in queue_text.iter().enumerate() {
                    fields.push(match row.get_ref(i).map_err(sqlite_error)? {
                        ValueRef::Null => None,
                        ValueRef::Integer(v) => Some(v.to_string()),
                        ValueRef::Real(v) => Some(v.to_string()),
                        ValueRef::Text(t) => {
                            // Copied exactly or not at all: what the audit hash covers
                            // must reach the server byte for byte.
                            let refuse = |what: &str| {
                                let key = match row.get_ref(0) {
                                    Ok(ValueRef::Integer(v)) => v.to_string(),
                                    Ok(ValueRef::Text(k)) => {
                                        display_safe(&fit(&String::from_utf8_lossy(k), 60))
                                            .into_owned()
                                    }
                                    _ => "?".into(),
                                };
                                StoreError::Database(format!(
                                    "{table} where {} = {key}: `{}` {what}; nothing was copied",
                                    names[0], names[i]
                                ))
                            };
                            let text = std::str::from_utf8(t)
                                .map_err(|_| refuse("is not valid UTF-8 text"))?;
                            Some(if *queue_column {
                                column_text(text).into_owned()
                            } else if text.contains('\0') {
                                // Elsewhere a NUL is kept as written (the audit hash is
                                // over it), which PostgreSQL's text cannot hold.
                                return Err(refuse(
                                    "holds a NUL character, which PostgreSQL cannot store",
                                ));
                            } else {
                                text.to_string()
                            })
                        }
                        ValueRef::Blob(_) => {
                            return Err(StoreError::Database(format!(
                                "{table}: a binary value where shenhe keeps text"
                            )));
                        }
                    });
                }
                line.clear();
                let refs: Vec<Option<&str>> = fields.iter().map(|f| f.as_deref()).collect();
                copy_row(&mut line, &refs);
                writer
                    .write_all(line.as_bytes())
                    .map_err(|e| StoreError::Database(format!("COPY into {table}: {e}")))?;
                n += 1;
            }
            writer.finish().map_err(db_error)?;
            progress(table, n);
            counts.push((*table, n));
        }
        // Probes' sequence continues after the copied ones.
        tx.execute(
            "SELECT setval(pg_get_serial_sequence('probes', 'seq'), coalesce(max(seq), 0) + 1, false) FROM probes",
            &[],
        )
        .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
    }
    // Done only when both sides agree.
    for (table, n) in &counts {
        let there = target_rows(target, table)? as u64;
        let filter = if *table == "meta" {
            " WHERE key <> 'schema_version'"
        } else {
            ""
        };
        let here: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}{filter}"), [], |r| {
                r.get(0)
            })
            .map_err(sqlite_error)?;
        if there != here as u64 || there != *n {
            return Err(StoreError::Database(format!(
                "{table}: {here} rows in the SQLite database, {there} in PostgreSQL after the copy"
            )));
        }
    }
    let target_entries = verify_chain(target, "PostgreSQL copy")?;
    let head = source.audit_head()?;
    if target_entries != source_entries || target.audit_head()? != head {
        return Err(StoreError::Database(format!(
            "the chains differ after the copy: {source_entries} entries in the SQLite database, {target_entries} in PostgreSQL"
        )));
    }
    Ok(Report {
        counts,
        chain_entries: target_entries,
        head,
    })
}
