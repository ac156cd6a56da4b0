//! The queue: a page of it, how many match a filter, the counts at its head, and the
//! SQL of a page with its query plan.

use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;

use super::SqliteStore;
use super::rows::{ROW_COLUMNS, queue_row, ts};
use crate::{CountBounds, QueueCounts, QueueQuery, QueueRow, SortKey, StoreError, StoreResult};
use shenhe_domain::state::State;

pub(super) fn page(
    conn: &Connection,
    query: &QueueQuery,
    offset: u64,
    limit: u64,
    now: DateTime<FixedOffset>,
) -> StoreResult<Vec<QueueRow>> {
    let (sql, values) = page_sql(query, offset, limit, now);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(values), queue_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(super) fn count(conn: &Connection, query: &QueueQuery) -> StoreResult<u64> {
    let (filter, values) = where_clause(query);
    let sql = format!("SELECT count(*) FROM applications a {filter}");
    conn.prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(values), |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(StoreError::from)
}

pub(super) fn counts(conn: &Connection, b: CountBounds) -> StoreResult<QueueCounts> {
    let one = |sql: &str, args: &[i64]| -> StoreResult<u64> {
        conn.prepare_cached(sql)?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(StoreError::from)
    };
    Ok(QueueCounts {
        // Pending, overdue and due today: the states whose review clock runs
        // (State::UNDER_REVIEW).
        pending_review: one(
            "SELECT count(*) FROM applications WHERE state IN ('pending_review', 'pending_second_approval')",
            &[],
        )?,
        overdue: one(
            "SELECT count(*) FROM applications WHERE state IN ('pending_review', 'pending_second_approval') AND due_ts < ?",
            &[ts(b.now)],
        )?,
        due_today: one(
            "SELECT count(*) FROM applications WHERE state IN ('pending_review', 'pending_second_approval') AND due_ts >= ? AND due_ts <= ?",
            &[ts(b.now), ts(b.end_of_today)],
        )?,
        pending_verification: one(
            "SELECT count(*) FROM applications WHERE state = 'pending_verification'",
            &[],
        )?,
        verification_lapsed: one(
            "SELECT count(*) FROM applications WHERE state = 'pending_verification' AND submitted_ts < ?",
            &[ts(b.verification_cutoff)],
        )?,
    })
}

impl SqliteStore {
    /// The query plan (the detail lines of `EXPLAIN QUERY PLAN`) of the very SQL that
    /// [`Store::page`](crate::Store::page) runs for `query`: for tests that a page is read
    /// from an index.
    pub fn page_plan(
        &self,
        query: &QueueQuery,
        offset: u64,
        limit: u64,
        now: DateTime<FixedOffset>,
    ) -> StoreResult<Vec<String>> {
        let (sql, values) = page_sql(query, offset, limit, now);
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        stmt.query_map(rusqlite::params_from_iter(values), |r| {
            r.get::<_, String>(3)
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::from)
    }
}

/// The WHERE clause and its parameters for a query.
fn where_clause(q: &QueueQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut clauses = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if !q.states.is_empty() {
        let marks = vec!["?"; q.states.len()].join(", ");
        clauses.push(format!("a.state IN ({marks})"));
        values.extend(q.states.iter().map(|s| Value::Text(s.id().to_string())));
    }
    if let Some(product) = &q.product {
        clauses.push("a.product = ?".into());
        values.push(Value::Text(product.clone()));
    }
    if let Some(group) = &q.group {
        clauses.push("a.product_group = ?".into());
        values.push(Value::Text(group.clone()));
    }
    if let Some(before) = q.due_before {
        clauses.push("a.due_ts < ?".into());
        values.push(Value::Integer(ts(before)));
    }
    if let Some(from) = q.due_from {
        clauses.push("a.due_ts >= ?".into());
        values.push(Value::Integer(ts(from)));
    }
    if let Some(before) = q.submitted_before {
        clauses.push("a.submitted_ts < ?".into());
        values.push(Value::Integer(ts(before)));
    }
    if q.failing {
        clauses.push("a.failed > 0".into());
    }
    if let Some(reviewer) = &q.assigned_to {
        clauses.push("a.id IN (SELECT application_id FROM assignments WHERE reviewer = ?)".into());
        values.push(Value::Text(reviewer.clone()));
    }
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        clauses.push(
            "(a.merchant LIKE ?1s ESCAPE '\\' OR a.id LIKE ?1s ESCAPE '\\' OR a.url LIKE ?1s ESCAPE '\\' OR a.account LIKE ?1s ESCAPE '\\')"
                .replace("?1s", "?"),
        );
        for _ in 0..4 {
            values.push(Value::Text(pattern.clone()));
        }
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, values)
}

/// The SQL of a queue page and its parameters: what [`Store::page`](crate::Store::page)
/// runs, and what [`SqliteStore::page_plan`] explains.
fn page_sql(
    query: &QueueQuery,
    offset: u64,
    limit: u64,
    now: DateTime<FixedOffset>,
) -> (String, Vec<rusqlite::types::Value>) {
    // First the ids of the page, from the indexes alone, then their rows. With several
    // states, `state IN (…) ORDER BY due_ts` cannot walk one index in order: SQLite
    // read and sorted every matching row (seconds on a million). One arm a state,
    // each walking (state, due_ts, id) in order, merged by UNION ALL, reads only what
    // the page needs.
    let dir = if query.descending { "DESC" } else { "ASC" };
    let key = match query.sort {
        SortKey::Due => "a.due_ts",
        SortKey::Submitted => "a.submitted_ts",
        SortKey::Merchant => "a.merchant",
    };
    // Every state is every arm: the (state, due_ts, id) index serves "all states" too.
    let mut states = if query.states.is_empty() {
        State::ALL.to_vec()
    } else {
        query.states.clone()
    };
    states.sort_by(|a, b| a.id().cmp(b.id()));
    states.dedup();
    let arms: Vec<QueueQuery> = if states.len() > 1 {
        states
            .iter()
            .map(|s| QueueQuery {
                states: vec![*s],
                ..query.clone()
            })
            .collect()
    } else {
        vec![query.clone()]
    };
    let mut values = Vec::new();
    let mut selects = Vec::with_capacity(arms.len());
    for arm in &arms {
        let (filter, arm_values) = where_clause(arm);
        selects.push(format!(
            "SELECT a.id AS id, {key} AS k FROM applications a {filter}"
        ));
        values.extend(arm_values);
    }
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM ({} ORDER BY k {dir}, id {dir} LIMIT ? OFFSET ?) p
         JOIN applications a ON a.id = p.id
         LEFT JOIN claims c ON c.application_id = a.id AND c.expires_ts > ?
         ORDER BY p.k {dir}, p.id {dir}",
        selects.join(" UNION ALL ")
    );
    // SQLite's integers are signed: an offset past i64::MAX (as typed, or wrapped) must
    // not become a negative one, which SQLite reads as none at all: the first page.
    values.push(rusqlite::types::Value::Integer(saturating_i64(limit)));
    values.push(rusqlite::types::Value::Integer(saturating_i64(offset)));
    values.push(rusqlite::types::Value::Integer(ts(now)));
    (sql, values)
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
