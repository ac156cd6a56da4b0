//! Kept counters (schema step 5, issue 16): how many applications each state has, by the
//! hour of their due time (`count_due`) and of their submission (`count_submitted`), as
//! the SQLite store keeps them (its schema 3, `sqlite/derived.rs`). The console's header
//! (`counts`) and a plain filter's total (`count`) add whole hours up from them and count
//! rows only inside the hour an instant splits, through the (state, instant) indexes: a
//! constant amount of work however many applications, where a scan of a million took
//! ~900 ms.
//!
//! They are kept by STATEMENT-level AFTER triggers on `applications` that read the
//! statement's transition tables (`REFERENCING NEW TABLE … OLD TABLE …`): one grouped
//! upsert a statement, so the import's COPY of 20,000 rows costs one statement, not 20,000
//! row triggers. An hour is `ts / 3600`: PostgreSQL's integer division truncates toward
//! zero, and instants are after 2000 (the import refuses earlier submissions), so it is
//! the floor [`kept`] computes with `div_euclid`.
//!
//! Concurrency: a counter row is hot (every decision due in one hour moves the same row).
//! The trigger function first takes the chain lock (`CHAIN_LOCK`, re-entrant within a
//! transaction), and every writer of `applications` in this crate takes it before its
//! first write (`write::lock_chain`; `update_derived` too), so counter rows are only ever
//! written by the one transaction holding that lock: no two transactions can wait on each
//! other's counter rows. A writer outside shenhe (a person in psql) waits for the lock
//! like any decision; the upserts go in (state, hour) order all the same.

use postgres::types::ToSql;

use crate::rows::ts;
use crate::{PgStore, db_error};
use shenhe_store::kept::{Kept, UNDER_REVIEW, VERIFICATION, counted, split};
use shenhe_store::{CountBounds, QueueCounts, QueueQuery, StoreResult};

/// Schema step 5: the counter tables, their trigger, and the counters of the rows there
/// are. The triggers are made first: CREATE TRIGGER locks `applications` against writers
/// until this migration commits, so the counts made next miss no write. The number in
/// `pg_advisory_xact_lock` is [`crate::CHAIN_LOCK`] (a test holds them equal).
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE count_due (
        state TEXT NOT NULL,
        hour BIGINT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (state, hour)
    );
    CREATE TABLE count_submitted (
        state TEXT NOT NULL,
        hour BIGINT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (state, hour)
    );

    CREATE FUNCTION shenhe_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- The chain lock (write.rs), held by every shenhe writer already: counter rows
        -- are written by one transaction at a time.
        PERFORM pg_advisory_xact_lock(6001122705993433090);
        IF TG_OP = 'INSERT' THEN
            INSERT INTO count_due (state, hour, n)
                SELECT state, due_ts / 3600, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (state, hour) DO UPDATE SET n = count_due.n + excluded.n;
            INSERT INTO count_submitted (state, hour, n)
                SELECT state, submitted_ts / 3600, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (state, hour) DO UPDATE SET n = count_submitted.n + excluded.n;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO count_due (state, hour, n)
                SELECT state, due_ts / 3600, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (state, hour) DO UPDATE SET n = count_due.n + excluded.n;
            INSERT INTO count_submitted (state, hour, n)
                SELECT state, submitted_ts / 3600, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (state, hour) DO UPDATE SET n = count_submitted.n + excluded.n;
        ELSE
            -- Only what moved: a row whose state and hours stay adds 1 and takes 1 away
            -- from the same counter, and no counter row is touched.
            INSERT INTO count_due (state, hour, n)
                SELECT state, hour, sum(d) FROM (
                    SELECT state, due_ts / 3600 AS hour, 1 AS d FROM new_rows
                    UNION ALL SELECT state, due_ts / 3600, -1 FROM old_rows) moved
                GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
                ON CONFLICT (state, hour) DO UPDATE SET n = count_due.n + excluded.n;
            INSERT INTO count_submitted (state, hour, n)
                SELECT state, hour, sum(d) FROM (
                    SELECT state, submitted_ts / 3600 AS hour, 1 AS d FROM new_rows
                    UNION ALL SELECT state, submitted_ts / 3600, -1 FROM old_rows) moved
                GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
                ON CONFLICT (state, hour) DO UPDATE SET n = count_submitted.n + excluded.n;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER applications_count_insert AFTER INSERT ON applications
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_count();
    CREATE TRIGGER applications_count_update AFTER UPDATE ON applications
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_count();
    CREATE TRIGGER applications_count_delete AFTER DELETE ON applications
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_count();

    INSERT INTO count_due (state, hour, n)
        SELECT state, due_ts / 3600, count(*) FROM applications GROUP BY 1, 2;
    INSERT INTO count_submitted (state, hour, n)
        SELECT state, submitted_ts / 3600, count(*) FROM applications GROUP BY 1, 2;
