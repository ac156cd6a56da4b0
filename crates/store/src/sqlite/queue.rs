//! The queue: a page of it, how many match a filter, the counts at its head, and the
//! SQL of a page with its query plan.

use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;

use super::SqliteStore;
use super::rows::{ROW_COLUMNS, queue_row, ts};
use crate::kept::{Kept, UNDER_REVIEW, VERIFICATION, counted, split};
use crate::{CountBounds, QueueCounts, QueueQuery, QueueRow, SortKey, StoreError, StoreResult};
use shenhe_domain::state::State;

pub(super) fn page(
    conn: &Connection,
    query: &QueueQuery,
    offset: u64,
    limit: u64,
    now: DateTime<FixedOffset>,
) -> StoreResult<Vec<QueueRow>> {
    let (sql, values) = page_sql(query, offset, limit, now, reading(conn, query, false)?);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(values), queue_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(super) fn count(conn: &Connection, query: &QueueQuery) -> StoreResult<u64> {
    // The console's filters (states, overdue, due today, past the verification window)
    // are what the kept counters count: no row is read (the first frame's total).
    if let Some(c) = counted(query) {
        return kept(conn, c.kept, &c.states, c.from, c.before);
    }
    let read = reading(conn, query, true)?;
    let (with, mut values) = hits_cte(query);
    let (filter, filter_values) = where_clause(query, read);
    values.extend(filter_values);
    let from = if read == Reading::Joined {
        "hits CROSS JOIN applications a ON a.rowid = hits.rid"
    } else {
        "applications a"
    };
    let sql = format!("{with} SELECT count(*) FROM {from} {filter}");
    conn.prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(values), |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(StoreError::from)
}

/// The counts at the head of the queue, from the counters schema 3 keeps (per state and
/// hour of the due time or the submission): whole hours are added up from them, and only
/// the hour that `now` (or the end of today, or the verification cut-off) splits is
/// counted through the index. A constant amount of work, however many applications.
pub(super) fn counts(conn: &Connection, b: CountBounds) -> StoreResult<QueueCounts> {
    let now = ts(b.now);
    Ok(QueueCounts {
        pending_review: kept(conn, Kept::Due, UNDER_REVIEW, None, None)?,
        overdue: kept(conn, Kept::Due, UNDER_REVIEW, None, Some(now))?,
        due_today: kept(
            conn,
            Kept::Due,
            UNDER_REVIEW,
            Some(now),
            Some(ts(b.end_of_today) + 1),
        )?,
        pending_verification: kept(conn, Kept::Due, VERIFICATION, None, None)?,
        verification_lapsed: kept(
            conn,
            Kept::Submitted,
            VERIFICATION,
            None,
            Some(ts(b.verification_cutoff)),
        )?,
    })
}

/// The same counts by counting the rows (what `counts` did before schema 3): the
/// reference the kept counters are compared with in tests and the benchmark.
pub(super) fn recount(conn: &Connection, b: CountBounds) -> StoreResult<QueueCounts> {
    let one = |sql: &str, args: &[i64]| -> StoreResult<u64> {
        conn.prepare_cached(sql)?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(StoreError::from)
    };
    Ok(QueueCounts {
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

/// How many applications in `states` have their instant (due or submitted) in
/// `[from, before)` (unbounded where None): whole hours from the counters, the parts of
/// an hour at either end through the (state, instant) index (`kept::split`).
fn kept(
    conn: &Connection,
    which: Kept,
    states: &[&str],
    from: Option<i64>,
    before: Option<i64>,
) -> StoreResult<u64> {
    let split = split(from, before);
    let mut total = 0u64;
    for state in states {
        if let Some((first, last)) = split.hours {
            let sum: i64 = conn
                .prepare_cached(&format!(
                    "SELECT coalesce(sum(n), 0) FROM {} WHERE state = ? AND hour >= ? AND hour < ?",
                    which.table()
                ))?
                .query_row(rusqlite::params![state, first, last], |r| r.get(0))?;
            total += sum.max(0) as u64;
        }
        for (f, b) in &split.rows {
            total += indexed(conn, which.column(), state, *f, *b)?;
        }
    }
    Ok(total)
}

/// Rows of `state` with `column` in `[from, before)`, counted through its index.
fn indexed(
    conn: &Connection,
    column: &str,
    state: &str,
    from: Option<i64>,
    before: Option<i64>,
) -> StoreResult<u64> {
    conn.prepare_cached(&format!(
        "SELECT count(*) FROM applications WHERE state = ? AND {column} >= ? AND {column} < ?"
    ))?
    .query_row(
        rusqlite::params![state, from.unwrap_or(i64::MIN), before.unwrap_or(i64::MAX)],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .map_err(StoreError::from)
}

impl SqliteStore {
    /// The queue's counts by counting rows, not from the kept counters: for tests and
    /// benchmarks that compare the two.
    pub fn recount(&self, bounds: CountBounds) -> StoreResult<QueueCounts> {
        recount(&self.conn, bounds)
    }

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
        let (sql, values) = page_sql(
            query,
            offset,
            limit,
            now,
            reading(&self.conn, query, false)?,
        );
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        stmt.query_map(rusqlite::params_from_iter(values), |r| {
            r.get::<_, String>(3)
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::from)
    }
}

/// The WHERE clause and its parameters for a query.
fn where_clause(q: &QueueQuery, read: Reading) -> (String, Vec<rusqlite::types::Value>) {
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
    if let Some(reviewer) = &q.not_assigned_to {
        clauses
            .push("a.id NOT IN (SELECT application_id FROM assignments WHERE reviewer = ?)".into());
        values.push(Value::Text(reviewer.clone()));
    }
    if search_text(q).is_some() && read == Reading::Walked {
        // The matches are the `hits` of `hits_cte`; `+` keeps SQLite from reading the
        // rows by them (the queue's index is walked, and each row looked up in them).
        clauses.push("+a.rowid IN (SELECT rid FROM hits)".into());
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, values)
}

/// How a search is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Its matches first, joined to their rows and sorted: few matches.
    Joined,
    /// The queue's index walked in order, each row kept if it matches: many matches (a
    /// first page is found within the first rows of the queue, where sorting them would
    /// read every match: "有限公司" matches 736,115 of a million). Also every query
    /// without a search.
    Walked,
}

/// From this many matches, or a twentieth of all applications, a search's page walks
/// the queue; its count only from a twentieth (counting walks every row of the queue's
/// states, where joining costs a look-up a match).
const WALK_FROM: u64 = 10_000;

/// How a search's page (`for_count`: its count) is read, from how many it matches.
fn reading(conn: &Connection, q: &QueueQuery, for_count: bool) -> StoreResult<Reading> {
    let (with, values) = hits_cte(q);
    if with.is_empty() {
        return Ok(Reading::Walked);
    }
    let matches: i64 = conn
        .prepare_cached(&format!("{with} SELECT count(*) FROM hits"))?
        .query_row(rusqlite::params_from_iter(values), |r| r.get(0))?;
    let all: i64 = conn
        .prepare_cached("SELECT coalesce(sum(n), 0) FROM count_due")?
        .query_row([], |r| r.get(0))?;
    let (matches, all) = (matches.max(0) as u64, all.max(0) as u64);
    let dense = matches.saturating_mul(20) > all;
    Ok(if dense || (!for_count && matches >= WALK_FROM) {
        Reading::Walked
    } else {
        Reading::Joined
    })
}

fn search_text(q: &QueueQuery) -> Option<&str> {
    q.search.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// `WITH hits(rid) AS (…)`: the rowids of the applications a search finds, through the
/// indexes of schema 3 (see `derived`), and its parameters; empty without a search.
///
/// - an id that starts with the text, letters' case aside (`applications_id_nocase`);
/// - a merchant's name, website address or account that holds it: from three characters
///   on through the trigram index (`search_text`), case-insensitive;
/// - one or two characters: a merchant's name that holds them (`search_grams`).
fn hits_cte(q: &QueueQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let Some(text) = search_text(q) else {
        return (String::new(), Vec::new());
    };
    let mut values = Vec::new();
    let names = match text.chars().count() {
        1 => {
            let lower = text.to_ascii_lowercase();
            values.push(Value::Text(lower.clone()));
            values.push(Value::Text(format!("{lower}{}", char::MAX)));
            "SELECT app FROM search_grams WHERE gram >= ? AND gram < ?"
        }
        2 => {
            values.push(Value::Text(text.to_ascii_lowercase()));
            "SELECT app FROM search_grams WHERE gram = ?"
        }
        _ => {
            values.push(Value::Text(format!("\"{}\"", text.replace('"', "\"\""))));
            "SELECT rowid FROM search_text WHERE search_text MATCH ?"
        }
    };
    // Ids hold ASCII letters, digits, '-' and '_', all below U+007F.
    values.push(Value::Text(text.to_string()));
    values.push(Value::Text(format!("{text}\u{7f}")));
    (
        format!(
            "WITH hits(rid) AS ({names} UNION SELECT rowid FROM applications WHERE id >= ? COLLATE NOCASE AND id < ? COLLATE NOCASE)"
        ),
        values,
    )
}

/// The SQL of a queue page and its parameters: what [`Store::page`](crate::Store::page)
/// runs, and what [`SqliteStore::page_plan`] explains.
fn page_sql(
    query: &QueueQuery,
    offset: u64,
    limit: u64,
    now: DateTime<FixedOffset>,
    read: Reading,
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
        SortKey::Merchant => "a.merchant_key",
    };
    let (with, mut values) = hits_cte(query);
    if !with.is_empty() && read == Reading::Joined {
        // A search with few matches: they first, then only they are sorted (however
        // the filter and the order would walk the queue's indexes).
        let (filter, filter_values) = where_clause(query, read);
        values.extend(filter_values);
        let sql = format!(
            "{with} SELECT {ROW_COLUMNS} FROM (
                SELECT a.id AS id, {key} AS k FROM hits CROSS JOIN applications a ON a.rowid = hits.rid
                {filter} ORDER BY k {dir}, id {dir} LIMIT ? OFFSET ?) p
             JOIN applications a ON a.id = p.id
             LEFT JOIN claims c ON c.application_id = a.id AND c.expires_ts > ?
             ORDER BY p.k {dir}, p.id {dir}"
        );
        values.push(rusqlite::types::Value::Integer(saturating_i64(limit)));
        values.push(rusqlite::types::Value::Integer(saturating_i64(offset)));
        values.push(rusqlite::types::Value::Integer(ts(now)));
        return (sql, values);
    }
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
    let mut selects = Vec::with_capacity(arms.len());
    for arm in &arms {
        let (filter, arm_values) = where_clause(arm, read);
        selects.push(format!(
            "SELECT a.id AS id, {key} AS k FROM applications a {filter}"
        ));
        values.extend(arm_values);
    }
    let sql = format!(
        "{with} SELECT {ROW_COLUMNS} FROM ({} ORDER BY k {dir}, id {dir} LIMIT ? OFFSET ?) p
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
