//! The lead's console (issue 14) on PostgreSQL: the queue's figures and a period's
//! decisions, assignments, and saved views. The same reads as the SQLite store's
//! (`shenhe_store::sqlite::stats`): the queue's figures from the (state, due_ts, id) and
//! (state, submitted_ts, id) indexes, intake from `audit_action_at`, decisions from
//! `decision_facts`, kept by a trigger on the audit trail (schema step 4).

use chrono::{DateTime, FixedOffset};
use postgres::types::ToSql;

use crate::rows::{china_text, parse_instant, ts};
use crate::write::{append_audit, lock_chain};
use crate::{PgStore, db_error};
use shenhe_domain::calendar::china;
use shenhe_store::{
    DecisionRow, NewAssignment, SavedView, StatsBounds, StatsSnapshot, StoreError, StoreResult,
};

fn one(store: &PgStore, sql: &str, args: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
    let n: i64 = store.conn()?.query_one(sql, args).map_err(db_error)?.get(0);
    Ok(n as u64)
}

pub(crate) fn snapshot(store: &PgStore, b: &StatsBounds) -> StoreResult<StatsSnapshot> {
    let mut s = StatsSnapshot {
        pending_verification: one(
            store,
            "SELECT count(*) FROM applications WHERE state = 'pending_verification'",
            &[],
        )?,
        verification_lapsed: one(
            store,
            "SELECT count(*) FROM applications WHERE state = 'pending_verification' AND submitted_ts < $1",
            &[&ts(b.verification_cutoff)],
        )?,
        ..StatsSnapshot::default()
    };
    // What is under review, by state and due time (the end of a day: few values); every
    // count of it is summed from these groups.
    let rows = store
        .conn()?
        .query(
            "SELECT state, due_ts, count(*) FROM applications
             WHERE state IN ('pending_review', 'pending_second_approval')
             GROUP BY state, due_ts ORDER BY due_ts",
            &[],
        )
        .map_err(db_error)?;
    s.count_under_review(
        rows.iter()
            .map(|row| (row.get(0), row.get(1), row.get::<_, i64>(2) as u64)),
        b,
    );
    // Intake a day: a range of the (action, at) index a day, as the SQLite store counts
    // it (audit times are RFC 3339 in China time, so text order is time order).
    let mut day = b.intake_since.with_timezone(&china()).date_naive();
    let last = b.now.with_timezone(&china()).date_naive();
    while day <= last {
        let next = day.succ_opt().expect("dates stay far from chrono's limits");
        let from = shenhe_domain::calendar::start_of_day(day).to_rfc3339();
        let to = shenhe_domain::calendar::start_of_day(next).to_rfc3339();
        let n = one(
            store,
            "SELECT count(*) FROM audit WHERE action IN ('submit', 'resubmit')
               AND at COLLATE \"C\" >= $1 AND at COLLATE \"C\" < $2",
            &[&from, &to],
        )?;
        if n > 0 {
            s.intake_by_day.push((day, n));
        }
        day = next;
    }
    Ok(s)
}

pub(crate) fn decisions(
    store: &PgStore,
    since: DateTime<FixedOffset>,
    until: Option<DateTime<FixedOffset>>,
    full: bool,
    visit: &mut dyn FnMut(DecisionRow) -> bool,
) -> StoreResult<()> {
    let since = china_text(since);
    // A text past every China-time RFC 3339 instant (the column compares byte by byte).
    let until = until.map_or_else(|| "9".to_string(), china_text);
    let columns = if full {
        "f.seq, f.application_id, f.revision, f.at, f.actor, f.action, f.from_state,
         f.to_state, f.reasons, d.message, d.note, a.merchant, a.product,
         f.reviewable_at, f.entered_queue_at
         FROM decision_facts f JOIN audit d ON d.seq = f.seq
              LEFT JOIN applications a ON a.id = f.application_id"
    } else {
        "f.seq, f.application_id, f.revision, f.at, f.actor, f.action, f.from_state,
         f.to_state, f.reasons, NULL::text, NULL::text, NULL::text, NULL::text,
         f.reviewable_at, f.entered_queue_at
         FROM decision_facts f"
    };
    // In pages along the (at, seq) key, as `audit_chain` walks the trail: a long period
    // is never held at once, and no borrow of the connection is held while `visit` runs.
    let sql = format!(
        "SELECT {columns}
         WHERE f.at >= $1 AND f.at < $2 AND (f.at, f.seq) > ($3, $4)
         ORDER BY f.at, f.seq LIMIT $5"
    );
    const PAGE: i64 = 10_000;
    let (mut after_at, mut after_seq) = (String::new(), i64::MIN);
    loop {
        let rows = store
            .conn()?
            .query(&sql, &[&since, &until, &after_at, &after_seq, &PAGE])
            .map_err(db_error)?;
        for r in &rows {
            let at: String = r.get(3);
            let reasons: String = r.get(8);
            let reviewable: Option<String> = r.get(13);
            let entered: Option<String> = r.get(14);
            let row = DecisionRow {
                seq: r.get(0),
                application_id: r.get(1),
                revision: r.get::<_, i64>(2) as u32,
                at: parse_instant(&at)?,
                actor: r.get(4),
                action: r.get(5),
                from_state: r.get(6),
                to_state: r.get(7),
                reasons: serde_json::from_str(&reasons)
                    .map_err(|e| StoreError::Schema(format!("bad reasons `{reasons}`: {e}")))?,
                message: r.get(9),
                note: r.get(10),
                merchant: r.get(11),
                product: r.get(12),
                reviewable_at: reviewable.as_deref().map(parse_instant).transpose()?,
                entered_queue_at: entered.as_deref().map(parse_instant).transpose()?,
            };
            (after_at, after_seq) = (at, row.seq);
            if !visit(row) {
                return Ok(());
            }
        }
        if (rows.len() as i64) < PAGE {
            return Ok(());
        }
    }
}