"#;

type Values = Vec<Box<dyn ToSql + Sync>>;

fn mark(values: &mut Values, value: Box<dyn ToSql + Sync>) -> String {
    values.push(value);
    format!("${}", values.len())
}

/// How many applications in `states` have their instant (due or submitted) in
/// `[from, before)` (unbounded where None), as one SQL expression (its parameters pushed
/// on `values`): whole hours from the counters, the parts of an hour at either end
/// through the (state, instant) index (`kept::split`, as the SQLite store counts).
fn kept(
    which: Kept,
    states: &[&str],
    from: Option<i64>,
    before: Option<i64>,
    values: &mut Values,
) -> String {
    let column = which.column();
    let states = mark(
        values,
        Box::new(states.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
    );
    let split = split(from, before);
    let mut parts = Vec::new();
    if let Some((first, last)) = split.hours {
        parts.push(format!(
            "(SELECT coalesce(sum(n), 0)::bigint FROM {} WHERE state = ANY({states}) AND hour >= {} AND hour < {})",
            which.table(),
            mark(values, Box::new(first)),
            mark(values, Box::new(last)),
        ));
    }
    for (f, b) in split.rows {
        let f = mark(values, Box::new(f.unwrap_or(i64::MIN)));
        let b = mark(values, Box::new(b.unwrap_or(i64::MAX)));
        parts.push(format!(
            "(SELECT count(*) FROM applications WHERE state = ANY({states}) AND {column} >= {f} AND {column} < {b})"
        ));
    }
    format!("({})", parts.join(" + "))
}

fn sum(store: &PgStore, expressions: &[String], values: &Values) -> StoreResult<Vec<u64>> {
    let sql = format!("SELECT {}", expressions.join(", "));
    let args: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
    let row = store.conn()?.query_one(&sql, &args).map_err(db_error)?;
    Ok((0..expressions.len())
        .map(|i| row.get::<_, i64>(i).max(0) as u64)
        .collect())
}

/// The counts at the head of the queue, from the counters: one statement, a handful of
/// index look-ups, however many applications.
pub(crate) fn counts(store: &PgStore, b: CountBounds) -> StoreResult<QueueCounts> {
    let now = ts(b.now);
    let mut values = Values::new();
    let expressions = [
        kept(Kept::Due, UNDER_REVIEW, None, None, &mut values),
        kept(Kept::Due, UNDER_REVIEW, None, Some(now), &mut values),
        kept(
            Kept::Due,
            UNDER_REVIEW,
            Some(now),
            Some(ts(b.end_of_today) + 1),
            &mut values,
        ),
        kept(Kept::Due, VERIFICATION, None, None, &mut values),
        kept(
            Kept::Submitted,
            VERIFICATION,
            None,
            Some(ts(b.verification_cutoff)),
            &mut values,
        ),
    ];
    let n = sum(store, &expressions, &values)?;
    Ok(QueueCounts {
        pending_review: n[0],
        overdue: n[1],
        due_today: n[2],
        pending_verification: n[3],
        verification_lapsed: n[4],
    })
}

/// How many match `query`, from the counters, when the query is what they count (states,
/// due bounds, or a submission bound alone: the console's filters); None otherwise (a
/// search, a product or group, failing checks, an assignee: counted by the rows).
pub(crate) fn count(store: &PgStore, query: &QueueQuery) -> StoreResult<Option<u64>> {
    let Some(c) = counted(query) else {
        return Ok(None);
    };
    let mut values = Values::new();
    let expression = kept(c.kept, &c.states, c.from, c.before, &mut values);
    Ok(Some(sum(store, &[expression], &values)?[0]))
}

impl PgStore {
    /// The queue's counts by counting the rows (what `counts` did before schema step 5),
    /// not from the kept counters: for tests and benchmarks that compare the two.
    pub fn recount(&self, b: CountBounds) -> StoreResult<QueueCounts> {
        let row = self.conn()?
            .query_one(
                "SELECT
                    count(*) FILTER (WHERE state IN ('pending_review', 'pending_second_approval')),
                    count(*) FILTER (WHERE state IN ('pending_review', 'pending_second_approval') AND due_ts < $1),
                    count(*) FILTER (WHERE state IN ('pending_review', 'pending_second_approval') AND due_ts >= $1 AND due_ts <= $2),
                    count(*) FILTER (WHERE state = 'pending_verification'),
                    count(*) FILTER (WHERE state = 'pending_verification' AND submitted_ts < $3)
                 FROM applications
                 WHERE state IN ('pending_review', 'pending_second_approval', 'pending_verification')",
                &[&ts(b.now), &ts(b.end_of_today), &ts(b.verification_cutoff)],
            )
            .map_err(db_error)?;
        let n = |i: usize| row.get::<_, i64>(i) as u64;
        Ok(QueueCounts {
            pending_review: n(0),
            overdue: n(1),
            due_today: n(2),
            pending_verification: n(3),
            verification_lapsed: n(4),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration};
    use shenhe_store::{CountBounds, Store};

    use crate::PgStore;
    use crate::testing::TestServer;

    #[test]
    fn the_trigger_takes_the_chain_lock() {
        assert!(
            super::MIGRATION.contains(&format!("pg_advisory_xact_lock({})", crate::CHAIN_LOCK)),
            "the number in the trigger function is CHAIN_LOCK"
        );
    }

    /// The counts kept against the rows counted, at instants inside hours and on them.
    fn agree(store: &PgStore, when: &str) {
        let start = DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").expect("now");
        for minutes in [-301, -60, 0, 1, 59, 60, 61, 400, 1439] {
            let at = start + Duration::minutes(minutes) + Duration::seconds(minutes % 2 * 30);
            let bounds = CountBounds {
                now: at,
                end_of_today: shenhe_domain::calendar::end_of_today(at),
                verification_cutoff: at - Duration::days(15),
            };
            assert_eq!(
                store.counts(bounds).expect("kept"),
                store.recount(bounds).expect("recount"),
                "{when}: at {at}"
            );
        }
    }

    /// A database of schema step 4 with applications (written before the counters
    /// existed): the upgrade counts them, and the triggers keep the counts from then on.
    #[test]
    fn an_upgrade_counts_the_applications_there_are() {
        let Ok(server) = TestServer::shared() else {
            return;
        };
        let url = server.new_database().expect("a database");
        let store = PgStore::open(&url).expect("open");
        store
            .conn()
            .expect("a connection")
            .batch_execute(
                "DROP TRIGGER applications_count_insert ON applications;
                 DROP TRIGGER applications_count_update ON applications;
                 DROP TRIGGER applications_count_delete ON applications;
                 DROP FUNCTION shenhe_count();
                 DROP TABLE count_due, count_submitted;
                 UPDATE meta SET value = '4' WHERE key = 'schema_version';
                 -- 5,000 applications in four states, due over two days around NOW
                 -- (2026-11-24T02:00:00Z = 1795485600), submitted over a month.
                 INSERT INTO applications (id, revision, version, state, product,
                     product_group, plan, merchant, account, url, submitted_at, submitted_ts,
                     due_ts, failed, manual, derived_version, content_hash, body, changed_at,
                     changed_by)
                 SELECT 'U' || i, 1, 1,
                     (ARRAY['pending_review', 'pending_second_approval',
                            'pending_verification', 'returned'])[i % 4 + 1],
                     'platform_instant', 'platform', 'package_600', 'm', 'a', 'u',
                     '', 1795485600 - (i * 523) % 2592000, 1795485600 + (i * 97) % 172800 - 86400,
                     0, 0, 'test', 'test', '{}', '', 'test'
                 FROM generate_series(1, 5000) i;",
            )
            .expect("back to schema step 4, with rows");
        drop(store);
        let store = PgStore::open(&url).expect("upgraded on opening");
        assert_eq!(
            store.meta("schema_version").expect("meta").as_deref(),
            Some(crate::SCHEMA_VERSION.to_string().as_str())
        );
        let kept: i64 = store
            .conn()
            .expect("a connection")
            .query_one("SELECT sum(n)::bigint FROM count_due", &[])
            .expect("counted")
            .get(0);
        assert_eq!(kept, 5000);
        agree(&store, "after the upgrade");
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").expect("now");
        let rows = store
            .recount(CountBounds {
                now: at,
                end_of_today: shenhe_domain::calendar::end_of_today(at),
                verification_cutoff: at - Duration::days(15),
            })
            .expect("recount");
        assert!(
            rows.overdue > 0 && rows.due_today > 0 && rows.verification_lapsed > 0,
            "the rows exercise every count: {rows:?}"
        );
        store
            .conn()
            .expect("a connection")
            .batch_execute(
                "UPDATE applications SET state = 'pending_review', due_ts = due_ts + 1800
                    WHERE id LIKE 'U1%';
                 DELETE FROM applications WHERE id LIKE 'U2%';",
            )
            .expect("written by hand");
        agree(&store, "after writes by hand");
    }
}
