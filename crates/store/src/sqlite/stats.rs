//! The lead's console (issue 14): the queue's figures and a period's decisions for
//! statistics and exports, assignments, and saved views. Every figure is read from an
//! index: the queue's from `applications_state_due` and `applications_state_submitted`,
//! intake and decisions from `audit_action_at` (schema 4).

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::rows::{parse_instant, ts};
use super::write::append_audit;
use crate::{
    DecisionRow, NewAssignment, SavedView, StatsBounds, StatsSnapshot, StoreError, StoreResult,
};
use shenhe_domain::calendar::china;

const UNDER_REVIEW: [&str; 2] = ["pending_review", "pending_second_approval"];

fn one(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> StoreResult<u64> {
    conn.prepare_cached(sql)?
        .query_row(args, |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(StoreError::from)
}

pub(super) fn snapshot(conn: &Connection, b: &StatsBounds) -> StoreResult<StatsSnapshot> {
    let mut s = StatsSnapshot {
        pending_verification: one(
            conn,
            "SELECT count(*) FROM applications WHERE state = 'pending_verification'",
            &[],
        )?,
        verification_lapsed: one(
            conn,
            "SELECT count(*) FROM applications WHERE state = 'pending_verification' AND submitted_ts < ?",
            &[&ts(b.verification_cutoff)],
        )?,
        ..StatsSnapshot::default()
    };
    // One walk of the (state, due_ts, id) index a state, grouped by due time (the end of
    // a day: few values); every count of what is under review is summed from it.
    let mut groups = Vec::new();
    for state in UNDER_REVIEW {
        let mut stmt = conn.prepare_cached(
            "SELECT due_ts, count(*) FROM applications WHERE state = ? GROUP BY due_ts ORDER BY due_ts",
        )?;
        let rows = stmt.query_map([state], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (due, n) = row?;
            groups.push((state.to_string(), due, n as u64));
        }
    }
    s.count_under_review(groups, b);
    // Intake a day: a range of the (action, at) index a day and action. Audit times are
    // RFC 3339 in China time (the clock's), so text order is time order.
    let mut day = b.intake_since.with_timezone(&china()).date_naive();
    let last = b.now.with_timezone(&china()).date_naive();
    while day <= last {
        let next = day.succ_opt().expect("dates stay far from chrono's limits");
        let from = shenhe_domain::calendar::start_of_day(day).to_rfc3339();
        let to = shenhe_domain::calendar::start_of_day(next).to_rfc3339();
        let mut n = 0;
        for action in ["submit", "resubmit"] {
            n += one(
                conn,
                "SELECT count(*) FROM audit WHERE action = ?1 AND at >= ?2 AND at < ?3",
                &[&action, &from, &to],
            )?;
        }
        if n > 0 {
            s.intake_by_day.push((day, n));
        }
        day = next;
    }
    Ok(s)
}

pub(super) fn decisions(
    conn: &Connection,
    since: DateTime<FixedOffset>,
    until: Option<DateTime<FixedOffset>>,
    full: bool,
    visit: &mut dyn FnMut(DecisionRow) -> bool,
) -> StoreResult<()> {
    let since = since.with_timezone(&china()).to_rfc3339();
    // A text past every China-time RFC 3339 instant.
    let until = until.map_or_else(
        || "9".to_string(),
        |u| u.with_timezone(&china()).to_rfc3339(),
    );
    // The kept decisions (schema 4's decision_facts), in time order from their primary
    // key; an export adds the application's merchant and product and the entry's texts.
    let sql = if full {
        "SELECT f.seq, f.application_id, f.revision, f.at, f.actor, f.action, f.from_state,
                f.to_state, f.reasons, d.message, d.note, a.merchant, a.product,
                f.reviewable_at, f.entered_queue_at
         FROM decision_facts f JOIN audit d ON d.seq = f.seq
              LEFT JOIN applications a ON a.id = f.application_id
         WHERE f.at >= ?1 AND f.at < ?2 ORDER BY f.at, f.seq"
    } else {
        "SELECT f.seq, f.application_id, f.revision, f.at, f.actor, f.action, f.from_state,
                f.to_state, f.reasons, NULL, NULL, NULL, NULL,
                f.reviewable_at, f.entered_queue_at
         FROM decision_facts f
         WHERE f.at >= ?1 AND f.at < ?2 ORDER BY f.at, f.seq"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![since, until])?;
    while let Some(r) = rows.next()? {
        let at: String = r.get(3)?;
        let reasons: String = r.get(8)?;
        let reviewable: Option<String> = r.get(13)?;
        let entered: Option<String> = r.get(14)?;
        let row = DecisionRow {
            seq: r.get(0)?,
            application_id: r.get(1)?,
            revision: r.get(2)?,
            at: parse_instant(&at)?,
            actor: r.get(4)?,
            action: r.get(5)?,
            from_state: r.get(6)?,
            to_state: r.get(7)?,
            reasons: serde_json::from_str(&reasons)
                .map_err(|e| StoreError::Schema(format!("bad reasons `{reasons}`: {e}")))?,
            message: r.get(9)?,
            note: r.get(10)?,
            merchant: r.get(11)?,
            product: r.get(12)?,
            reviewable_at: reviewable.as_deref().map(parse_instant).transpose()?,
            entered_queue_at: entered.as_deref().map(parse_instant).transpose()?,
        };
        if !visit(row) {
            break;
        }
    }
    Ok(())
}

pub(super) fn assign(store: &SqliteStore, assignments: &[NewAssignment]) -> StoreResult<u64> {
    let tx = store.immediate()?;
    for a in assignments {
        let current: Option<(String, u32)> = tx
            .prepare_cached("SELECT state, revision FROM applications WHERE id = ?")?
            .query_row([&a.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((state, revision)) = current else {
            return Err(StoreError::NotFound(a.id.clone()));
        };
        let mut audit = a.audit.clone();
        audit.revision = revision;
        // No state changes: the entry has none, so replaying the trail (audit verify)
        // neither moves the state nor counts a version for it.
        audit.from_state = None;
        audit.to_state = None;
        let entry = append_audit(&tx, audit)?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO assignments (application_id, reviewer, assigned_at, assigned_by) VALUES (?, ?, ?, ?)",
        )?
        .execute(params![
            a.id,
            a.reviewer,
            entry.entry.at.with_timezone(&china()).to_rfc3339(),
            entry.entry.actor
        ])?;
        // The event names the state the application stays in, before and after.
        tx.prepare_cached(
            "INSERT INTO events (type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            a.event.kind.id(),
            entry.entry.at.with_timezone(&china()).to_rfc3339(),
            a.id,
            revision,
            state,
            entry.entry.actor,
            a.event.data.to_string(),
            entry.seq,
            entry.hash,
        ])?;
    }
    tx.commit()?;
    Ok(assignments.len() as u64)
}

pub(super) fn assignee(conn: &Connection, id: &str) -> StoreResult<Option<String>> {
    conn.prepare_cached("SELECT reviewer FROM assignments WHERE application_id = ?")?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(StoreError::from)
}

pub(super) fn saved_views(conn: &Connection, reviewer: &str) -> StoreResult<Vec<SavedView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, position, filter FROM saved_views WHERE reviewer = ? ORDER BY position, name",
    )?;
    let rows = stmt.query_map([reviewer], |r| {
        Ok(SavedView {
            name: r.get(0)?,
            position: r.get(1)?,
            filter: r.get(2)?,
        })
    })?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::from)
}

pub(super) fn put_saved_view(
    store: &SqliteStore,
    reviewer: &str,
    name: &str,
    filter: Option<&str>,
) -> StoreResult<()> {
    let tx = store.immediate()?;
    match filter {
        None => {
            tx.execute(
                "DELETE FROM saved_views WHERE reviewer = ? AND name = ?",
                [reviewer, name],
            )?;
        }
        Some(filter) => {
            let position: i64 = tx.query_row(
                "SELECT coalesce((SELECT position FROM saved_views WHERE reviewer = ?1 AND name = ?2),
                                 (SELECT coalesce(max(position), 0) + 1 FROM saved_views WHERE reviewer = ?1))",
                [reviewer, name],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO saved_views (reviewer, name, position, filter) VALUES (?, ?, ?, ?)",
                params![reviewer, name, position, filter],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}
