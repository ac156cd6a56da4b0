//! Writes, each in one transaction: state changes and judgements (with their audit
//! entries, and only if the application is unchanged since read), derived columns, claims,
//! and appending to the hash-chained audit trail.

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::rows::{from_ts, parse_instant, parse_state, ts};
use crate::audit::{AuditEntry, GENESIS, NewAuditEntry, entry_hash};
use crate::{Claim, Derived, NewEvent, PausePoint, StateChange, StoreError, StoreResult};
use shenhe_domain::calendar::china;
use shenhe_domain::checks::Judgement;

pub(super) fn change_state(
    store: &SqliteStore,
    change: StateChange,
    derived: Option<&Derived>,
) -> StoreResult<AuditEntry> {
    let tx = store.immediate()?;
    let id = change.id.clone();
    let entry = apply_change(&tx, change)?;
    if let Some(d) = derived {
        write_derived(&tx, &id, d)?;
    }
    if let Some(pause) = &store.pause {
        pause(PausePoint::DecisionCommit);
    }
    tx.commit()?;
    Ok(entry)
}

/// One change inside an open transaction: only at the version read, at a time not before
/// the trail's last entry, with its audit entry and its event; any claim on it goes.
pub(super) fn apply_change(tx: &Connection, mut change: StateChange) -> StoreResult<AuditEntry> {
    check_version(tx, &change.id, change.expected_version)?;
    change.audit.at = not_before_the_last_entry(tx, change.audit.at)?;
    tx.prepare_cached(
        "UPDATE applications SET state = ?2, version = version + 1, changed_at = ?3, changed_by = ?4 WHERE id = ?1",
    )?
    .execute(params![
        change.id,
        change.to.id(),
        change.audit.at.to_rfc3339(),
        change.audit.actor
    ])?;
    tx.prepare_cached("DELETE FROM claims WHERE application_id = ?")?
        .execute([&change.id])?;
    let entry = append_audit(tx, change.audit)?;
    append_event(tx, &entry, &change.event)?;
    Ok(entry)
}

pub(super) fn judge(
    store: &SqliteStore,
    id: &str,
    expected_version: i64,
    revision: u32,
    j: &Judgement,
    derived: &Derived,
    mut audit: NewAuditEntry,
) -> StoreResult<AuditEntry> {
    let tx = store.immediate()?;
    check_version(&tx, id, expected_version)?;
    audit.at = not_before_the_last_entry(&tx, audit.at)?;
    tx.execute(
        "INSERT OR REPLACE INTO judgements (application_id, revision, check_id, passed, note, by, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        params![id, revision, j.check.id(), j.passed, j.note, j.by, j.at.to_rfc3339()],
    )?;
    tx.execute(
        "UPDATE applications SET version = version + 1, changed_at = ?2, changed_by = ?3 WHERE id = ?1",
        params![id, audit.at.to_rfc3339(), audit.actor],
    )?;
    write_derived(&tx, id, derived)?;
    let entry = append_audit(&tx, audit)?;
    tx.commit()?;
    Ok(entry)
}

pub(super) fn record(store: &SqliteStore, mut audit: NewAuditEntry) -> StoreResult<AuditEntry> {
    let tx = store.immediate()?;
    audit.at = not_before_the_last_entry(&tx, audit.at)?;
    let entry = append_audit(&tx, audit)?;
    tx.commit()?;
    Ok(entry)
}

pub(super) fn update_derived(
    store: &SqliteStore,
    updates: &[(String, Derived)],
) -> StoreResult<()> {
    let tx = store.immediate()?;
    for (id, d) in updates {
        write_derived(&tx, id, d)?;
    }
    tx.commit().map_err(StoreError::from)
}

pub(super) fn claim(
    store: &SqliteStore,
    claim: &Claim,
    now: DateTime<FixedOffset>,
) -> StoreResult<Option<Claim>> {
    let tx = store.immediate()?;
    let held = claim_in(&tx, &claim.application_id, now)?;
    // The same reviewer's claim from another session (a console whose link dropped) is
    // taken over: it is theirs.
    if let Some(other) = held.filter(|c| c.session != claim.session && c.reviewer != claim.reviewer)
    {
        tx.commit()?;
        return Ok(Some(other));
    }
    tx.execute(
        "INSERT OR REPLACE INTO claims (application_id, reviewer, session, expires_ts) VALUES (?, ?, ?, ?)",
        params![claim.application_id, claim.reviewer, claim.session, ts(claim.expires_at)],
    )?;
    tx.commit()?;
    Ok(None)
}

pub(super) fn release(conn: &Connection, id: &str, session: &str) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM claims WHERE application_id = ? AND session = ?",
        [id, session],
    )
    .map(|_| ())
    .map_err(StoreError::from)
}

