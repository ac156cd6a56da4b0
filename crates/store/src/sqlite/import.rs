//! The import session: one all-or-nothing transaction. Into an empty database it is a
//! bulk load, under a rollback journal, that builds the secondary indexes at the end.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::SqliteStore;
use super::busy::{is_busy, on_busy};
use super::derived;
use super::rows::{parse_instant, parse_state, ts};
use super::schema::SECONDARY_INDEXES;
use super::write::{append_audit_after, append_event, audit_head, last_entry_at};
use crate::audit::NewAuditEntry;
use crate::{
    Existing, ImportRecord, ImportSession, NewEvent, PauseHook, PausePoint, StoreError, StoreResult,
};

/// The page cache an import may use, in KiB (negative: SQLite's convention for KiB).
/// Bounded (issue 13: the shared host runs consoles beside an import): what does not fit
/// spills to the file before commit. Into an empty database under a rollback journal a
/// spilled page is simply written early (a new page needs nothing in the journal); it
/// was 3 GiB, and a million applications' import peaked at 2 GB.
const IMPORT_CACHE_KIB: i64 = -65_536;
/// SQLite's default page cache, in KiB, for everything but an import.
const DEFAULT_CACHE_KIB: i64 = -2000;
/// The page cache while a bulk import builds its indexes, in KiB. SQLite sizes the chunks
/// its index sorter sorts by the cache: with the import's 3 GiB each index is one
/// in-memory sort on one core, while 4 MiB chunks are sorted on both cores and fit the
/// CPU's caches. About twice as fast on a million rows (benches/core.rs).
const INDEX_SORT_CACHE_KIB: i64 = -4096;

/// What a full, missing or unwritable temporary directory gives.
fn is_temporary_storage_error(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::CannotOpen
            )
    )
}

pub(super) fn begin_import(store: &mut SqliteStore) -> StoreResult<Box<dyn ImportSession + '_>> {
    // An import is one transaction: with SQLite's small default cache its pages spill
    // to the WAL and are read back many times over. Memory is cheaper than that.
    store
        .conn
        .pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
    // Building the indexes at the end sorts a million keys each, on both cores.
    store.conn.pragma_update(None, "threads", 2)?;
    // Loading into an empty database that nobody else has open: the whole file is new,
    // so a rollback journal holds next to nothing and every page is written once. In
    // WAL mode each page would be written twice (to the WAL, then checkpointed). A crash
    // still leaves all or nothing: the next opener rolls the hot journal back.
    let rollback_journal = store.is_empty()? && store.try_journal_mode("delete")?;
    let tx = store.immediate()?;
    let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM applications)", [], |r| {
        r.get(0)
    })?;
    if empty {
        for (name, _) in SECONDARY_INDEXES {
            tx.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
        }
        // The search index and the counters are built at once at commit too.
        derived::drop_triggers(&tx)?;
    }
    let head = audit_head(&tx)?;
    let not_before = last_entry_at(&tx)?;
    Ok(Box::new(SqliteImport {
        conn: &store.conn,
        tx: Some(tx),
        bulk: empty,
        head,
        not_before,
        rollback_journal,
        pause: store.pause.clone(),
        written: 0,
    }))
}

impl SqliteStore {
    fn is_empty(&self) -> StoreResult<bool> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM applications)", [], |r| {
                r.get(0)
            })
            .map_err(StoreError::from)
    }

    /// Switches the journal mode if no other connection is in the way, without waiting
    /// for one: another reviewer's open console simply means the WAL path is taken.
    fn try_journal_mode(&mut self, mode: &str) -> StoreResult<bool> {
        self.conn.busy_handler(None::<fn(i32) -> bool>)?;
        let result: rusqlite::Result<String> =
            self.conn
                .query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get(0));
        self.conn.busy_handler(Some(on_busy))?;
        match result {
            Ok(now) => Ok(now.eq_ignore_ascii_case(mode)),
            Err(e) if is_busy(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// Back to WAL after a bulk load, waiting for it like any writer would.
fn restore_wal(conn: &Connection) -> StoreResult<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        Ok(())
    } else {
        Err(StoreError::Database(format!(
            "could not return to WAL mode after the import (still {mode})"
        )))
    }
}

struct SqliteImport<'a> {
    conn: &'a Connection,
    /// Always Some until committed or dropped.
    tx: Option<Transaction<'a>>,
    /// Loading into an empty database: the secondary indexes are built at commit.
    bulk: bool,
    head: (i64, String),
    /// The last entry's time before this import: no entry of it is earlier.
    not_before: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// The journal was switched from WAL for this import and must be switched back.
    rollback_journal: bool,
    pause: Option<PauseHook>,
    /// Records written so far in this transaction.
    written: u64,
}

impl Drop for SqliteImport<'_> {
    fn drop(&mut self) {
        // Not committed: roll back first, then the journal mode can change again.
        drop(self.tx.take());
        if self.rollback_journal {
            let _ = restore_wal(self.conn);
        }
        let _ = restore_cache(self.conn);
    }
}

/// The connection's cache as it was before the import: a later transaction on it must
/// spill to the file rather than grow without bound.
fn restore_cache(conn: &Connection) -> StoreResult<()> {
    conn.pragma_update(None, "cache_spill", true)?;
    conn.pragma_update(None, "cache_size", DEFAULT_CACHE_KIB)
        .map_err(StoreError::from)
}

