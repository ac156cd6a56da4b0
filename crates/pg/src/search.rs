//! A search of the queue through indexes (issue 16): what SQLite's search finds (its
//! `queue::hits_cte`, schema 3), found the same way, by pairs of characters.
//!
//! - an id that starts with the text, letters' case aside: `applications_id_lower`, a
//!   b-tree on `lower(id)` (byte order: ids are ASCII), read as a range;
//! - one or two characters: a merchant's name that holds them, ASCII letters in either
//!   case. `applications_search_name` is a GIN index over `shenhe_name_grams(merchant)`:
//!   every character of the name and every pair of adjacent ones, ASCII-lower-cased as
//!   SQLite's `lower()` does. The text is one key of it: the index's answer is the
//!   answer (SQLite reads a range of pairs for one character; here the characters are
//!   keys of their own);
//! - three characters or more: a merchant's name, website address or account that holds
//!   them, in either case (as FTS5's trigram index finds them). `applications_search_text`
//!   is a GIN index over `shenhe_text_grams(merchant, url, account)`, every pair of
//!   adjacent characters of each, lower-cased: the rows holding ALL the text's pairs are
//!   the candidates (GIN intersects their lists), each then checked against its row
//!   (`strpos(lower(…), lower(text))`).
//!
//! Why GIN over arrays rather than `pg_trgm`, or a table of pairs kept by triggers:
//! `pg_trgm` takes CJK characters for non-word characters in a database whose LC_CTYPE
//! is C (so 华盛 never reaches its index), and `CREATE EXTENSION` wants a privilege a DBA
//! may not give; GIN and its `text[]` operator class are PostgreSQL's core, the pairs are
//! cut by our own SQL functions whatever the locale. A table of (pair, application) would
//! hold some 50,000,000 rows for a million applications (tens of bytes each, and its
//! primary key as much again); the GIN indexes keep one compressed list of rows a key,
//! 54 MiB and 111 MiB on the benchmark's million (`lower(id)`: 69 MiB), and PostgreSQL
//! keeps them in every write, COPY, UPDATE and DELETE (a `psql` session's included), in
//! the writer's transaction, with no trigger of ours. What they cost is the bulk import:
//! 41 s without them, 122–127 s with them (`cargo bench --bench postgres`).
//!
//! How a page is read depends on how many the search finds, counted up to
//! [`WALK_FROM`] first (through the indexes): few, and their rows are found through the
//! indexes and only they sorted (and counted); many (a text nearly every name holds:
//! "有限公司"), and the queue's own index is walked in order, each row kept if it
//! matches, so the page fills within the queue's first rows rather than sorting every
//! match, and a count checks every row (a scan: cheaper than a million look-ups).
//!
//! The grams functions are never called on a row by a query: their results are in the
//! indexes, and a call costs some 10 µs (a scan calling one: seconds on a million). Only
//! the conditions that use the indexes name them (in [`hits`] and [`many`]); a row is
//! checked by `strpos`. They are declared costly (COST 1000) so that the planner, asked
//! for rows by a condition naming one, reads the index rather than scan.
//!
//! Case: ASCII letters in either case everywhere. A non-ASCII letter's other case (É, Ａ)
//! is found by a text of three characters or more only where the database's LC_CTYPE
//! knows it (a UTF-8 locale; not C), where SQLite's FTS5 always folds it.

use crate::queue::{Values, mark, refs, where_clause};
use crate::rows::column_text;
use crate::{PgStore, db_error};
use shenhe_store::QueueQuery;
use shenhe_store::StoreResult;

