//! The queue: a page, how many match, the counts at its head. The same SQL as the SQLite
//! store's (one arm a state, each walking (state, key, id) in order, merged), with
//! numbered parameters. The counts, and the total of a filter by state and due or
//! submission time, are added up from kept counters (counters.rs, schema step 5), not
//! counted by a scan. A search finds what SQLite's finds, through indexes of its own
//! (schema step 6, search.rs): few matches are found through them and only they sorted
//! and counted; many walk the queue's index (a page) or check every row (a count).

use chrono::{DateTime, FixedOffset};
use postgres::types::ToSql;

use crate::rows::{ROW_COLUMNS, queue_row, ts};
use crate::{PgStore, search};
use shenhe_domain::state::State;
use shenhe_store::{CountBounds, QueueCounts, QueueQuery, QueueRow, SortKey, StoreResult};

pub(crate) type Values = Vec<Box<dyn ToSql + Sync>>;

pub(crate) fn refs(values: &Values) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v.as_ref()).collect()
}

pub(crate) fn mark(values: &mut Values, value: Box<dyn ToSql + Sync>) -> String {
    values.push(value);
    format!("${}", values.len())
}

pub(crate) fn where_clause(q: &QueueQuery, values: &mut Values) -> String {
    let mut clauses = Vec::new();
    if !q.states.is_empty() {
        let marks: Vec<String> = q
            .states
            .iter()
            .map(|s| mark(values, Box::new(s.id().to_string())))
            .collect();
        clauses.push(format!("a.state IN ({})", marks.join(", ")));
    }
    if let Some(product) = &q.product {
        clauses.push(format!(
            "a.product = {}",
            mark(values, Box::new(product.clone()))
        ));
    }
    if let Some(group) = &q.group {
        clauses.push(format!(
            "a.product_group = {}",
            mark(values, Box::new(group.clone()))
        ));
    }
    if let Some(before) = q.due_before {
        clauses.push(format!("a.due_ts < {}", mark(values, Box::new(ts(before)))));
    }
    if let Some(from) = q.due_from {
        clauses.push(format!("a.due_ts >= {}", mark(values, Box::new(ts(from)))));
    }
    if let Some(before) = q.submitted_before {
        clauses.push(format!(
            "a.submitted_ts < {}",
            mark(values, Box::new(ts(before)))
        ));
    }
    if q.failing {
        clauses.push("a.failed > 0".into());
    }
    if let Some(reviewer) = &q.assigned_to {
        clauses.push(format!(
            "a.id IN (SELECT application_id FROM assignments WHERE reviewer = {})",
            mark(values, Box::new(reviewer.clone()))
        ));
    }
    if let Some(reviewer) = &q.not_assigned_to {
        clauses.push(format!(
            "a.id NOT IN (SELECT application_id FROM assignments WHERE reviewer = {})",
            mark(values, Box::new(reviewer.clone()))
        ));
    }
    if let Some(text) = search::text(q) {
        // As the SQLite store finds (its `hits_cte`), checked row by row: a walk of the
        // queue, or a count of many. Few are found through indexes (search.rs).
        clauses.push(search::scanned(text, values));
    }
    if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    }
}