impl SqliteImport<'_> {
    fn tx(&self) -> &Transaction<'_> {
        self.tx
            .as_ref()
            .expect("the transaction lives until commit or drop")
    }

    fn write(
        &mut self,
        rec: ImportRecord<'_>,
        mut audit: NewAuditEntry,
        event: NewEvent,
        new: bool,
    ) -> StoreResult<()> {
        if let Some(last) = self.not_before {
            audit.at = audit.at.max(last);
        }
        let app = rec.app;
        let body = rec.body;
        let sql = if new {
            "INSERT INTO applications (id, revision, state, product, product_group, plan, merchant, account, url,
                submitted_at, submitted_ts, due_ts, failed, manual, derived_version, content_hash, body, changed_at, changed_by, reviewable_at, merchant_key, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, 1)"
        } else {
            "UPDATE applications SET revision = ?2, state = ?3, product = ?4, product_group = ?5, plan = ?6, merchant = ?7,
                account = ?8, url = ?9, submitted_at = ?10, submitted_ts = ?11, due_ts = ?12, failed = ?13, manual = ?14,
                derived_version = ?15, content_hash = ?16, body = ?17, changed_at = ?18, changed_by = ?19, reviewable_at = ?20,
                merchant_key = ?21, version = version + 1
             WHERE id = ?1"
        };
        self.tx().prepare_cached(sql)?.execute(params![
            app.id,
            rec.revision,
            rec.state.id(),
            app.product,
            rec.group,
            app.plan,
            app.applicant.name,
            app.applicant.account,
            app.url().unwrap_or(""),
            app.submitted_at.to_rfc3339(),
            ts(app.submitted_at),
            ts(rec.derived.due_at),
            rec.derived.failed,
            rec.derived.manual,
            rec.derived.policy_version,
            rec.content_hash,
            body,
            audit.at.to_rfc3339(),
            audit.actor,
            rec.reviewable_at.map(|at| at.to_rfc3339()),
            shenhe_domain::sortkey::merchant_key(&app.applicant.name),
        ])?;
        let head = std::mem::take(&mut self.head);
        let entry = append_audit_after(self.tx(), head, audit)?;
        append_event(self.tx(), &entry, &event)?;
        self.head = (entry.seq, entry.hash);
        self.written += 1;
        if let Some(pause) = &self.pause {
            pause(PausePoint::ImportRecord(self.written));
        }
        Ok(())
    }
}

impl ImportSession for SqliteImport<'_> {
    fn existing(&mut self, id: &str) -> StoreResult<Option<Existing>> {
        // Loading into an empty database, and ids are unique within a file.
        if self.bulk {
            return Ok(None);
        }
        let row: Option<(String, u32, i64, String, String)> = self
            .tx()
            .prepare_cached("SELECT state, revision, version, content_hash, submitted_at FROM applications WHERE id = ?")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .optional()?;
        row.map(|(state, revision, version, content_hash, submitted)| {
            Ok(Existing {
                state: parse_state(&state)?,
                revision,
                version,
                content_hash,
                submitted_at: parse_instant(&submitted)?,
            })
        })
        .transpose()
    }

    fn insert(
        &mut self,
        record: ImportRecord<'_>,
        audit: NewAuditEntry,
        event: NewEvent,
    ) -> StoreResult<()> {
        self.write(record, audit, event, true)
    }

    fn replace(
        &mut self,
        record: ImportRecord<'_>,
        audit: NewAuditEntry,
        event: NewEvent,
    ) -> StoreResult<()> {
        self.tx().execute(
            "INSERT OR REPLACE INTO previous_revisions (application_id, revision, state, body)
                 SELECT id, revision, state, body FROM applications WHERE id = ?",
            [&record.app.id],
        )?;
        self.write(record, audit, event, false)
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if self.bulk {
            // The sorter's chunks go to temporary files, as in-memory temporary storage
            // would make it sort everything at once; the cache stays small, spilling.
            let tx = self.tx();
            tx.pragma_update(None, "temp_store", "FILE")?;
            tx.pragma_update(None, "cache_size", INDEX_SORT_CACHE_KIB)?;
            for (_, ddl) in SECONDARY_INDEXES {
                match tx.execute_batch(ddl) {
                    Ok(()) => {}
                    // A temporary directory too small or not writable: sort in memory, on
                    // one core, rather than fail the import. SQLite undid just the one
                    // statement unless it says it rolled the whole transaction back.
                    Err(e) if is_temporary_storage_error(&e) && !self.conn.is_autocommit() => {
                        tx.pragma_update(None, "temp_store", "MEMORY")?;
                        tx.pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
                        tx.execute_batch(ddl)?;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            match derived::rebuild(tx) {
                Ok(()) => {}
                // As for the indexes: a temporary directory too small, sort in memory.
                Err(e) if is_temporary_storage_error(&e) && !self.conn.is_autocommit() => {
                    tx.pragma_update(None, "temp_store", "MEMORY")?;
                    derived::rebuild(tx)?;
                }
                Err(e) => return Err(e.into()),
            }
            derived::create_triggers(tx)?;
        }
        if let Some(pause) = &self.pause {
            pause(PausePoint::ImportCommit);
        }
        let tx = self.tx.take().expect("committed once");
        tx.commit()?;
        if std::mem::take(&mut self.rollback_journal) {
            restore_wal(self.conn)?;
        }
        Ok(())
    }
}