/// Schema step 6: the functions that cut names into keys, and the three indexes (built
/// from the rows already there as they are created). Made whether or not they are there
/// (OR REPLACE, IF NOT EXISTS): a database put back to an earlier step by hand, as tests
/// do, may still hold them.
pub(crate) const MIGRATION: &str = r#"
    CREATE OR REPLACE FUNCTION shenhe_name_grams(t TEXT) RETURNS TEXT[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
        SELECT string_to_array(l, NULL)
            || ARRAY(SELECT substr(l, n, 2) FROM generate_series(1, length(l) - 1) n)
        FROM (SELECT lower(t COLLATE "C") AS l) s
    $$;
    CREATE OR REPLACE FUNCTION shenhe_text_grams(merchant TEXT, url TEXT, account TEXT) RETURNS TEXT[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
        SELECT ARRAY(SELECT substr(x, n, 2)
            FROM unnest(ARRAY[lower(merchant COLLATE "default"), lower(url COLLATE "default"),
                              lower(account COLLATE "default")]) x,
                 generate_series(1, length(x) - 1) n)
    $$;
    CREATE INDEX IF NOT EXISTS applications_search_name ON applications
        USING gin (shenhe_name_grams(merchant));
    CREATE INDEX IF NOT EXISTS applications_search_text ON applications
        USING gin (shenhe_text_grams(merchant, url, account));
    CREATE INDEX IF NOT EXISTS applications_id_lower ON applications (lower(id));
"#;

/// From this many matches a page walks the queue's index (as SQLite's `WALK_FROM`).
pub(crate) const WALK_FROM: i64 = 10_000;

/// The text searched for, trimmed; None without one.
pub(crate) fn text(q: &QueueQuery) -> Option<&str> {
    q.search.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The condition a row of `applications a` meets when the search finds it, checked row
/// by row (no index): what a walk of the queue filters by, and a count of many.
pub(crate) fn scanned(text: &str, values: &mut Values) -> String {
    let (id, names) = conditions(text, values, None);
    format!("({id} OR {names})")
}

/// The two halves of the condition, the id's and the names': `indexed`, the names' half
/// leads with the GIN index's operator (for a bitmap of the index, each row then
/// checked); else it only checks the row. A grams function is never called on a row
/// (some 10 µs: seconds on a million): the index holds their results.
fn conditions(text: &str, values: &mut Values, indexed: Option<&Pairs>) -> (String, String) {
    // A NUL is kept as ␀ in the columns (PostgreSQL's TEXT holds none): so searched for.
    let text = &*column_text(text);
    // Ids hold ASCII letters, digits, '-' and '_', all below U+007F: those starting with
    // the text are the range [text, text + U+007F) of `lower(id)` in byte order.
    let lower = text.to_ascii_lowercase();
    let from = mark(values, Box::new(lower.clone()));
    let to = mark(values, Box::new(format!("{lower}\u{7f}")));
    let id = format!("(lower(a.id) >= {from} AND lower(a.id) < {to})");
    let names = if text.chars().count() <= 2 {
        if indexed.is_some() {
            // The key is the answer: every character and pair of the name is one.
            let key = mark(values, Box::new(vec![lower]));
            format!("shenhe_name_grams(a.merchant) @> {key}")
        } else {
            // `merchant` is COLLATE "C": lower() changes ASCII letters only, as SQLite's.
            let low = mark(values, Box::new(lower));
            format!("strpos(lower(a.merchant), {low}) > 0")
        }
    } else {
        let t = mark(values, Box::new(text.to_string()));
        let check = format!(
            "(strpos(lower(a.merchant COLLATE \"default\"), lower({t})) > 0
              OR strpos(lower(a.url), lower({t})) > 0
              OR strpos(lower(a.account), lower({t})) > 0)"
        );
        match indexed {
            Some(pairs) => {
                let pairs = mark(values, Box::new(pairs.0.clone()));
                format!("shenhe_text_grams(a.merchant, a.url, a.account) @> {pairs} AND {check}")
            }
            None => check,
        }
    };
    (id, names)
}

/// The pairs of adjacent characters of a text, lower-cased by the server as
/// `shenhe_text_grams` lower-cases a row's: the keys of `applications_search_text` a row
/// holding the text holds. Cut here from the server's `lower()`, not by an SQL function
/// called in the query: the first call of an SQL function in a session costs some 25 ms
/// (a command is a session), where this is one round trip.
pub(crate) struct Pairs(Vec<String>);

impl Pairs {
    pub(crate) fn of(store: &PgStore, text: &str) -> StoreResult<Pairs> {
        if text.chars().count() <= 2 {
            // Read from `applications_search_name` by the text itself.
            return Ok(Pairs(Vec::new()));
        }
        let text = &*column_text(text);
        let lower: String = store
            .conn()?
            .query_one("SELECT lower($1::text COLLATE \"default\")", &[&text])
            .map_err(db_error)?
            .get(0);
        let chars: Vec<char> = lower.chars().collect();
        Ok(Pairs(
            chars.windows(2).map(|w| w.iter().collect()).collect(),
        ))
    }
}

/// `filter` (a WHERE clause, or nothing) and one more condition.
fn and(filter: &str, condition: &str) -> String {
    if filter.is_empty() {
        format!("WHERE {condition}")
    } else {
        format!("{filter} AND {condition}")
    }
}

/// The (id, k) of the applications `plain` (the query without its search, its WHERE
/// clause `filter`) and the search find, through the indexes: those whose id starts with
/// the text, and those whose names hold it (the GIN index's rows, each checked).
pub(crate) fn hits(
    text: &str,
    pairs: &Pairs,
    filter: &str,
    key: &str,
    values: &mut Values,
) -> String {
    let (id, names) = conditions(text, values, Some(pairs));
    format!(
        "SELECT a.id AS id, {key} AS k FROM applications a {}
         UNION SELECT a.id AS id, {key} AS k FROM applications a {}",
        and(filter, &id),
        and(filter, &names)
    )
}

/// From this many matches by the planner's estimate (the GIN index's statistics: how
/// often each key is in a name), a search is taken for many without counting them:
/// counting "有限公司" through the index (736,115 of a million) reads every row's key in
/// it, 0.2 s, where a walk of the queue fills a page in a few milliseconds. Five times
/// [`WALK_FROM`]: an estimate of several keys multiplies their frequencies, so it is low
/// when they go together, and a rarer text is counted.
const SURELY_MANY: f64 = 5.0 * WALK_FROM as f64;

/// Whether the search of `query` finds at least [`WALK_FROM`] applications: surely, by
/// the planner's estimate; else counted up to there only, through the indexes.
pub(crate) fn many(
    store: &PgStore,
    text: &str,
    pairs: &Pairs,
    query: &QueueQuery,
) -> StoreResult<bool> {
    let plain = QueueQuery {
        search: None,
        ..query.clone()
    };
    let mut values: Values = Vec::new();
    let filter = where_clause(&plain, &mut values);
    let (id, names) = conditions(text, &mut values, Some(pairs));
    let (id, names) = (and(&filter, &id), and(&filter, &names));
    let plan = store
        .conn()?
        .query(
            &format!(
                "EXPLAIN SELECT 1 FROM applications a {id}
                 UNION ALL SELECT 1 FROM applications a {names}"
            ),
            &refs(&values),
        )
        .map_err(db_error)?;
    if plan
        .first()
        .and_then(|row| estimated_rows(&row.get::<_, String>(0)))
        .is_some_and(|rows| rows >= SURELY_MANY)
    {
        return Ok(true);
    }
    let sql = format!(
        "SELECT count(*) FROM (
            (SELECT 1 FROM applications a {id} LIMIT {WALK_FROM})
            UNION ALL (SELECT 1 FROM applications a {names} LIMIT {WALK_FROM})) m"
    );
    let n: i64 = store
        .interruptible(&mut *store.conn()?, |c| c.query_one(&sql, &refs(&values)))?
        .get(0);
    Ok(n >= WALK_FROM)
}

/// The rows a plan's top line estimates (`… (cost=… rows=N width=…)`).
fn estimated_rows(line: &str) -> Option<f64> {
    let at = line.find(" rows=")? + " rows=".len();
    let digits: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}

/// How many the search of `query` finds, when they are few (not [`many`]): its hits
/// counted. Many are counted by a scan (`queue::count`), checking each row.
pub(crate) fn count_few(
    store: &PgStore,
    text: &str,
    pairs: &Pairs,
    query: &QueueQuery,
) -> StoreResult<u64> {
    let plain = QueueQuery {
        search: None,
        ..query.clone()
    };
    let mut values: Values = Vec::new();
    let filter = where_clause(&plain, &mut values);
    let hits = hits(text, pairs, &filter, "a.due_ts", &mut values);
    let n: i64 = store
        .interruptible(&mut *store.conn()?, |c| {
            c.query_one(&format!("SELECT count(*) FROM ({hits}) h"), &refs(&values))
        })?
        .get(0);
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::estimated_rows;

    #[test]
    fn a_plans_estimate_is_read_from_its_top_line() {
        assert_eq!(
            estimated_rows(
                "Bitmap Heap Scan on applications a  (cost=3733.66..1059018.68 rows=404076 width=4)"
            ),
            Some(404_076.0)
        );
        assert_eq!(
            estimated_rows("Gather  (cost=1000.00..209820.17 rows=1 width=4)"),
            Some(1.0)
        );
        assert_eq!(estimated_rows("Result  (cost=0.00..0.01 width=4)"), None);
    }
}