pub(crate) fn page(
    store: &PgStore,
    query: &QueueQuery,
    offset: u64,
    limit: u64,
    now: DateTime<FixedOffset>,
) -> StoreResult<Vec<QueueRow>> {
    let dir = if query.descending { "DESC" } else { "ASC" };
    let key = match query.sort {
        SortKey::Due => "a.due_ts",
        SortKey::Submitted => "a.submitted_ts",
        SortKey::Merchant => "a.merchant_key",
    };
    // Its pairs of characters, cut once (a round trip) for both questions below.
    let searched = search::text(query)
        .map(|text| search::Pairs::of(store, text).map(|pairs| (text, pairs)))
        .transpose()?;
    if let Some((text, pairs)) = &searched
        && !search::many(store, text, pairs, query)?
    {
        // A search that finds few: they first, through the search's indexes, then only
        // they are sorted. One that finds many walks the queue, as a page without one.
        let plain = QueueQuery {
            search: None,
            ..query.clone()
        };
        let mut values: Values = Vec::new();
        let filter = where_clause(&plain, &mut values);
        let hits = search::hits(text, pairs, &filter, key, &mut values);
        let limit = mark(
            &mut values,
            Box::new(i64::try_from(limit).unwrap_or(i64::MAX)),
        );
        let offset = mark(
            &mut values,
            Box::new(i64::try_from(offset).unwrap_or(i64::MAX)),
        );
        let claims_now = mark(&mut values, Box::new(ts(now)));
        let sql = format!(
            "WITH hits AS MATERIALIZED ({hits})
             SELECT {ROW_COLUMNS} FROM (SELECT id, k FROM hits ORDER BY k {dir}, id {dir} LIMIT {limit} OFFSET {offset}) p
             JOIN applications a ON a.id = p.id
             LEFT JOIN claims c ON c.application_id = a.id AND c.expires_ts > {claims_now}
             ORDER BY p.k {dir}, p.id {dir}"
        );
        let rows = store.interruptible(&mut *store.conn()?, |c| c.query(&sql, &refs(&values)))?;
        return Ok(rows.iter().map(queue_row).collect());
    }
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
    let mut values: Values = Vec::new();
    let mut selects = Vec::with_capacity(arms.len());
    for arm in &arms {
        let filter = where_clause(arm, &mut values);
        // Each arm needs at most offset + limit rows, in order.
        selects.push(format!(
            "(SELECT a.id AS id, {key} AS k FROM applications a {filter} ORDER BY {key} {dir}, a.id {dir} LIMIT {{arm_limit}})"
        ));
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let arm_limit = mark(&mut values, Box::new(limit.saturating_add(offset)));
    let limit = mark(&mut values, Box::new(limit));
    let offset = mark(&mut values, Box::new(offset));
    let claims_now = mark(&mut values, Box::new(ts(now)));
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM (SELECT id, k FROM ({}) u ORDER BY k {dir}, id {dir} LIMIT {limit} OFFSET {offset}) p
         JOIN applications a ON a.id = p.id
         LEFT JOIN claims c ON c.application_id = a.id AND c.expires_ts > {claims_now}
         ORDER BY p.k {dir}, p.id {dir}",
        selects.join(" UNION ALL ").replace("{arm_limit}", &arm_limit)
    );
    let rows = store.interruptible(&mut *store.conn()?, |c| c.query(&sql, &refs(&values)))?;
    Ok(rows.iter().map(queue_row).collect())
}

pub(crate) fn count(store: &PgStore, query: &QueueQuery) -> StoreResult<u64> {
    // The console's filters (states, overdue, due today, past the verification window)
    // are what the kept counters count (counters.rs): no row is read.
    if let Some(n) = crate::counters::count(store, query)? {
        return Ok(n);
    }
    if let Some(text) = search::text(query) {
        let pairs = search::Pairs::of(store, text)?;
        if !search::many(store, text, &pairs, query)? {
            return search::count_few(store, text, &pairs, query);
        }
    }
    let mut values: Values = Vec::new();
    let filter = where_clause(query, &mut values);
    let sql = format!("SELECT count(*) FROM applications a {filter}");
    let n: i64 = store
        .interruptible(&mut *store.conn()?, |c| c.query_one(&sql, &refs(&values)))?
        .get(0);
    Ok(n as u64)
}

/// The counts at the head of the queue, from the kept counters (schema step 5,
/// counters.rs): whole hours added up, rows counted only inside the hour an instant
/// splits. [`PgStore::recount`] counts the rows, for comparison.
pub(crate) fn counts(store: &PgStore, b: CountBounds) -> StoreResult<QueueCounts> {
    crate::counters::counts(store, b)
}
