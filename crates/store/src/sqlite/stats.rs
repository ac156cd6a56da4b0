//! The lead's console (issue 14): the queue's figures and a period's decisions for
//! statistics and exports, assignments, and saved views. Every figure is read from an
//! index: the queue's from `applications_state_due` and `applications_state_submitted`,
//! intake and decisions from `audit_action_at` (schema 3).

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::rows::{from_ts, parse_instant, ts};
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
    let by_state = "SELECT count(*) FROM applications WHERE state = ?";
    // One state at a time: each count is one range of the (state, due_ts, id) index.
    let due_between =
        "SELECT count(*) FROM applications WHERE state = ?1 AND due_ts >= ?2 AND due_ts <= ?3";
    let mut s = StatsSnapshot {
        pending_review: one(conn, by_state, &[&"pending_review"])?,
        second_approval: one(conn, by_state, &[&"pending_second_approval"])?,
        pending_verification: one(conn, by_state, &[&"pending_verification"])?,
        verification_lapsed: one(
            conn,
            "SELECT count(*) FROM applications WHERE state = 'pending_verification' AND submitted_ts < ?",
            &[&ts(b.verification_cutoff)],
        )?,
        ..StatsSnapshot::default()
    };
    let mut by_due: std::collections::BTreeMap<i64, u64> = Default::default();
    for state in UNDER_REVIEW {
        s.overdue += one(conn, due_between, &[&state, &i64::MIN, &(ts(b.now) - 1)])?;
        s.due_today += one(
            conn,
            due_between,
            &[&state, &ts(b.now), &ts(b.end_of_today)],
        )?;
        s.due_tomorrow += one(
            conn,
            due_between,
            &[&state, &(ts(b.end_of_today) + 1), &ts(b.end_of_tomorrow)],
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT due_ts, count(*) FROM applications WHERE state = ? GROUP BY due_ts ORDER BY due_ts",
        )?;
        let rows = stmt.query_map([state], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (due, n) = row?;
            *by_due.entry(due).or_default() += n as u64;
        }
    }
    s.waiting_by_due = by_due
        .into_iter()
        .map(|(due, n)| (from_ts(due), n))
        .collect();
    // Audit times are RFC 3339 in China time (the clock's), so their first ten
    // characters are the China day, and text order is time order.
    let since = b.intake_since.with_timezone(&china()).to_rfc3339();
    let mut by_day: std::collections::BTreeMap<NaiveDate, u64> = Default::default();
    for action in ["submit", "resubmit"] {
        let mut stmt = conn.prepare_cached(
            "SELECT substr(at, 1, 10), count(*) FROM audit WHERE action = ? AND at >= ? GROUP BY 1",
        )?;
        let rows = stmt.query_map(params![action, since], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (day, n) = row?;
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map_err(|e| StoreError::Schema(format!("bad audit time `{day}`: {e}")))?;
            *by_day.entry(day).or_default() += n as u64;
        }
    }
    s.intake_by_day = by_day.into_iter().collect();
    Ok(s)
}

pub(super) fn decisions(
    conn: &Connection,
    since: DateTime<FixedOffset>,
    until: Option<DateTime<FixedOffset>>,
    visit: &mut dyn FnMut(DecisionRow) -> bool,
) -> StoreResult<()> {
    let since = since.with_timezone(&china()).to_rfc3339();
    // A text past every China-time RFC 3339 instant.
    let until = until.map_or_else(
        || "9".to_string(),
        |u| u.with_timezone(&china()).to_rfc3339(),
    );
    let mut stmt = conn.prepare_cached(
        "SELECT d.seq, d.application_id, d.revision, d.at, d.actor, d.action, d.from_state,
                d.to_state, d.reasons, d.message, d.note, a.merchant, a.product,
                CASE WHEN a.revision = d.revision THEN a.reviewable_at END,
                (SELECT b.at FROM audit b
                  WHERE b.application_id = d.application_id AND b.seq < d.seq
                    AND b.to_state = 'pending_review'
                    AND b.action IN ('submit', 'resubmit', 'verified', 'reopen')
                  ORDER BY b.seq DESC LIMIT 1)
         FROM audit d LEFT JOIN applications a ON a.id = d.application_id
         WHERE d.action IN ('approve', 'return', 'expire') AND d.at >= ?1 AND d.at < ?2
         ORDER BY d.seq",
    )?;
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
