//! The SQLite store: one file, WAL, a busy timeout, foreign keys on, schema versioned with
//! `PRAGMA user_version`. Every command opens it the same way, through [`SqliteStore::open`].

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};

use super::audit::{AuditEntry, GENESIS, NewAuditEntry, entry_hash};
use super::{
    Claim, CountBounds, Derived, Existing, ImportRecord, ImportSession, PauseHook, PausePoint,
    QueueCounts, QueueQuery, QueueRow, SortKey, StateChange, Store, StoreError, StoreResult,
    StoredApplication,
};
use shenhe_domain::application::Application;
use shenhe_domain::calendar::china;
use shenhe_domain::checks::{CheckId, Judgement};
use shenhe_domain::state::State;

/// How long a writer waits for another before the database counts as busy. Reviewers
/// never see "database is locked": writes are short, and this is far longer.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long opening a database waits for a first bulk load to finish.
const BULK_LOAD_WAIT: Duration = Duration::from_secs(600);

/// The page cache an import may use, in KiB (negative: SQLite's convention for KiB).
const IMPORT_CACHE_KIB: i64 = -3_145_728;
/// SQLite's default page cache, in KiB, for everything but an import.
const DEFAULT_CACHE_KIB: i64 = -2000;
/// The page cache while a bulk import builds its indexes, in KiB. SQLite sizes the chunks
/// its index sorter sorts by the cache: with the import's 3 GiB each index is one
/// in-memory sort on one core, while 4 MiB chunks are sorted on both cores and fit the
/// CPU's caches. About twice as fast on a million rows (benches/core.rs).
const INDEX_SORT_CACHE_KIB: i64 = -4096;
/// Times this process waited for another writer, counted across every connection. The
/// stress benchmark prints it; nothing else depends on it.
static BUSY_RETRIES: AtomicU64 = AtomicU64::new(0);

/// How many times this process has waited on a busy database and tried again.
pub fn busy_retries() -> u64 {
    BUSY_RETRIES.load(Ordering::Relaxed)
}

/// The wait before the `attempt`-th retry of one busy lock, and the total waited before it.
/// SQLite's own schedule (sqliteDefaultBusyCallback), reproduced so that retries can be
/// counted: short waits first, since most writes finish in a millisecond or two.
fn busy_delay(attempt: u32) -> (Duration, Duration) {
    const DELAYS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    let i = attempt as usize;
    let (delay, before) = if i < DELAYS_MS.len() {
        (DELAYS_MS[i], DELAYS_MS[..i].iter().sum())
    } else {
        let head: u64 = DELAYS_MS.iter().sum();
        (100, head + 100 * (i - DELAYS_MS.len()) as u64)
    };
    (Duration::from_millis(delay), Duration::from_millis(before))
}

/// The busy handler of every connection: wait and retry until [`BUSY_TIMEOUT`] is spent.
fn on_busy(attempt: i32) -> bool {
    let (delay, waited) = busy_delay(attempt.max(0) as u32);
    if waited >= BUSY_TIMEOUT {
        return false;
    }
    BUSY_RETRIES.fetch_add(1, Ordering::Relaxed);
    std::thread::sleep(delay.min(BUSY_TIMEOUT - waited));
    true
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked
    )
}

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