/// Every assignment with its audit entry and its event, in one transaction holding the
/// chain lock; an unknown id writes nothing.
pub(crate) fn assign(store: &mut PgStore, assignments: &[NewAssignment]) -> StoreResult<u64> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    lock_chain(&mut tx)?;
    for a in assignments {
        let current = tx
            .query_opt(
                "SELECT state, revision FROM applications WHERE id = $1",
                &[&a.id],
            )
            .map_err(db_error)?;
        let Some(current) = current else {
            return Err(StoreError::NotFound(a.id.clone()));
        };
        let state: String = current.get(0);
        let revision: i64 = current.get(1);
        let mut audit = a.audit.clone();
        audit.revision = revision as u32;
        // No state changes: the entry has none, so replaying the trail (audit verify)
        // neither moves the state nor counts a version for it.
        audit.from_state = None;
        audit.to_state = None;
        let entry = append_audit(&mut tx, audit)?;
        let at = china_text(entry.entry.at);
        tx.execute(
            "INSERT INTO assignments (application_id, reviewer, assigned_at, assigned_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (application_id) DO UPDATE
                SET reviewer = excluded.reviewer, assigned_at = excluded.assigned_at,
                    assigned_by = excluded.assigned_by",
            &[&a.id, &a.reviewer, &at, &entry.entry.actor],
        )
        .map_err(db_error)?;
        // The event names the state the application stays in, before and after; its id
        // is the next after the newest (the chain lock is held).
        tx.execute(
            "INSERT INTO events (id, type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash)
             SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5, $5, $6, $7, $8, $9 FROM events",
            &[
                &a.event.kind.id(),
                &at,
                &a.id,
                &revision,
                &state,
                &entry.entry.actor,
                &a.event.data.to_string(),
                &entry.seq,
                &entry.hash,
            ],
        )
        .map_err(db_error)?;
    }
    tx.commit().map_err(db_error)?;
    Ok(assignments.len() as u64)
}

pub(crate) fn assignee(store: &PgStore, id: &str) -> StoreResult<Option<String>> {
    Ok(store
        .conn()?
        .query_opt(
            "SELECT reviewer FROM assignments WHERE application_id = $1",
            &[&id],
        )
        .map_err(db_error)?
        .map(|r| r.get(0)))
}

pub(crate) fn saved_views(store: &PgStore, reviewer: &str) -> StoreResult<Vec<SavedView>> {
    let rows = store.conn()?
        .query(
            "SELECT name, position, filter FROM saved_views WHERE reviewer = $1 ORDER BY position, name",
            &[&reviewer],
        )
        .map_err(db_error)?;
    Ok(rows
        .iter()
        .map(|r| SavedView {
            name: r.get(0),
            position: r.get::<_, i64>(1) as u32,
            filter: r.get(2),
        })
        .collect())
}

pub(crate) fn put_saved_view(
    store: &mut PgStore,
    reviewer: &str,
    name: &str,
    filter: Option<&str>,
) -> StoreResult<()> {
    let mut conn = store.conn()?;
    let mut tx = conn.transaction().map_err(db_error)?;
    match filter {
        None => {
            tx.execute(
                "DELETE FROM saved_views WHERE reviewer = $1 AND name = $2",
                &[&reviewer, &name],
            )
            .map_err(db_error)?;
        }
        Some(filter) => {
            // Two sessions of one reviewer saving a new view at once would take the same
            // position: the reviewer's rows are locked first (a new reviewer's first
            // view cannot collide with anything but the primary key, which refuses it).
            tx.execute(
                "SELECT 1 FROM saved_views WHERE reviewer = $1 FOR UPDATE",
                &[&reviewer],
            )
            .map_err(db_error)?;
            tx.execute(
                "INSERT INTO saved_views (reviewer, name, position, filter)
                 VALUES ($1, $2,
                         (SELECT coalesce(max(position), 0) + 1 FROM saved_views WHERE reviewer = $1),
                         $3)
                 ON CONFLICT (reviewer, name) DO UPDATE SET filter = excluded.filter",
                &[&reviewer, &name, &filter],
            )
            .map_err(db_error)?;
        }
    }
    tx.commit().map_err(db_error)
}
