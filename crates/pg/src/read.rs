//! Reads (one application, its judgements and history, the audit chain, events, the
//! derived-columns walk, reviewers, deliveries, probes) and the writes of roles,
//! deliveries and probes, translated from the SQLite store's SQL.

use chrono::{DateTime, FixedOffset};
use postgres::types::ToSql;

use crate::rows::{
    AUDIT_COLUMNS, STORED_COLUMNS, audit_entry, china_text, parse_instant, parse_state, stored,
};
use crate::write::{append_audit, apply_change, lock_chain, write_derived};
use crate::{PgStore, db_error};
use shenhe_domain::checks::{CheckId, Judgement};
use shenhe_domain::probe::ProbeRecord;
use shenhe_store::audit::{AuditEntry, NewAuditEntry};
use shenhe_store::{
    DeliveryFailure, DeliveryRow, Derived, Disagreement, EventRecord, PausePoint, Reviewer,
    StateChange, StoreError, StoreResult, StoredApplication,
};

pub(crate) fn scalar(
    store: &PgStore,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<i64> {
    Ok(store
        .conn()?
        .query_one(sql, params)
        .map_err(db_error)?
        .get(0))
}

fn limit(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}

pub(crate) fn get(store: &PgStore, id: &str) -> StoreResult<Option<StoredApplication>> {
    store
        .conn()?
        .query_opt(
            &format!("SELECT {STORED_COLUMNS} FROM applications WHERE id = $1"),
            &[&id],
        )
        .map_err(db_error)?
        .map(|r| stored(&r))
        .transpose()
}

pub(crate) fn previous_revision(
    store: &PgStore,
    id: &str,
    revision: u32,
) -> StoreResult<Option<shenhe_domain::application::Application>> {
    let body: Option<String> = store
        .conn()?
        .query_opt(
            "SELECT body FROM previous_revisions WHERE application_id = $1 AND revision = $2",
            &[&id, &(revision as i64)],
        )
        .map_err(db_error)?
        .map(|r| r.get(0));
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| {
            StoreError::Schema(format!(
                "the kept revision {revision} of {id} is not readable: {e}"
            ))
        })
    })
    .transpose()
}

pub(crate) fn judgements(store: &PgStore, id: &str, revision: u32) -> StoreResult<Vec<Judgement>> {
    let rows = store.conn()?
        .query(
            "SELECT check_id, passed, note, by, at FROM judgements WHERE application_id = $1 AND revision = $2 ORDER BY at",
            &[&id, &(revision as i64)],
        )
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(Judgement {
                check: r
                    .get::<_, String>(0)
                    .parse::<CheckId>()
                    .map_err(StoreError::Schema)?,
                passed: r.get(1),
                note: r.get(2),
                by: r.get(3),
                at: parse_instant(r.get(4))?,
            })
        })
        .collect()
}

pub(crate) fn history(store: &PgStore, id: &str) -> StoreResult<Vec<AuditEntry>> {
    let rows = store
        .conn()?
        .query(
            &format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE application_id = $1 ORDER BY seq"),
            &[&id],
        )
        .map_err(db_error)?;
    Ok(rows.iter().map(|r| audit_entry(r).0).collect())
}

/// The whole chain in order, read in pages by sequence number (a million entries are
/// never held at once).
pub(crate) fn audit_chain(
    store: &PgStore,
    visit: &mut dyn FnMut(&AuditEntry) -> bool,
) -> StoreResult<()> {
    const PAGE: i64 = 10_000;
    let mut after = i64::MIN;
    loop {
        let rows = store
            .conn()?
            .query(
                &format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"),
                &[&after, &PAGE],
            )
            .map_err(db_error)?;
        for row in &rows {
            let (entry, raw_at, raw_reasons) = audit_entry(row);
            after = entry.seq;
            // A field that does not parse was edited (see the SQLite store).
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
                return Ok(());
            }
        }
        if (rows.len() as i64) < PAGE {
            return Ok(());
        }
    }
}

pub(crate) fn stale_derived(
    store: &PgStore,
    policy_version: &str,
    after: Option<&str>,
    n: u64,
) -> StoreResult<Vec<StoredApplication>> {
    let rows = store.conn()?
        .query(
            &format!(
                "SELECT {STORED_COLUMNS} FROM applications WHERE id > $1 AND derived_version <> $2 ORDER BY id LIMIT $3"
            ),
            &[&after.unwrap_or(""), &policy_version, &limit(n)],
        )
        .map_err(db_error)?;
    rows.iter().map(stored).collect()
}