/// The schema, one step per version. Never edit a step that has shipped: add one.
const MIGRATIONS: &[&str] = &[
    // 1: applications, the audit trail, judgements of manual checks, claims.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE applications (
        id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        product TEXT NOT NULL,
        product_group TEXT NOT NULL,
        plan TEXT NOT NULL,
        merchant TEXT NOT NULL,
        account TEXT NOT NULL,
        url TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        submitted_ts INTEGER NOT NULL,
        due_ts INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        manual INTEGER NOT NULL,
        derived_version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL
    );
    CREATE TABLE previous_revisions (
        application_id TEXT NOT NULL REFERENCES applications(id),
        revision INTEGER NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (application_id, revision)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        application_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        reasons TEXT NOT NULL,
        message TEXT,
        note TEXT,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END;
    CREATE TABLE judgements (
        application_id TEXT NOT NULL REFERENCES applications(id),
        revision INTEGER NOT NULL,
        check_id TEXT NOT NULL,
        passed INTEGER NOT NULL,
        note TEXT,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (application_id, revision, check_id)
    ) WITHOUT ROWID;
    CREATE TABLE claims (
        application_id TEXT PRIMARY KEY,
        reviewer TEXT NOT NULL,
        session TEXT NOT NULL,
        expires_ts INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
];

/// The secondary indexes of schema version 1: (name, definition). An import into an
/// empty database drops them and builds them once at the end, inside its transaction,
/// which is several times faster than maintaining them row by row.
const SECONDARY_INDEXES: &[(&str, &str)] = &[
    // The id's uniqueness is an index of its own (not the table's primary key) so that a
    // bulk load can build it once at the end like the others.
    (
        "applications_id",
        "CREATE UNIQUE INDEX applications_id ON applications(id)",
    ),
    (
        "applications_state_due",
        "CREATE INDEX applications_state_due ON applications(state, due_ts, id)",
    ),
    (
        "applications_state_submitted",
        "CREATE INDEX applications_state_submitted ON applications(state, submitted_ts, id)",
    ),
    (
        "audit_application",
        "CREATE INDEX audit_application ON audit(application_id, seq)",
    ),
];

/// Columns of `applications` a queue row needs, in the order `queue_row` reads them.
const ROW_COLUMNS: &str = "a.id, a.merchant, a.product, a.plan, a.state, a.submitted_at, a.due_ts, a.failed, a.manual, a.revision, a.version, c.reviewer";

pub struct SqliteStore {
    conn: Connection,
    /// Tests only: called inside open write transactions (see [`PauseHook`]).
    pause: Option<PauseHook>,
}

/// Every SQLite failure becomes a store error here, in one place: `?` on a rusqlite
/// result does the rest.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if is_busy(&e) {
            return busy_error();
        }
        StoreError::Database(e.to_string())
    }
}

fn busy_error() -> StoreError {
    StoreError::Database(format!(
        "the database stayed busy for more than {} s (another shenhe is writing a long import?); nothing was written, try again",
        BUSY_TIMEOUT.as_secs()
    ))
}

fn ts(at: DateTime<FixedOffset>) -> i64 {
    at.timestamp()
}

fn from_ts(seconds: i64) -> DateTime<FixedOffset> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .unwrap_or_default()
        .with_timezone(&china())
}

fn parse_instant(text: &str) -> StoreResult<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|e| StoreError::Schema(format!("bad instant `{text}` in the database: {e}")))
}

fn parse_state(text: &str) -> StoreResult<State> {
    text.parse().map_err(StoreError::Schema)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let created = !path.exists();
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
            other => other.into(),
        };
        // A first load into an empty database runs under a rollback journal and holds the
        // file until it commits (see `begin_import`); whoever opens it meanwhile waits for
        // that, however long it takes, rather than failing.
        let started = Instant::now();
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
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

    /// Tests only: `hook` is called at the [`PausePoint`]s, inside the open transaction.
    pub fn set_pause(&mut self, hook: Option<PauseHook>) {
        self.pause = hook;
    }

    fn migrate(&mut self) -> StoreResult<()> {
        // Opening must not need the write lock: a long import holds it.
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == MIGRATIONS.len() as i64 {
            return Ok(());
        }
        let tx = self.immediate()?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::Schema(format!(
                "schema version {version} is newer than this shenhe knows ({known}); upgrade shenhe"
            )));
        }
        if version == 0 {
            let tables: i64 = tx.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(StoreError::Schema(
                    "the file is an SQLite database, but not a shenhe one".into(),
                ));
            }
        }
        for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(step)?;
            if i == 0 {
                for (_, ddl) in SECONDARY_INDEXES {
                    tx.execute_batch(ddl)?;
                }
            }
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit().map_err(StoreError::from)
    }

    /// A write transaction, taken at once so that it can never deadlock with another
    /// writer. The busy handler already waits for the lock; a few BUSY results reach here
    /// without it being asked (a WAL being recovered by another process), and those are
    /// retried too, within the same timeout.
    fn immediate(&self) -> StoreResult<Transaction<'_>> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut attempt = 0;
        loop {
            match Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate) {
                Ok(tx) => return Ok(tx),
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    BUSY_RETRIES.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(busy_delay(attempt).0);
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The query plan (the detail lines of `EXPLAIN QUERY PLAN`) of the very SQL that
    /// [`Store::page`] runs for `query`: for tests that a page is read from an index.
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

/// The last entry's sequence number and hash: what the next entry chains from.
fn audit_head(tx: &Connection) -> StoreResult<(i64, String)> {
    Ok(tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.to_string())))
}

