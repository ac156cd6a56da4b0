//! Writes, each in one transaction that first takes the chain lock (an advisory lock held
//! to commit): appends to the audit trail and the events are serialised, so the chain
//! never forks and event ids increase in commit order. A change is written only at the
//! version read (compare-and-set), with its audit entry and its event.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset};
use postgres::Transaction;

use crate::rows::{china_text, parse_instant, parse_state, ts};
use crate::{CHAIN_LOCK, PgStore, db_error};
use shenhe_domain::checks::Judgement;
use shenhe_store::audit::{AuditEntry, GENESIS, NewAuditEntry, entry_hash};
use shenhe_store::{Derived, NewEvent, PausePoint, StateChange, StoreError, StoreResult};

/// Times this process found the chain lock held by another writer and waited for it:
/// PostgreSQL's counterpart of the SQLite store's busy retries (the stress benchmark
/// prints it). Nothing is retried: the server queues the waiters.
static LOCK_WAITS: AtomicU64 = AtomicU64::new(0);

/// How many times this process waited for another writer's chain lock.
pub fn lock_waits() -> u64 {
    LOCK_WAITS.load(Ordering::Relaxed)
}

/// Takes the chain lock for the rest of the transaction, waiting for another writer's.
pub(crate) fn lock_chain(tx: &mut impl postgres::GenericClient) -> StoreResult<()> {
    let free: bool = tx
        .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&CHAIN_LOCK])
        .map_err(db_error)?
        .get(0);
    if !free {
        LOCK_WAITS.fetch_add(1, Ordering::Relaxed);
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHAIN_LOCK])
            .map_err(db_error)?;
    }
    Ok(())
}

pub(crate) fn change_state(
    store: &mut PgStore,
    change: StateChange,
    derived: Option<&Derived>,
) -> StoreResult<AuditEntry> {
    let pause = store.pause.clone();
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    let id = change.id.clone();
    let entry = apply_change(&mut tx, change)?;
    if let Some(d) = derived {
        write_derived(&mut tx, &id, d)?;
    }
    if let Some(pause) = &pause {
        pause(PausePoint::DecisionCommit);
    }
    tx.commit().map_err(db_error)?;
    Ok(entry)
}

/// One change inside a transaction holding the chain lock.
pub(crate) fn apply_change(
    tx: &mut Transaction<'_>,
    change: StateChange,
) -> StoreResult<AuditEntry> {
    check_version(tx, &change.id, change.expected_version)?;
    let head = head(tx)?;
    let mut audit = change.audit;
    audit.at = head.at.map_or(audit.at, |last| audit.at.max(last));
    tx.execute(
        "WITH changed AS (
             UPDATE applications SET state = $2, version = version + 1, changed_at = $3, changed_by = $4
             WHERE id = $1 RETURNING id)
         DELETE FROM claims WHERE application_id IN (SELECT id FROM changed)",
        &[&change.id, &change.to.id(), &audit.at.to_rfc3339(), &audit.actor],
    )
    .map_err(db_error)?;
    let entry = append_audit_after(tx, head, audit)?;
    append_event(tx, &entry, &change.event)?;
    Ok(entry)
}

pub(crate) fn judge(
    store: &mut PgStore,
    id: &str,
    expected_version: i64,
    revision: u32,
    j: &Judgement,
    derived: &Derived,
    mut audit: NewAuditEntry,
) -> StoreResult<AuditEntry> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    check_version(&mut tx, id, expected_version)?;
    audit.at = not_before_the_last_entry(&mut tx, audit.at)?;
    tx.execute(
        "INSERT INTO judgements (application_id, revision, check_id, passed, note, by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (application_id, revision, check_id) DO UPDATE
            SET passed = excluded.passed, note = excluded.note, by = excluded.by, at = excluded.at",
        &[&id, &(revision as i64), &j.check.id(), &j.passed, &j.note, &j.by, &j.at.to_rfc3339()],
    )
    .map_err(db_error)?;
    tx.execute(
        "UPDATE applications SET version = version + 1, changed_at = $2, changed_by = $3 WHERE id = $1",
        &[&id, &audit.at.to_rfc3339(), &audit.actor],
    )
    .map_err(db_error)?;
    write_derived(&mut tx, id, derived)?;
    let entry = append_audit(&mut tx, audit)?;
    tx.commit().map_err(db_error)?;
    Ok(entry)
}

pub(crate) fn record(store: &mut PgStore, audit: NewAuditEntry) -> StoreResult<AuditEntry> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    let entry = append_audit(&mut tx, audit)?;
    tx.commit().map_err(db_error)?;
    Ok(entry)
}

pub(crate) fn update_derived(
    store: &mut PgStore,
    updates: &[(String, Derived)],
) -> StoreResult<()> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    // No audit entry, but the kept counters move with the due times: the chain lock, as
    // every writer of applications takes it before its first write (see counters.rs).
    lock_chain(&mut tx)?;
    for (id, d) in updates {
        write_derived(&mut tx, id, d)?;
    }
    tx.commit().map_err(db_error)
}

