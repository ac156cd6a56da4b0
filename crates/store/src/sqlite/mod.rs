//! The SQLite store: one file, WAL, a busy timeout, foreign keys on, schema versioned with
//! `PRAGMA user_version`. Every command opens it the same way, through [`SqliteStore::open`].
//!
//! Opening a database and the [`Store`] implementation are here; each operation is
//! carried out in the submodule of its kind.

mod busy;
mod deliveries;
mod derived;
mod drafts;
mod events;
mod import;
mod probes;
mod queue;
mod read;
mod roles;
mod rows;
mod schema;
mod stats;
mod write;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::audit::{AuditEntry, NewAuditEntry};
use super::{
    Claim, CountBounds, DeliveryFailure, DeliveryRow, Derived, Disagreement, EventRecord,
    ImportSession, PauseHook, ProbeRecord, QueueCounts, QueueQuery, QueueRow, Reviewer,
    StateChange, Store, StoreError, StoreResult, StoredApplication,
};
use super::{DecisionRow, NewAssignment, SavedView, StatsBounds, StatsSnapshot};
use busy::{is_busy, on_busy};
use shenhe_domain::checks::Judgement;

pub use busy::{BUSY_TIMEOUT, busy_retries};
pub use schema::SCHEMA_VERSION;

/// How long opening a database waits for a first bulk load to finish.
const BULK_LOAD_WAIT: Duration = Duration::from_secs(600);

pub struct SqliteStore {
    conn: Connection,
    /// Tests only: called inside open write transactions (see [`PauseHook`]).
    pause: Option<PauseHook>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let created = !path.exists();
        // An empty file (made by `touch`, or left by a failed first open) is a database
        // not made yet: it gets the mode of a new one, whatever the umask gave it.
        if !created && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            set_group_mode(path)?;
        }
        if created {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Database(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            create_group_file(path)?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
        Self::configure(conn)
    }

    /// Opens an existing database for reading only (a copy on read-only storage, a file
    /// this account may read but not write): nothing in the file changes, its journal mode
    /// and schema included. Its schema must be this build's.
    pub fn open_read_only(path: &Path) -> StoreResult<SqliteStore> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let open = |immutable: bool| -> StoreResult<SqliteStore> {
            let uri = file_uri(path, immutable);
            let mut conn = Connection::open_with_flags(&uri, flags).map_err(|e| {
                StoreError::Database(format!("cannot open {}: {e}", path.display()))
            })?;
            conn.busy_handler(Some(on_busy))?;
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version != SCHEMA_VERSION {
                return Err(StoreError::Schema(format!(
                    "schema version {version}, this shenhe reads {SCHEMA_VERSION}: read-only, it cannot be upgraded here"
                )));
            }
            Ok(SqliteStore { conn, pause: None })
        };
        // A WAL database needs its shared-memory file, which a read-only directory cannot
        // hold: then it is read as immutable (nobody can be writing to such storage).
        match open(false) {
            Err(StoreError::ReadOnly) => open(true),
            Err(StoreError::Database(m)) if m.contains("unable to open") => open(true),
            other => other,
        }
    }

    /// A private in-memory database, for tests of the layers above.
    pub fn in_memory() -> StoreResult<SqliteStore> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(mut conn: Connection) -> StoreResult<SqliteStore> {
        conn.busy_handler(Some(on_busy))?;
        let schema_error = |e: rusqlite::Error| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                StoreError::Schema("the file is not a shenhe database (not SQLite)".into())
            }
            // A WAL database whose shared-memory file cannot be made here: read-only.
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::CannotOpen => {
                StoreError::ReadOnly
            }
            other => other.into(),
        };
        // A first load into an empty database runs under a rollback journal and holds the
        // file until it commits (see `begin_import`); whoever opens it meanwhile waits for
        // that, however long it takes, rather than failing.
        let started = Instant::now();
        loop {
            // Another program's database is refused before anything in it changes (even
            // its journal mode, which is written in the file's header).
            let foreign = conn.query_row(
                "SELECT (SELECT user_version FROM pragma_user_version) = 0
                    AND EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table')",
                [],
                |r| r.get::<_, bool>(0),
            );
            let configured = match foreign {
                Ok(true) => {
                    return Err(StoreError::Schema(
                        "the file is an SQLite database, but not a shenhe one".into(),
                    ));
                }
                Ok(false) => conn.pragma_update(None, "journal_mode", "WAL"),
                Err(e) => Err(e),
            };
            match configured {
                Ok(()) => break,
                Err(e) if is_busy(&e) && started.elapsed() < BULK_LOAD_WAIT => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(schema_error(e)),
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = SqliteStore { conn, pause: None };
        store.migrate()?;
        Ok(store)
    }

    /// Tests only: `hook` is called at the [`PausePoint`](crate::PausePoint)s, inside the
    /// open transaction.
    pub fn set_pause(&mut self, hook: Option<PauseHook>) {
        self.pause = hook;
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(unix)]
fn create_group_file(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // Group-writable so that reviewers sharing a group can all write; never world-readable.
    // SQLite gives the -wal and -shm files the same permissions as the database.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o660)
        .open(path)
        .and_then(|file| {
            // The umask (often 022) would take the group's write bit away again.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o660))
        })
        .or_else(|e| match e.kind() {
            // Another reviewer's shenhe created it a moment ago: theirs has the same mode.
            std::io::ErrorKind::AlreadyExists => Ok(()),
            _ => Err(e),
        })
        .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", path.display())))
}

#[cfg(not(unix))]
fn create_group_file(_: &Path) -> StoreResult<()> {
    Ok(())
}

/// `path` as an SQLite URI (`?`, `#` and `%` escaped), read-only and, if asked, immutable.
fn file_uri(path: &Path, immutable: bool) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=ro");
    if immutable {
        uri.push_str("&immutable=1");
    }
    uri
}

