//! What schema 3 keeps beside the applications (issue 13), always in the same
//! transaction as the write that changes them, by triggers on `applications`:
//!
//! - `search_text`: an FTS5 table with the trigram tokenizer (case-insensitive) over the
//!   merchant's name, the website's address and the account. It finds any substring of
//!   three characters or more through the index (FTS5 reads the trigrams' lists).
//! - `search_grams`: (gram, application) for every pair of adjacent characters of the
//!   merchant's name, lower-cased, and its last character alone: trigrams cannot find
//!   the two-character Chinese names reviewers type (华盛, 锦聚), so a query of one or
//!   two characters reads this table (a two-character query is one key; one character
//!   is a range of keys). Our own table rather than a second FTS5 table fed bigrams:
//!   FTS5's tokenizers are C callbacks that rusqlite does not expose, and a plain
//!   WITHOUT ROWID table is filled by a trigger in SQL alone (any writer, the sqlite3
//!   shell included, keeps it right).
//! - `count_due` / `count_submitted`: how many applications each state has, by the hour
//!   of their due time and of their submission. The header's counts add these up and
//!   count through the index only inside the hour they split (see `queue::counts`).
//!   An hour is `ts / 3600`: instants are after 2000 (the import refuses earlier
//!   submissions), so SQLite's truncating `/` is the floor `queue::kept` computes.
//! - `merchant_key` (a column): the pinyin sort key, computed in Rust
//!   (`shenhe_domain::sortkey`) by the import, the one writer of names.
//!
//! Ids are searched by prefix through `applications_id_nocase`, not here. The search
//! tables name applications by rowid: shenhe never VACUUMs (which could renumber them);
//! `rebuild` makes them again from the applications.

use rusqlite::{Connection, params};

use crate::StoreResult;
use shenhe_domain::sortkey::merchant_key;

/// The longest prefix of a merchant's name its pairs of characters are kept for: more
/// than the whole of any name the import accepts (`limits::NAME_CHARS`, 100).
pub(super) const GRAM_POSITIONS: i64 = 512;

/// How much FTS5 gathers in memory before it writes a segment (its default is 1 MiB):
/// building the index of a million applications merges far fewer segments (10 s rather
/// than 17 s), and memory stays bounded.
const FTS_HASH_BYTES: i64 = 64 << 20;