fn append_audit(tx: &Connection, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
    let head = audit_head(tx)?;
    append_audit_after(tx, head, entry)
}

/// Appends after a head the caller already knows (it holds the write lock throughout).
fn append_audit_after(
    tx: &Connection,
    head: (i64, String),
    entry: NewAuditEntry,
) -> StoreResult<AuditEntry> {
    let (last_seq, prev_hash) = head;
    let seq = last_seq + 1;
    let hash = entry_hash(seq, &entry, &prev_hash);
    tx.prepare_cached(
        "INSERT INTO audit (seq, application_id, revision, at, actor, action, from_state, to_state, reasons, message, note, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        seq,
        entry.application_id,
        entry.revision,
        entry.at.to_rfc3339(),
        entry.actor,
        entry.action,
        entry.from_state,
        entry.to_state,
        serde_json::to_string(&entry.reasons).expect("strings serialise"),
        entry.message,
        entry.note,
        entry.detail,
        prev_hash,
        hash,
    ])?;
    Ok(AuditEntry {
        seq,
        entry,
        prev_hash,
        hash,
    })
}

fn audit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditEntry, String)> {
    let reasons: String = r.get(8)?;
    let at: String = r.get(3)?;
    Ok((
        AuditEntry {
            seq: r.get(0)?,
            entry: NewAuditEntry {
                application_id: r.get(1)?,
                revision: r.get(2)?,
                at: DateTime::parse_from_rfc3339(&at).unwrap_or_default(),
                actor: r.get(4)?,
                action: r.get(5)?,
                from_state: r.get(6)?,
                to_state: r.get(7)?,
                reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                message: r.get(9)?,
                note: r.get(10)?,
                detail: r.get(11)?,
            },
            prev_hash: r.get(12)?,
            hash: r.get(13)?,
        },
        at,
    ))
}

const AUDIT_COLUMNS: &str = "seq, application_id, revision, at, actor, action, from_state, to_state, reasons, message, note, detail, prev_hash, hash";

fn stored_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredTuple> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

const STORED_COLUMNS: &str = "body, state, revision, version, due_ts, failed, manual, derived_version, changed_at, changed_by";

type StoredTuple = (
    String,
    String,
    u32,
    i64,
    i64,
    u32,
    u32,
    String,
    String,
    String,
);

fn stored_from_tuple(t: StoredTuple) -> StoreResult<StoredApplication> {
    let (
        body,
        state,
        revision,
        version,
        due_ts,
        failed,
        manual,
        policy_version,
        changed_at,
        changed_by,
    ) = t;
    let app: Application = serde_json::from_str(&body)
        .map_err(|e| StoreError::Schema(format!("stored application body is not readable: {e}")))?;
    Ok(StoredApplication {
        app,
        state: parse_state(&state)?,
        revision,
        version,
        derived: Derived {
            due_at: from_ts(due_ts),
            failed,
            manual,
            policy_version,
        },
        changed_at: parse_instant(&changed_at)?,
        changed_by,
    })
}