/// Refuses, naming who changed it and when, unless the application is at `expected`.
pub(crate) fn check_version(tx: &mut Transaction<'_>, id: &str, expected: i64) -> StoreResult<()> {
    let row = tx
        .query_opt(
            "SELECT version, state, changed_by, changed_at FROM applications WHERE id = $1",
            &[&id],
        )
        .map_err(db_error)?;
    match row {
        None => Err(StoreError::NotFound(id.to_string())),
        Some(r) if r.get::<_, i64>(0) == expected => Ok(()),
        Some(r) => Err(StoreError::Conflict {
            id: id.to_string(),
            state: parse_state(r.get(1))?,
            by: r.get(2),
            at: parse_instant(r.get(3))?,
        }),
    }
}

pub(crate) fn write_derived(tx: &mut Transaction<'_>, id: &str, d: &Derived) -> StoreResult<()> {
    tx.execute(
        "UPDATE applications SET due_ts = $2, failed = $3, manual = $4, derived_version = $5 WHERE id = $1",
        &[&id, &ts(d.due_at), &(d.failed as i64), &(d.manual as i64), &d.policy_version],
    )
    .map_err(db_error)?;
    Ok(())
}

/// Publishes `event` for the change `entry` records (see the SQLite store's
/// `append_event`). Its id is the next after the newest: the chain lock is held.
pub(crate) fn append_event(
    tx: &mut Transaction<'_>,
    entry: &AuditEntry,
    event: &NewEvent,
) -> StoreResult<()> {
    let audit = &entry.entry;
    let Some(state) = audit.to_state.as_deref() else {
        return Err(StoreError::Database(format!(
            "an event ({}) without the state it leads to",
            event.kind
        )));
    };
    tx.execute(
        "INSERT INTO events (id, type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash)
         SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM events",
        &[
            &event.kind.id(),
            &china_text(audit.at),
            &audit.application_id,
            &(audit.revision as i64),
            &audit.from_state,
            &state,
            &audit.actor,
            &event.data.to_string(),
            &entry.seq,
            &entry.hash,
        ],
    )
    .map_err(db_error)?;
    Ok(())
}

/// The trail's last entry: what the next one chains from, and the time it may not be
/// before (one query, inside the chain lock).
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
    pub at: Option<DateTime<FixedOffset>>,
}

pub(crate) fn head(client: &mut impl postgres::GenericClient) -> StoreResult<Head> {
    let row = client
        .query_opt(
            "SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .map_err(db_error)?;
    Ok(match row {
        None => Head {
            seq: 0,
            hash: GENESIS.to_string(),
            at: None,
        },
        // A tampered time is verify's to report; here it is only not a bound.
        Some(r) => Head {
            seq: r.get(0),
            hash: r.get(1),
            at: DateTime::parse_from_rfc3339(r.get::<_, &str>(2)).ok(),
        },
    })
}

/// `at`, or the last entry's time if the clock is behind it: the trail's times never go
/// backwards, whatever a clock says.
pub(crate) fn not_before_the_last_entry(
    tx: &mut Transaction<'_>,
    at: DateTime<FixedOffset>,
) -> StoreResult<DateTime<FixedOffset>> {
    Ok(head(tx)?.at.map_or(at, |last| at.max(last)))
}

/// The last entry's sequence number and hash: what the next entry chains from.
pub(crate) fn audit_head(client: &mut impl postgres::GenericClient) -> StoreResult<(i64, String)> {
    let h = head(client)?;
    Ok((h.seq, h.hash))
}

/// Appends `entry` to the trail (the chain lock is held), at a time not before the last.
pub(crate) fn append_audit(
    tx: &mut Transaction<'_>,
    mut entry: NewAuditEntry,
) -> StoreResult<AuditEntry> {
    let head = head(tx)?;
    entry.at = head.at.map_or(entry.at, |last| entry.at.max(last));
    append_audit_after(tx, head, entry)
}

/// Appends after `head`, which the caller read under the chain lock.
fn append_audit_after(
    tx: &mut Transaction<'_>,
    head: Head,
    entry: NewAuditEntry,
) -> StoreResult<AuditEntry> {
    let (prev_hash, seq) = (head.hash, head.seq + 1);
    let hash = entry_hash(seq, &entry, &prev_hash);
    tx.execute(
        "INSERT INTO audit (seq, application_id, revision, at, actor, action, from_state, to_state, reasons, message, note, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        &[
            &seq,
            &entry.application_id,
            &(entry.revision as i64),
            &entry.at.to_rfc3339(),
            &entry.actor,
            &entry.action,
            &entry.from_state,
            &entry.to_state,
            &serde_json::to_string(&entry.reasons).expect("strings serialise"),
            &entry.message,
            &entry.note,
            &entry.detail,
            &prev_hash,
            &hash,
        ],
    )
    .map_err(db_error)?;
    Ok(AuditEntry {
        seq,
        entry,
        prev_hash,
        hash,
    })
}