pub(crate) fn audit_disagreements(store: &PgStore, n: u64) -> StoreResult<Vec<Disagreement>> {
    let n = limit(n);
    let mut client = store.conn()?;
    let mut found = Vec::new();
    let rows = client
        .query(
            "SELECT x.id, x.state, x.revision, x.version, r.id, r.state, r.revision, r.version
             FROM applications x LEFT JOIN (
                 SELECT a.application_id AS id, max(a.revision) AS revision,
                        sum(CASE WHEN a.to_state IS NOT NULL OR a.action = 'judge' THEN 1 ELSE 0 END)::bigint AS version,
                        (SELECT b.to_state FROM audit b
                          WHERE b.application_id = a.application_id AND b.to_state IS NOT NULL
                          ORDER BY b.seq DESC LIMIT 1) AS state
                 FROM audit a GROUP BY a.application_id
             ) r ON r.id = x.id
             WHERE r.id IS NULL OR r.state IS DISTINCT FROM x.state OR r.revision IS DISTINCT FROM x.revision
                OR r.version IS DISTINCT FROM x.version
             LIMIT $1",
            &[&n],
        )
        .map_err(db_error)?;
    for row in &rows {
        let id: String = row.get(0);
        let stored: [String; 3] = [
            row.get(1),
            row.get::<_, i64>(2).to_string(),
            row.get::<_, i64>(3).to_string(),
        ];
        if row.get::<_, Option<String>>(4).is_none() {
            found.push(Disagreement::Application {
                id,
                field: "audit entries",
                stored: "an application".into(),
                replayed: "none".into(),
            });
            continue;
        }
        let replayed: [String; 3] = [
            row.get::<_, Option<String>>(5)
                .unwrap_or_else(|| "none".into()),
            row.get::<_, i64>(6).to_string(),
            row.get::<_, i64>(7).to_string(),
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
    let rows = client
        .query(
            "SELECT DISTINCT application_id FROM audit
             WHERE application_id NOT IN (SELECT id FROM applications)
               AND application_id NOT LIKE '#%' LIMIT $1",
            &[&n],
        )
        .map_err(db_error)?;
    for row in &rows {
        found.push(Disagreement::Missing { id: row.get(0) });
    }
    let rows = client
        .query(
            "SELECT e.id, e.audit_seq FROM events e LEFT JOIN audit a ON a.seq = e.audit_seq
             WHERE a.hash IS DISTINCT FROM e.audit_hash ORDER BY e.id LIMIT $1",
            &[&n],
        )
        .map_err(db_error)?;
    for row in &rows {
        found.push(Disagreement::Event {
            event: row.get(0),
            seq: row.get(1),
        });
    }
    Ok(found)
}

pub(crate) fn events_after(store: &PgStore, after: i64, n: u64) -> StoreResult<Vec<EventRecord>> {
    let rows = store.conn()?
        .query(
            "SELECT id, type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash
             FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after, &limit(n)],
        )
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.get(0);
            let bad =
                |what: &str, e: String| StoreError::Schema(format!("event {id}: bad {what}: {e}"));
            let previous: Option<String> = r.get(5);
            Ok(EventRecord {
                id,
                kind: r.get::<_, String>(1).parse().map_err(|e| bad("type", e))?,
                occurred_at: parse_instant(r.get(2))?,
                application_id: r.get(3),
                revision: r.get::<_, i64>(4) as u32,
                previous_state: previous.as_deref().map(parse_state).transpose()?,
                state: parse_state(r.get(6))?,
                actor: r.get(7),
                data: serde_json::from_str(r.get(8)).map_err(|e| bad("data", e.to_string()))?,
                audit_seq: r.get(9),
                audit_hash: r.get(10),
            })
        })
        .collect()
}

// ---- roles: many changes at once, reopening, reviewers ----

pub(crate) fn change_states(
    store: &mut PgStore,
    changes: &mut dyn Iterator<Item = StateChange>,
) -> StoreResult<u64> {
    let pause = store.pause.clone();
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    let mut written = 0;
    for change in changes {
        apply_change(&mut tx, change)?;
        written += 1;
    }
    if let Some(pause) = &pause {
        pause(PausePoint::DecisionCommit);
    }
    tx.commit().map_err(db_error)?;
    Ok(written)
}

pub(crate) fn reopen(
    store: &mut PgStore,
    change: StateChange,
    derived: &Derived,
) -> StoreResult<AuditEntry> {
    let pause = store.pause.clone();
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    let id = change.id.clone();
    let entry = apply_change(&mut tx, change)?;
    write_derived(&mut tx, &id, derived)?;
    tx.execute(
        "UPDATE applications SET reviewable_at = $2 WHERE id = $1",
        &[&id, &china_text(entry.entry.at)],
    )
    .map_err(db_error)?;
    if let Some(pause) = &pause {
        pause(PausePoint::DecisionCommit);
    }
    tx.commit().map_err(db_error)?;
    Ok(entry)
}