/// The triggers, by name: dropped by a bulk import (which builds all of it at once at
/// commit, with [`rebuild`]) and made again.
pub(super) const TRIGGERS: &[(&str, &str)] = &[
    (
        "applications_derived_insert",
        "CREATE TRIGGER applications_derived_insert AFTER INSERT ON applications BEGIN
            INSERT INTO search_text (rowid, merchant, url, account)
                VALUES (NEW.rowid, NEW.merchant, NEW.url, NEW.account);
            INSERT OR IGNORE INTO search_grams (gram, app)
                SELECT lower(substr(NEW.merchant, n, 2)), NEW.rowid
                FROM search_positions WHERE n <= length(NEW.merchant);
            INSERT INTO count_due (state, hour, n) VALUES (NEW.state, NEW.due_ts / 3600, 1)
                ON CONFLICT (state, hour) DO UPDATE SET n = n + 1;
            INSERT INTO count_submitted (state, hour, n) VALUES (NEW.state, NEW.submitted_ts / 3600, 1)
                ON CONFLICT (state, hour) DO UPDATE SET n = n + 1;
        END",
    ),
    (
        "applications_derived_delete",
        "CREATE TRIGGER applications_derived_delete AFTER DELETE ON applications BEGIN
            INSERT INTO search_text (search_text, rowid, merchant, url, account)
                VALUES ('delete', OLD.rowid, OLD.merchant, OLD.url, OLD.account);
            DELETE FROM search_grams WHERE app = OLD.rowid AND gram IN
                (SELECT lower(substr(OLD.merchant, n, 2)) FROM search_positions WHERE n <= length(OLD.merchant));
            UPDATE count_due SET n = n - 1 WHERE state = OLD.state AND hour = OLD.due_ts / 3600;
            UPDATE count_submitted SET n = n - 1 WHERE state = OLD.state AND hour = OLD.submitted_ts / 3600;
        END",
    ),
    (
        "applications_search_update",
        "CREATE TRIGGER applications_search_update AFTER UPDATE OF merchant, url, account ON applications
        WHEN OLD.merchant IS NOT NEW.merchant OR OLD.url IS NOT NEW.url OR OLD.account IS NOT NEW.account
        BEGIN
            INSERT INTO search_text (search_text, rowid, merchant, url, account)
                VALUES ('delete', OLD.rowid, OLD.merchant, OLD.url, OLD.account);
            INSERT INTO search_text (rowid, merchant, url, account)
                VALUES (NEW.rowid, NEW.merchant, NEW.url, NEW.account);
            DELETE FROM search_grams WHERE app = OLD.rowid AND gram IN
                (SELECT lower(substr(OLD.merchant, n, 2)) FROM search_positions WHERE n <= length(OLD.merchant));
            INSERT OR IGNORE INTO search_grams (gram, app)
                SELECT lower(substr(NEW.merchant, n, 2)), NEW.rowid
                FROM search_positions WHERE n <= length(NEW.merchant);
        END",
    ),
    (
        "applications_counts_update",
        "CREATE TRIGGER applications_counts_update AFTER UPDATE OF state, due_ts, submitted_ts ON applications
        WHEN OLD.state IS NOT NEW.state OR OLD.due_ts / 3600 IS NOT NEW.due_ts / 3600
            OR OLD.submitted_ts / 3600 IS NOT NEW.submitted_ts / 3600
        BEGIN
            UPDATE count_due SET n = n - 1 WHERE state = OLD.state AND hour = OLD.due_ts / 3600;
            INSERT INTO count_due (state, hour, n) VALUES (NEW.state, NEW.due_ts / 3600, 1)
                ON CONFLICT (state, hour) DO UPDATE SET n = n + 1;
            UPDATE count_submitted SET n = n - 1 WHERE state = OLD.state AND hour = OLD.submitted_ts / 3600;
            INSERT INTO count_submitted (state, hour, n) VALUES (NEW.state, NEW.submitted_ts / 3600, 1)
                ON CONFLICT (state, hour) DO UPDATE SET n = n + 1;
        END",
    ),
];

pub(super) fn create_triggers(tx: &Connection) -> StoreResult<()> {
    for (_, ddl) in TRIGGERS {
        tx.execute_batch(ddl)?;
    }
    Ok(())
}

pub(super) fn drop_triggers(tx: &Connection) -> StoreResult<()> {
    for (name, _) in TRIGGERS {
        tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}"))?;
    }
    Ok(())
}

/// The search index and the counters made again from the applications (a migration, the
/// end of a bulk import, or a repair).
pub(super) fn rebuild(tx: &Connection) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "DELETE FROM search_positions;
         WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < {GRAM_POSITIONS})
         INSERT INTO search_positions (n) SELECT n FROM i;
         INSERT INTO search_text (search_text, rank) VALUES ('hashsize', {FTS_HASH_BYTES});
         INSERT INTO search_text (search_text) VALUES ('rebuild');
         DELETE FROM search_grams;
         INSERT OR IGNORE INTO search_grams (gram, app)
             SELECT lower(substr(a.merchant, p.n, 2)), a.rowid
             FROM applications a JOIN search_positions p ON p.n <= length(a.merchant)
             ORDER BY 1, 2;
         DELETE FROM count_due;
         INSERT INTO count_due (state, hour, n)
             SELECT state, due_ts / 3600, count(*) FROM applications GROUP BY 1, 2;
         DELETE FROM count_submitted;
         INSERT INTO count_submitted (state, hour, n)
             SELECT state, submitted_ts / 3600, count(*) FROM applications GROUP BY 1, 2;"
    ))
}

/// Every application's pinyin key, from its name (an upgrade to schema 3).
pub(super) fn fill_merchant_keys(tx: &Connection) -> StoreResult<()> {
    let names: Vec<(i64, String)> = tx
        .prepare("SELECT rowid, merchant FROM applications")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE applications SET merchant_key = ?2 WHERE rowid = ?1")?;
    for (rowid, name) in names {
        update.execute(params![rowid, merchant_key(&name)])?;
    }
    Ok(())
}