#[cfg(unix)]
fn set_group_mode(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(|e| {
        StoreError::Database(format!("cannot set the mode of {}: {e}", path.display()))
    })
}

#[cfg(not(unix))]
fn set_group_mode(_: &Path) -> StoreResult<()> {
    Ok(())
}

impl Store for SqliteStore {
    fn begin_import(&mut self) -> StoreResult<Box<dyn ImportSession + '_>> {
        import::begin_import(self)
    }

    fn get(&self, id: &str) -> StoreResult<Option<StoredApplication>> {
        read::get(&self.conn, id)
    }

    fn page(
        &self,
        query: &QueueQuery,
        offset: u64,
        limit: u64,
        now: DateTime<FixedOffset>,
    ) -> StoreResult<Vec<QueueRow>> {
        queue::page(&self.conn, query, offset, limit, now)
    }

    fn count(&self, query: &QueueQuery) -> StoreResult<u64> {
        queue::count(&self.conn, query)
    }

    fn counts(&self, b: CountBounds) -> StoreResult<QueueCounts> {
        queue::counts(&self.conn, b)
    }

    fn events_after(&self, after: i64, limit: u64) -> StoreResult<Vec<EventRecord>> {
        events::after(&self.conn, after, limit)
    }

    fn last_event_id(&self) -> StoreResult<i64> {
        events::last_id(&self.conn)
    }

    fn change_state(
        &mut self,
        change: StateChange,
        derived: Option<&Derived>,
    ) -> StoreResult<AuditEntry> {
        write::change_state(self, change, derived)
    }

    fn judge(
        &mut self,
        id: &str,
        expected_version: i64,
        revision: u32,
        j: &Judgement,
        derived: &Derived,
        audit: NewAuditEntry,
    ) -> StoreResult<AuditEntry> {
        write::judge(self, id, expected_version, revision, j, derived, audit)
    }

    fn judgements(&self, id: &str, revision: u32) -> StoreResult<Vec<Judgement>> {
        read::judgements(&self.conn, id, revision)
    }

    fn record(&mut self, audit: NewAuditEntry) -> StoreResult<AuditEntry> {
        write::record(self, audit)
    }

    fn history(&self, id: &str) -> StoreResult<Vec<AuditEntry>> {
        read::history(&self.conn, id)
    }

    fn audit_chain(&self, visit: &mut dyn FnMut(&AuditEntry) -> bool) -> StoreResult<()> {
        read::audit_chain(&self.conn, visit)
    }

    fn audit_disagreements(&self, limit: u64) -> StoreResult<Vec<Disagreement>> {
        read::audit_disagreements(&self.conn, limit)
    }

    fn audit_head(&self) -> StoreResult<Option<(i64, String)>> {
        Ok(Some(write::audit_head(&self.conn)?).filter(|(seq, _)| *seq > 0))
    }

    fn audit_hash_at(&self, seq: i64) -> StoreResult<Option<String>> {
        read::audit_hash_at(&self.conn, seq)
    }

    fn stale_derived(
        &self,
        policy_version: &str,
        after: Option<&str>,
        limit: u64,
    ) -> StoreResult<Vec<StoredApplication>> {
        read::stale_derived(&self.conn, policy_version, after, limit)
    }

    fn update_derived(&mut self, updates: &[(String, Derived)]) -> StoreResult<()> {
        write::update_derived(self, updates)
    }

    fn claim(&mut self, claim: &Claim, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>> {
        write::claim(self, claim, now)
    }

    fn release(&mut self, id: &str, session: &str) -> StoreResult<()> {
        write::release(&self.conn, id, session)
    }

    fn claim_of(&self, id: &str, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>> {
        write::claim_in(&self.conn, id, now)
    }

    fn data_version(&self) -> StoreResult<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(StoreError::from)
    }

    fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?", [key], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [key, value],
            )
            .map(|_| ())
            .map_err(StoreError::from)
    }

    // ---- lifecycle rules (effective directly) ----

    fn product_effective(
        &self,
        account: &str,
        product: &str,
        except_id: &str,
    ) -> StoreResult<bool> {
        // Read from the (account, product) index of schema 2.
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM applications WHERE account = ? AND product = ? AND state = 'effective' AND id <> ?)",
            )?
            .query_row([account, product, except_id], |r| r.get(0))
            .map_err(StoreError::from)
    }

    // ---- integration, reviewers and reopening (roles) ----
    fn change_states(
        &mut self,
        changes: &mut dyn Iterator<Item = StateChange>,
    ) -> StoreResult<u64> {
        roles::change_states(self, changes)
    }

    fn reopen(&mut self, change: StateChange, derived: &Derived) -> StoreResult<AuditEntry> {
        roles::reopen(self, change, derived)
    }

    fn reviewers(&self) -> StoreResult<Vec<Reviewer>> {
        roles::reviewers(&self.conn)
    }

    fn put_reviewer(
        &mut self,
        reviewer: &Reviewer,
        audit: Option<NewAuditEntry>,
    ) -> StoreResult<()> {
        roles::put_reviewer(self, reviewer, audit)
    }

    fn remove_reviewer(&mut self, name: &str, audit: NewAuditEntry) -> StoreResult<()> {
        roles::remove_reviewer(self, name, audit)
    }

    // ---- webhook delivery (`shenhe deliver`) ----

    fn delivery(&self, endpoint: &str) -> StoreResult<Option<DeliveryRow>> {
        deliveries::get(&self.conn, endpoint)
    }

    fn deliveries(&self) -> StoreResult<Vec<DeliveryRow>> {
        deliveries::all(&self.conn)
    }

    fn delivery_failures(&self, endpoint: &str, limit: u64) -> StoreResult<Vec<DeliveryFailure>> {
        deliveries::failures(&self.conn, endpoint, limit)
    }

    fn delivery_failure_count(&self, endpoint: &str) -> StoreResult<u64> {
        deliveries::failure_count(&self.conn, endpoint)
    }

    fn count_events_after(&self, after: i64) -> StoreResult<u64> {
        deliveries::count_events_after(&self.conn, after)
    }

    fn delivery_advance(
        &mut self,
        endpoint: &str,
        event_id: i64,
        failure: Option<&DeliveryFailure>,
        at: DateTime<FixedOffset>,
    ) -> StoreResult<()> {
        deliveries::advance(self, endpoint, event_id, failure, at)
    }

    fn delivery_retry(
        &mut self,
        endpoint: &str,
        position: i64,
        error: &str,
        at: DateTime<FixedOffset>,
    ) -> StoreResult<()> {
        deliveries::retry(self, endpoint, position, error, at)
    }

    fn record_probe(&mut self, probe: &ProbeRecord) -> StoreResult<()> {
        probes::record(self, probe)
    }

    fn latest_probe(&self, id: &str) -> StoreResult<Option<ProbeRecord>> {
        probes::latest(&self.conn, id)
    }

    fn unprobed(&self, limit: u64) -> StoreResult<Vec<(String, u32)>> {
        probes::unprobed(&self.conn, limit)
    }

    fn previous_revision(
        &self,
        id: &str,
        revision: u32,
    ) -> StoreResult<Option<shenhe_domain::application::Application>> {
        read::previous_revision(&self.conn, id, revision)
    }

    fn save_draft(
        &mut self,
        reviewer: &str,
        id: &str,
        draft: &shenhe_domain::drafts::Draft,
    ) -> StoreResult<()> {
        drafts::save(self, reviewer, id, draft)
    }

    fn draft(&self, reviewer: &str, id: &str) -> StoreResult<Option<shenhe_domain::drafts::Draft>> {
        drafts::get(&self.conn, reviewer, id)
    }

    fn discard_draft(&mut self, reviewer: &str, id: &str) -> StoreResult<()> {
        drafts::discard(self, reviewer, id)
    }

    fn set_interrupt(&mut self, check: Option<Box<dyn FnMut() -> bool + Send>>) {
        // Asked every 100 virtual-machine steps (a microsecond or so of a query).
        let _ = self.conn.progress_handler(100, check);
    }

    fn delivery_clear_failures(&mut self, endpoint: &str) -> StoreResult<u64> {
        self.conn
            .execute(
                "DELETE FROM delivery_failures WHERE endpoint = ?",
                [endpoint],
            )
            .map(|n| n as u64)
            .map_err(StoreError::from)
    }

    // ---- statistics, assignment, saved views (issue 14) ----

    fn stats_snapshot(&self, bounds: &StatsBounds) -> StoreResult<StatsSnapshot> {
        stats::snapshot(&self.conn, bounds)
    }

    fn decisions(
        &self,
        since: DateTime<FixedOffset>,
        until: Option<DateTime<FixedOffset>>,
        full: bool,
        visit: &mut dyn FnMut(DecisionRow) -> bool,
    ) -> StoreResult<()> {
        stats::decisions(&self.conn, since, until, full, visit)
    }

    fn assign(&mut self, assignments: &[NewAssignment]) -> StoreResult<u64> {
        stats::assign(self, assignments)
    }

    fn assignee(&self, id: &str) -> StoreResult<Option<String>> {
        stats::assignee(&self.conn, id)
    }

    fn saved_views(&self, reviewer: &str) -> StoreResult<Vec<SavedView>> {
        stats::saved_views(&self.conn, reviewer)
    }

    fn put_saved_view(
        &mut self,
        reviewer: &str,
        name: &str,
        filter: Option<&str>,
    ) -> StoreResult<()> {
        stats::put_saved_view(self, reviewer, name, filter)
    }
}