pub(crate) fn reviewers(store: &PgStore) -> StoreResult<Vec<Reviewer>> {
    let rows = store
        .conn()?
        .query(
            "SELECT name, lead, added_at, added_by FROM reviewers ORDER BY name COLLATE \"C\"",
            &[],
        )
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(Reviewer {
                name: r.get(0),
                lead: r.get(1),
                added_at: parse_instant(r.get(2))?,
                added_by: r.get(3),
            })
        })
        .collect()
}

fn leads(tx: &mut postgres::Transaction<'_>) -> StoreResult<i64> {
    Ok(tx
        .query_one("SELECT count(*) FROM reviewers WHERE lead", &[])
        .map_err(db_error)?
        .get(0))
}

pub(crate) fn put_reviewer(
    store: &mut PgStore,
    reviewer: &Reviewer,
    audit: Option<NewAuditEntry>,
) -> StoreResult<()> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    let before = leads(&mut tx)?;
    tx.execute(
        "INSERT INTO reviewers (name, lead, added_at, added_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET lead = excluded.lead",
        &[
            &reviewer.name,
            &reviewer.lead,
            &reviewer.added_at.to_rfc3339(),
            &reviewer.added_by,
        ],
    )
    .map_err(db_error)?;
    if before > 0 && leads(&mut tx)? == 0 {
        return Err(StoreError::LastLead(reviewer.name.clone()));
    }
    if let Some(audit) = audit {
        append_audit(&mut tx, audit)?;
    }
    tx.commit().map_err(db_error)
}

pub(crate) fn remove_reviewer(
    store: &mut PgStore,
    name: &str,
    audit: NewAuditEntry,
) -> StoreResult<()> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    let known = tx
        .query_opt("SELECT lead FROM reviewers WHERE name = $1", &[&name])
        .map_err(db_error)?;
    if known.is_none() {
        return Err(StoreError::UnknownReviewer(name.to_string()));
    }
    let before = leads(&mut tx)?;
    tx.execute("DELETE FROM reviewers WHERE name = $1", &[&name])
        .map_err(db_error)?;
    if before > 0 && leads(&mut tx)? == 0 {
        return Err(StoreError::LastLead(name.to_string()));
    }
    append_audit(&mut tx, audit)?;
    tx.commit().map_err(db_error)
}

// ---- webhook delivery ----

const DELIVERY_COLUMNS: &str =
    "endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at";

fn delivery_row(r: &postgres::Row) -> StoreResult<DeliveryRow> {
    let opt = |i: usize| -> StoreResult<Option<DateTime<FixedOffset>>> {
        r.get::<_, Option<String>>(i)
            .as_deref()
            .map(parse_instant)
            .transpose()
    };
    Ok(DeliveryRow {
        endpoint: r.get(0),
        position: r.get(1),
        attempts: r.get::<_, i64>(2) as u32,
        last_error: r.get(3),
        last_error_at: opt(4)?,
        failing_since: opt(5)?,
        updated_at: parse_instant(r.get(6))?,
    })
}

pub(crate) fn delivery(store: &PgStore, endpoint: &str) -> StoreResult<Option<DeliveryRow>> {
    store
        .conn()?
        .query_opt(
            &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE endpoint = $1"),
            &[&endpoint],
        )
        .map_err(db_error)?
        .map(|r| delivery_row(&r))
        .transpose()
}

pub(crate) fn deliveries(store: &PgStore) -> StoreResult<Vec<DeliveryRow>> {
    let rows = store
        .conn()?
        .query(
            &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries ORDER BY endpoint COLLATE \"C\""),
            &[],
        )
        .map_err(db_error)?;
    rows.iter().map(delivery_row).collect()
}

pub(crate) fn delivery_failures(
    store: &PgStore,
    endpoint: &str,
    n: u64,
) -> StoreResult<Vec<DeliveryFailure>> {
    let rows = store
        .conn()?
        .query(
            "SELECT endpoint, event_id, status, body, failed_at FROM delivery_failures
             WHERE endpoint = $1 ORDER BY event_id DESC LIMIT $2",
            &[&endpoint, &limit(n)],
        )
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(DeliveryFailure {
                endpoint: r.get(0),
                event_id: r.get(1),
                status: r.get::<_, Option<i64>>(2).map(|s| s as u16),
                body: r.get::<_, Option<String>>(3).unwrap_or_default(),
                failed_at: parse_instant(r.get(4))?,
            })
        })
        .collect()
}