fn queue_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
    let state: String = r.get(4)?;
    let submitted: String = r.get(5)?;
    Ok(QueueRow {
        id: r.get(0)?,
        merchant: r.get(1)?,
        product: r.get(2)?,
        plan: r.get(3)?,
        state: state.parse().unwrap_or(State::PendingReview),
        submitted_at: DateTime::parse_from_rfc3339(&submitted).unwrap_or_default(),
        due_at: from_ts(r.get(6)?),
        failed: r.get(7)?,
        manual: r.get(8)?,
        revision: r.get(9)?,
        version: r.get(10)?,
        claimed_by: r.get(11)?,
    })
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

/// The SQL of a queue page and its parameters: what [`Store::page`] runs, and what
/// [`SqliteStore::page_plan`] explains.
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
    values.push(rusqlite::types::Value::Integer(limit as i64));
    values.push(rusqlite::types::Value::Integer(offset as i64));
    values.push(rusqlite::types::Value::Integer(ts(now)));
    (sql, values)
}

impl Store for SqliteStore {
    fn begin_import(&mut self) -> StoreResult<Box<dyn ImportSession + '_>> {
        // An import is one transaction: with SQLite's small default cache its pages spill
        // to the WAL and are read back many times over. Memory is cheaper than that.
        self.conn
            .pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
        // Building the indexes at the end sorts a million keys each, on both cores.
        self.conn.pragma_update(None, "threads", 2)?;
        // Loading into an empty database that nobody else has open: the whole file is new,
        // so a rollback journal holds next to nothing and every page is written once. In
        // WAL mode each page would be written twice (to the WAL, then checkpointed). A crash
        // still leaves all or nothing: the next opener rolls the hot journal back.
        let rollback_journal = self.is_empty()? && self.try_journal_mode("delete")?;
        let tx = self.immediate()?;
        let empty: bool =
            tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM applications)", [], |r| {
                r.get(0)
            })?;
        if empty {
            for (name, _) in SECONDARY_INDEXES {
                tx.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
            }
        }
        let head = audit_head(&tx)?;
        Ok(Box::new(SqliteImport {
            conn: &self.conn,
            tx: Some(tx),
            bulk: empty,
            head,
            rollback_journal,
            pause: self.pause.clone(),
            written: 0,
        }))
    }

    fn get(&self, id: &str) -> StoreResult<Option<StoredApplication>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STORED_COLUMNS} FROM applications WHERE id = ?"
            ))?
            .query_row([id], stored_from_row)
            .optional()?;
        row.map(stored_from_tuple).transpose()
    }

    fn page(
        &self,
        query: &QueueQuery,
        offset: u64,
        limit: u64,
        now: DateTime<FixedOffset>,
    ) -> StoreResult<Vec<QueueRow>> {
        let (sql, values) = page_sql(query, offset, limit, now);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), queue_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn count(&self, query: &QueueQuery) -> StoreResult<u64> {
        let (filter, values) = where_clause(query);
        let sql = format!("SELECT count(*) FROM applications a {filter}");
        self.conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(values), |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(StoreError::from)
    }

    fn counts(&self, b: CountBounds) -> StoreResult<QueueCounts> {
        let one = |sql: &str, args: &[i64]| -> StoreResult<u64> {
            self.conn
                .prepare_cached(sql)?
                .query_row(rusqlite::params_from_iter(args.iter()), |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
                .map_err(StoreError::from)
        };
        Ok(QueueCounts {
            pending_review: one(
                "SELECT count(*) FROM applications WHERE state = 'pending_review'",
                &[],
            )?,
            overdue: one(
                "SELECT count(*) FROM applications WHERE state = 'pending_review' AND due_ts < ?",
                &[ts(b.now)],
            )?,
            due_today: one(
                "SELECT count(*) FROM applications WHERE state = 'pending_review' AND due_ts >= ? AND due_ts <= ?",
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

    fn change_state(
        &mut self,
        change: StateChange,
        derived: Option<&Derived>,
    ) -> StoreResult<AuditEntry> {
        let tx = self.immediate()?;
        check_version(&tx, &change.id, change.expected_version)?;
        let at = change.audit.at.to_rfc3339();
        tx.execute(
            "UPDATE applications SET state = ?2, version = version + 1, changed_at = ?3, changed_by = ?4 WHERE id = ?1",
            params![change.id, change.to.id(), at, change.audit.actor],
        )?;
        if let Some(d) = derived {
            write_derived(&tx, &change.id, d)?;
        }
        tx.execute("DELETE FROM claims WHERE application_id = ?", [&change.id])?;
        let entry = append_audit(&tx, change.audit)?;
        if let Some(pause) = &self.pause {
            pause(PausePoint::DecisionCommit);
        }
        tx.commit()?;
        Ok(entry)
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
        let tx = self.immediate()?;
        check_version(&tx, id, expected_version)?;
        tx.execute(
            "INSERT OR REPLACE INTO judgements (application_id, revision, check_id, passed, note, by, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            params![id, revision, j.check.id(), j.passed, j.note, j.by, j.at.to_rfc3339()],
        )?;
        tx.execute(
            "UPDATE applications SET version = version + 1, changed_at = ?2, changed_by = ?3 WHERE id = ?1",
            params![id, audit.at.to_rfc3339(), audit.actor],
        )?;
        write_derived(&tx, id, derived)?;
        let entry = append_audit(&tx, audit)?;
        tx.commit()?;
        Ok(entry)
    }

    fn judgements(&self, id: &str, revision: u32) -> StoreResult<Vec<Judgement>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT check_id, passed, note, by, at FROM judgements WHERE application_id = ? AND revision = ? ORDER BY at")?;
        let rows = stmt
            .query_map(params![id, revision], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(check, passed, note, by, at)| {
                Ok(Judgement {
                    check: check.parse::<CheckId>().map_err(StoreError::Schema)?,
                    passed,
                    note,
                    by,
                    at: parse_instant(&at)?,
                })
            })
            .collect()
    }

    fn record(&mut self, audit: NewAuditEntry) -> StoreResult<AuditEntry> {
        let tx = self.immediate()?;
        let entry = append_audit(&tx, audit)?;
        tx.commit()?;
        Ok(entry)
    }

    fn history(&self, id: &str) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE application_id = ? ORDER BY seq"
        ))?;
        let rows = stmt
            .query_map([id], audit_from_row)?
            .map(|r| r.map(|(e, _)| e))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn audit_chain(&self, visit: &mut dyn FnMut(&AuditEntry) -> bool) -> StoreResult<()> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (entry, raw_at) = audit_from_row(row)?;
            // An `at` that does not parse was edited: keep the raw text so the hash fails.
            let entry = if DateTime::parse_from_rfc3339(&raw_at).is_err() {
                AuditEntry {
                    hash: format!("unreadable at `{raw_at}`"),
                    ..entry
                }
            } else {
                entry
            };
            if !visit(&entry) {
                break;
            }
        }
        Ok(())
    }

    fn stale_derived(
        &self,
        policy_version: &str,
        after: Option<&str>,
        limit: u64,
    ) -> StoreResult<Vec<StoredApplication>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STORED_COLUMNS} FROM applications WHERE id > ? AND derived_version <> ? ORDER BY id LIMIT ?"
            ))?;
        let rows = stmt
            .query_map(
                params![after.unwrap_or(""), policy_version, limit as i64],
                stored_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(stored_from_tuple).collect()
    }

    fn update_derived(&mut self, updates: &[(String, Derived)]) -> StoreResult<()> {
        let tx = self.immediate()?;
        for (id, d) in updates {
            write_derived(&tx, id, d)?;
        }
        tx.commit().map_err(StoreError::from)
    }

    fn claim(&mut self, claim: &Claim, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>> {
        let tx = self.immediate()?;
        let held = claim_in(&tx, &claim.application_id, now)?;
        if let Some(other) = held.filter(|c| c.session != claim.session) {
            tx.commit()?;
            return Ok(Some(other));
        }
        tx.execute(
            "INSERT OR REPLACE INTO claims (application_id, reviewer, session, expires_ts) VALUES (?, ?, ?, ?)",
            params![claim.application_id, claim.reviewer, claim.session, ts(claim.expires_at)],
        )?;
        tx.commit()?;
        Ok(None)
    }

    fn release(&mut self, id: &str, session: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "DELETE FROM claims WHERE application_id = ? AND session = ?",
                [id, session],
            )
            .map(|_| ())
            .map_err(StoreError::from)
    }

    fn claim_of(&self, id: &str, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>> {
        claim_in(&self.conn, id, now)
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
}

fn claim_in(conn: &Connection, id: &str, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>> {
    conn.prepare_cached("SELECT reviewer, session, expires_ts FROM claims WHERE application_id = ? AND expires_ts > ?")?
        .query_row(params![id, ts(now)], |r| {
            Ok(Claim { application_id: id.to_string(), reviewer: r.get(0)?, session: r.get(1)?, expires_at: from_ts(r.get(2)?) })
        })
        .optional()
        .map_err(StoreError::from)
}

/// Refuses, naming who changed it and when, unless the application is at `expected`.
fn check_version(tx: &Connection, id: &str, expected: i64) -> StoreResult<()> {
    let current: Option<(i64, String, String, String)> = tx
        .prepare_cached(
            "SELECT version, state, changed_by, changed_at FROM applications WHERE id = ?",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    match current {
        None => Err(StoreError::NotFound(id.to_string())),
        Some((version, _, _, _)) if version == expected => Ok(()),
        Some((_, state, by, at)) => Err(StoreError::Conflict {
            id: id.to_string(),
            state: parse_state(&state)?,
            by,
            at: parse_instant(&at)?,
        }),
    }
}

fn write_derived(tx: &Connection, id: &str, d: &Derived) -> StoreResult<()> {
    tx.prepare_cached("UPDATE applications SET due_ts = ?2, failed = ?3, manual = ?4, derived_version = ?5 WHERE id = ?1")?
        .execute(params![id, ts(d.due_at), d.failed, d.manual, d.policy_version])
        .map(|_| ())
        .map_err(StoreError::from)
}

struct SqliteImport<'a> {
    conn: &'a Connection,
    /// Always Some until committed or dropped.
    tx: Option<Transaction<'a>>,
    /// Loading into an empty database: the secondary indexes are built at commit.
    bulk: bool,
    head: (i64, String),
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

    fn write(&mut self, rec: ImportRecord<'_>, audit: NewAuditEntry, new: bool) -> StoreResult<()> {
        let app = rec.app;
        let body = rec.body;
        let sql = if new {
            "INSERT INTO applications (id, revision, state, product, product_group, plan, merchant, account, url,
                submitted_at, submitted_ts, due_ts, failed, manual, derived_version, content_hash, body, changed_at, changed_by, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 1)"
        } else {
            "UPDATE applications SET revision = ?2, state = ?3, product = ?4, product_group = ?5, plan = ?6, merchant = ?7,
                account = ?8, url = ?9, submitted_at = ?10, submitted_ts = ?11, due_ts = ?12, failed = ?13, manual = ?14,
                derived_version = ?15, content_hash = ?16, body = ?17, changed_at = ?18, changed_by = ?19, version = version + 1
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
        ])?;
        let head = std::mem::take(&mut self.head);
        let entry = append_audit_after(self.tx(), head, audit)?;
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

    fn insert(&mut self, record: ImportRecord<'_>, audit: NewAuditEntry) -> StoreResult<()> {
        self.write(record, audit, true)
    }

    fn replace(&mut self, record: ImportRecord<'_>, audit: NewAuditEntry) -> StoreResult<()> {
        self.tx().execute(
            "INSERT OR REPLACE INTO previous_revisions (application_id, revision, state, body)
                 SELECT id, revision, state, body FROM applications WHERE id = ?",
            [&record.app.id],
        )?;
        self.write(record, audit, false)
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if self.bulk {
            // The loaded pages stay in memory however small the cache now is (no spilling
            // them to the file before commit); the sorter's chunks go to temporary files,
            // as in-memory temporary storage would make it sort everything at once.
            let tx = self.tx();
            tx.pragma_update(None, "cache_spill", false)?;
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
