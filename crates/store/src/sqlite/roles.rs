//! Integration coming in, reviewers and leads, and reopening: many state changes in one
//! transaction (a bulk `shenhe integrated --file`), a change back to the queue with a
//! fresh clock, and the `reviewers` table, whose every change is in the audit trail.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::rows::parse_instant;
use super::write::{append_audit, apply_change, write_derived};
use crate::audit::{AuditEntry, NewAuditEntry};
use crate::{Derived, PausePoint, Reviewer, StateChange, StoreError, StoreResult};
use shenhe_domain::calendar::china;

pub(super) fn change_states(
    store: &SqliteStore,
    changes: &mut dyn Iterator<Item = StateChange>,
) -> StoreResult<u64> {
    let tx = store.immediate()?;
    let mut written = 0;
    for change in changes {
        // A failure returns before the commit: dropping `tx` rolls back every change.
        apply_change(&tx, change)?;
        written += 1;
    }
    if let Some(pause) = &store.pause {
        pause(PausePoint::DecisionCommit);
    }
    tx.commit()?;
    Ok(written)
}

pub(super) fn reopen(
    store: &SqliteStore,
    change: StateChange,
    derived: &Derived,
) -> StoreResult<AuditEntry> {
    let tx = store.immediate()?;
    let id = change.id.clone();
    let entry = apply_change(&tx, change)?;
    write_derived(&tx, &id, derived)?;
    // Reviewable again from the reopening: the three business days start there.
    tx.prepare_cached("UPDATE applications SET reviewable_at = ?2 WHERE id = ?1")?
        .execute(params![
            id,
            entry.entry.at.with_timezone(&china()).to_rfc3339()
        ])?;
    if let Some(pause) = &store.pause {
        pause(PausePoint::DecisionCommit);
    }
    tx.commit()?;
    Ok(entry)
}

pub(super) fn reviewers(conn: &Connection) -> StoreResult<Vec<Reviewer>> {
    let mut stmt =
        conn.prepare_cached("SELECT name, lead, added_at, added_by FROM reviewers ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (name, lead, added_at, added_by) = row?;
        Ok(Reviewer {
            name,
            lead,
            added_at: parse_instant(&added_at)?,
            added_by,
        })
    })
    .collect()
}

fn leads(tx: &Connection) -> StoreResult<i64> {
    Ok(
        tx.query_row("SELECT count(*) FROM reviewers WHERE lead", [], |r| {
            r.get(0)
        })?,
    )
}

/// Refuses a change that took the last lead away (a database that had one keeps one).
fn keep_a_lead(tx: &Connection, before: i64, name: &str) -> StoreResult<()> {
    if before > 0 && leads(tx)? == 0 {
        return Err(StoreError::LastLead(name.to_string()));
    }
    Ok(())
}

pub(super) fn put_reviewer(
    store: &SqliteStore,
    reviewer: &Reviewer,
    audit: Option<NewAuditEntry>,
) -> StoreResult<()> {
    let tx = store.immediate()?;
    let before = leads(&tx)?;
    tx.execute(
        "INSERT INTO reviewers (name, lead, added_at, added_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET lead = excluded.lead",
        params![
            reviewer.name,
            reviewer.lead,
            reviewer.added_at.to_rfc3339(),
            reviewer.added_by
        ],
    )?;
    keep_a_lead(&tx, before, &reviewer.name)?;
    if let Some(audit) = audit {
        append_audit(&tx, audit)?;
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn remove_reviewer(
    store: &SqliteStore,
    name: &str,
    audit: NewAuditEntry,
) -> StoreResult<()> {
    let tx = store.immediate()?;
    let known: Option<bool> = tx
        .query_row("SELECT lead FROM reviewers WHERE name = ?", [name], |r| {
            r.get(0)
        })
        .optional()?;
    if known.is_none() {
        return Err(StoreError::UnknownReviewer(name.to_string()));
    }
    let before = leads(&tx)?;
    tx.execute("DELETE FROM reviewers WHERE name = ?", [name])?;
    keep_a_lead(&tx, before, name)?;
    append_audit(&tx, audit)?;
    tx.commit()?;
    Ok(())
}