pub(super) fn claim_in(
    conn: &Connection,
    id: &str,
    now: DateTime<FixedOffset>,
) -> StoreResult<Option<Claim>> {
    conn.prepare_cached("SELECT reviewer, session, expires_ts FROM claims WHERE application_id = ? AND expires_ts > ?")?
        .query_row(params![id, ts(now)], |r| {
            Ok(Claim { application_id: id.to_string(), reviewer: r.get(0)?, session: r.get(1)?, expires_at: from_ts(r.get(2)?) })
        })
        .optional()
        .map_err(StoreError::from)
}

/// Refuses, naming who changed it and when, unless the application is at `expected`.
pub(super) fn check_version(tx: &Connection, id: &str, expected: i64) -> StoreResult<()> {
    let current: Option<(i64, String, String, String)> = tx
        .prepare_cached(
            "SELECT version, state, changed_by, changed_at FROM applications WHERE id = ?",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    match current {
        None => Err(StoreError::NotFound(id.to_string())),
        Some((version, _, _, _)) if version == expected => Ok(()),
        Some((_, state, by, at)) => Err(StoreError::Conflict {
            id: id.to_string(),
            state: parse_state(&state)?,
            by,
            at: parse_instant(&at)?,
        }),
    }
}

pub(super) fn write_derived(tx: &Connection, id: &str, d: &Derived) -> StoreResult<()> {
    tx.prepare_cached("UPDATE applications SET due_ts = ?2, failed = ?3, manual = ?4, derived_version = ?5 WHERE id = ?1")?
        .execute(params![id, ts(d.due_at), d.failed, d.manual, d.policy_version])
        .map(|_| ())
        .map_err(StoreError::from)
}

/// Publishes `event` for the change `entry` records: same application, revision, states,
/// actor and instant, in the same transaction, naming the entry (its sequence number and
/// hash) so that a consumer's copy of events can later prove the audit chain still holds it.
pub(super) fn append_event(
    tx: &Connection,
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
    tx.prepare_cached(
        "INSERT INTO events (type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        event.kind.id(),
        audit.at.with_timezone(&china()).to_rfc3339(),
        audit.application_id,
        audit.revision,
        audit.from_state,
        state,
        audit.actor,
        event.data.to_string(),
        entry.seq,
        entry.hash,
    ])?;
    Ok(())
}

/// `at`, or the last entry's time if the clock is behind it: the trail's times never go
/// backwards, whatever a clock says (a system clock stepped back, two hosts' clocks).
pub(super) fn not_before_the_last_entry(
    tx: &Connection,
    at: DateTime<FixedOffset>,
) -> StoreResult<DateTime<FixedOffset>> {
    Ok(last_entry_at(tx)?.map_or(at, |last| at.max(last)))
}

/// The time of the last entry, if it can be read (a tampered one is verify's to report).
pub(super) fn last_entry_at(tx: &Connection) -> StoreResult<Option<DateTime<FixedOffset>>> {
    let at: Option<String> = tx
        .query_row("SELECT at FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(at.and_then(|text| DateTime::parse_from_rfc3339(&text).ok()))
}

/// The last entry's sequence number and hash: what the next entry chains from.
pub(super) fn audit_head(tx: &Connection) -> StoreResult<(i64, String)> {
    Ok(tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.to_string())))
}

/// Appends `entry` to the trail, at a time not before the last entry's.
pub(super) fn append_audit(tx: &Connection, mut entry: NewAuditEntry) -> StoreResult<AuditEntry> {
    entry.at = not_before_the_last_entry(tx, entry.at)?;
    let head = audit_head(tx)?;
    append_audit_after(tx, head, entry)
}

/// Appends after a head the caller already knows (it holds the write lock throughout).
pub(super) fn append_audit_after(
    tx: &Connection,
    head: (i64, String),
    entry: NewAuditEntry,
) -> StoreResult<AuditEntry> {
    let (last_seq, prev_hash) = head;
    let seq = last_seq + 1;
    let hash = entry_hash(seq, &entry, &prev_hash);
    tx.prepare_cached(
        "INSERT INTO audit (seq, application_id, revision, at, actor, action, from_state, to_state, reasons, message, note, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        seq,
        entry.application_id,
        entry.revision,
        entry.at.to_rfc3339(),
        entry.actor,
        entry.action,
        entry.from_state,
        entry.to_state,
        serde_json::to_string(&entry.reasons).expect("strings serialise"),
        entry.message,
        entry.note,
        entry.detail,
        prev_hash,
        hash,
    ])?;
    Ok(AuditEntry {
        seq,
        entry,
        prev_hash,
        hash,
    })
}