pub(crate) fn delivery_advance(
    store: &mut PgStore,
    endpoint: &str,
    event_id: i64,
    failure: Option<&DeliveryFailure>,
    at: DateTime<FixedOffset>,
) -> StoreResult<()> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    let at = china_text(at);
    tx.execute(
        "INSERT INTO deliveries (endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at)
         VALUES ($1, $2, 0, NULL, NULL, NULL, $3)
         ON CONFLICT (endpoint) DO UPDATE SET position = greatest(deliveries.position, $2), attempts = 0,
             last_error = NULL, last_error_at = NULL, failing_since = NULL, updated_at = $3",
        &[&endpoint, &event_id, &at],
    )
    .map_err(db_error)?;
    if let Some(f) = failure {
        tx.execute(
            "INSERT INTO delivery_failures (endpoint, event_id, status, body, failed_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (endpoint, event_id) DO UPDATE
                SET status = excluded.status, body = excluded.body, failed_at = excluded.failed_at",
            &[
                &endpoint,
                &event_id,
                &f.status.map(i64::from),
                &f.body,
                &china_text(f.failed_at),
            ],
        )
        .map_err(db_error)?;
    }
    tx.commit().map_err(db_error)
}

pub(crate) fn delivery_retry(
    store: &mut PgStore,
    endpoint: &str,
    position: i64,
    error: &str,
    at: DateTime<FixedOffset>,
) -> StoreResult<()> {
    let at = china_text(at);
    store.conn()?
        .execute(
            "INSERT INTO deliveries (endpoint, position, attempts, last_error, last_error_at, failing_since, updated_at)
             VALUES ($1, $2, 1, $3, $4, $4, $4)
             ON CONFLICT (endpoint) DO UPDATE SET attempts = deliveries.attempts + 1, last_error = $3,
                 last_error_at = $4, failing_since = coalesce(deliveries.failing_since, $4), updated_at = $4",
            &[&endpoint, &position, &error, &at],
        )
        .map_err(db_error)?;
    Ok(())
}

// ---- the site probe ----

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::Schema(format!("a probe record that is not valid JSON: {e}"))
}

pub(crate) fn record_probe(store: &mut PgStore, p: &ProbeRecord) -> StoreResult<()> {
    let error = p
        .error
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(json_error)?;
    let findings = serde_json::to_string(&p.findings).map_err(json_error)?;
    store
        .conn()?
        .execute(
            "INSERT INTO probes (application_id, revision, fetched_at, url, status, final_url,
                 tls_ok, elapsed_ms, title, footer_icp, error, findings)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &p.application_id,
                &(p.revision as i64),
                &china_text(p.fetched_at),
                &p.url,
                &p.status.map(i64::from),
                &p.final_url,
                &p.tls_ok,
                &(p.elapsed_ms.min(i64::MAX as u64) as i64),
                &p.title,
                &p.footer_icp,
                &error,
                &findings,
            ],
        )
        .map_err(db_error)?;
    Ok(())
}

pub(crate) fn latest_probe(store: &PgStore, id: &str) -> StoreResult<Option<ProbeRecord>> {
    let row = store
        .conn()?
        .query_opt(
            "SELECT application_id, revision, fetched_at, url, status, final_url, tls_ok,
                    elapsed_ms, title, footer_icp, error, findings
             FROM probes WHERE application_id = $1 ORDER BY seq DESC LIMIT 1",
            &[&id],
        )
        .map_err(db_error)?;
    let Some(r) = row else { return Ok(None) };
    let error: Option<String> = r.get(10);
    Ok(Some(ProbeRecord {
        application_id: r.get(0),
        revision: r.get::<_, i64>(1) as u32,
        fetched_at: parse_instant(r.get(2))?,
        url: r.get(3),
        status: r.get::<_, Option<i64>>(4).map(|s| s as u16),
        final_url: r.get(5),
        tls_ok: r.get(6),
        elapsed_ms: r.get::<_, i64>(7).max(0) as u64,
        title: r.get(8),
        footer_icp: r.get(9),
        error: error
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(json_error)?,
        findings: serde_json::from_str(r.get(11)).map_err(json_error)?,
    }))
}

pub(crate) fn unprobed(store: &PgStore, n: u64) -> StoreResult<Vec<(String, u32)>> {
    let rows = store
        .conn()?
        .query(
            "SELECT a.id, a.revision FROM applications a
             WHERE a.state IN ('pending_review', 'pending_verification') AND a.url <> ''
               AND NOT EXISTS (SELECT 1 FROM probes p
                               WHERE p.application_id = a.id AND p.revision = a.revision)
             ORDER BY a.submitted_ts, a.id LIMIT $1",
            &[&limit(n)],
        )
        .map_err(db_error)?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get::<_, i64>(1) as u32))
        .collect())
}
