//! shenhe's PostgreSQL store: the [`Store`] trait on a server, for a team that outgrows one
//! host (README, "PostgreSQL"). It keeps what the SQLite store keeps, in the same shapes:
//!
//! - a small pool of connections per store (`pool.rs`): one is taken for each call, a
//!   broken one is replaced, so a server restart or a failover costs no restart here;
//! - the schema versioned in `meta` (`schema.rs`), a newer one refused;
//! - every write that appends to the audit trail or the events takes one advisory lock
//!   for its transaction (`write::lock_chain`), so the chain never forks and event ids
//!   increase in commit order; decisions are compare-and-set on the version read;
//! - imports bulk-load with COPY (`import.rs`), all or nothing;
//! - claims' leases run on the server's clock (`claims.rs`);
//! - live refresh: triggers NOTIFY `shenhe_changes`, which [`PgStore`] LISTENs to, so
//!   [`Store::data_version`] counts other sessions' commits without a query.
//!
//! Reached by the binary only (docs/architecture.md): the layers above see a `Store`.

mod claims;
pub mod config;
mod counters;
mod import;
mod lead;
mod listener;
pub mod migrate;
mod pool;
#[cfg(test)]
mod pool_tests;
mod queue;
mod read;
mod rows;
pub mod schema;
mod search;
pub mod testing;
#[cfg(test)]
mod tests;
mod write;

use std::cell::RefCell;
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset};
use postgres::Client;

use shenhe_domain::checks::Judgement;
use shenhe_store::audit::{AuditEntry, NewAuditEntry};
use shenhe_store::{
    Claim, CountBounds, DecisionRow, DeliveryFailure, DeliveryRow, Derived, Disagreement,
    EventRecord, ImportSession, NewAssignment, PauseHook, ProbeRecord, QueueCounts, QueueQuery,
    QueueRow, Reviewer, SavedView, StateChange, StatsBounds, StatsSnapshot, Store, StoreError,
    StoreResult, StoredApplication,
};

pub use config::{ConnectionSettings, is_postgres_url, redact, url_has_password};
pub use pool::{Conn, MAX_CONNECTIONS};
pub use schema::SCHEMA_VERSION;
pub use write::lock_waits;

/// The advisory lock every append to the audit trail and the events holds to commit.
pub(crate) const CHAIN_LOCK: i64 = 0x5348_454e_4845_0002;

pub struct PgStore {
    pool: pool::Pool,
    pub(crate) pause: Option<PauseHook>,
    /// The server's clock minus this host's, in whole seconds, measured on connecting.
    pub(crate) skew: i64,
    /// The connection that LISTENs, opened by the first [`Store::data_version`] (a
    /// command that never asks holds none).
    listener: RefCell<listener::Listener>,
    /// While set, asked during the queue's queries; true cancels the one running.
    interrupt: Mutex<Option<Box<dyn FnMut() -> bool + Send>>>,
    /// Where it is connected, without the password.
    display: String,
}

/// A PostgreSQL error as a store error: the server's message (and detail), never the
/// connection settings' password, which no message of the client or server holds.
pub(crate) fn db_error(e: postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        match db.code().code() {
            "53100" => return StoreError::DiskFull,
            "25006" => return StoreError::ReadOnly,
            _ => {}
        }
    }
    StoreError::Database(error_text(&e))
}

/// How often a set interrupt is asked while a query runs.
const INTERRUPT_POLL: std::time::Duration = std::time::Duration::from_millis(5);
/// How often a cancel is sent again while the query it meant still runs.
const CANCEL_AGAIN: std::time::Duration = std::time::Duration::from_millis(50);

fn interrupted() -> StoreError {
    StoreError::Database("interrupted: a newer request replaced this query".into())
}

pub(crate) fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

impl PgStore {
    /// Connects to the database `url` names (completed from the PG* variables and
    /// ~/.pgpass), creating the schema when it has none yet.
    pub fn open(url: &str) -> StoreResult<PgStore> {
        Self::connect(&ConnectionSettings::from_url(url)?, true)
    }

    /// Connects to a database that already holds shenhe's schema: one without is an
    /// error naming `shenhe init`.
    pub fn open_existing(url: &str) -> StoreResult<PgStore> {
        Self::connect(&ConnectionSettings::from_url(url)?, false)
    }

    pub fn connect(settings: &ConnectionSettings, create: bool) -> StoreResult<PgStore> {
        let mut client = settings.connect()?;
        let display = settings.display();
        if schema::migrate(&mut client, create)? == schema::Found::Empty {
            return Err(StoreError::Schema(format!(
                "{display} holds no shenhe schema yet: `shenhe init` creates it"
            )));
        }
        let row = client
            .query_one("SELECT extract(epoch FROM clock_timestamp())::float8", &[])
            .map_err(db_error)?;
        let host = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let server: f64 = row.get(0);
        Ok(PgStore {
            pool: pool::Pool::new(settings.clone(), client)?,
            pause: None,
            skew: (server - host).round() as i64,
            listener: RefCell::new(listener::Listener::default()),
            interrupt: Mutex::new(None),
            display,
        })
    }

    /// Tests only: `hook` is called at the pause points, inside the open transaction.
    pub fn set_pause(&mut self, hook: Option<PauseHook>) {
        self.pause = hook;
    }

    /// Where this store is connected (a URL without the password).
    pub fn display(&self) -> &str {
        &self.display
    }

    /// A connection of the pool, for one call (given back when dropped).
    pub fn conn(&self) -> StoreResult<Conn<'_>> {
        self.pool.get()
    }

    /// Connections this store holds open now.
    pub fn open_connections(&self) -> usize {
        self.pool.open_connections()
    }

    /// Runs `query` on `client`; while an interrupt is set (`Store::set_interrupt`), a
    /// watcher asks it every few milliseconds and cancels the query on the server when it
    /// says so (the worker gave up on the window: a newer keystroke).
    pub(crate) fn interruptible<T>(
        &self,
        client: &mut Client,
        query: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> StoreResult<T> {
        let mut interrupt = self.interrupt.lock().unwrap_or_else(|e| e.into_inner());
        let Some(check) = interrupt.as_mut() else {
            return query(client).map_err(db_error);
        };
        if check() {
            return Err(interrupted());
        }
        let token = client.cancel_token();
        let settings = self.pool.settings();
        let cancelled = std::sync::atomic::AtomicBool::new(false);
        let (done, finished) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let cancelled = &cancelled;
            scope.spawn(move || {
                let mut wait = INTERRUPT_POLL;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    finished.recv_timeout(wait)
                {
                    // Sent again until the query ends: a cancel that reaches the server
                    // between the statement's prepare and its execution is ignored.
                    if cancelled.load(std::sync::atomic::Ordering::SeqCst) || check() {
                        cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
                        settings.cancel(&token);
                        wait = CANCEL_AGAIN;
                    }
                }
            });
            let result = query(client);
            drop(done);
            result
        })
        .map_err(|e| match e.code() {
            // Ours; a statement_timeout or an administrator's cancel is said as it is.
            Some(&postgres::error::SqlState::QUERY_CANCELED)
                if cancelled.load(std::sync::atomic::Ordering::SeqCst) =>
            {
                interrupted()
            }
            _ => db_error(e),
        })
    }
}

impl Store for PgStore {
    fn begin_import(&mut self) -> StoreResult<Box<dyn ImportSession + '_>> {
        import::begin_import(self)
    }

    fn get(&self, id: &str) -> StoreResult<Option<StoredApplication>> {
        read::get(self, id)
    }

    fn page(
        &self,
        query: &QueueQuery,
        offset: u64,
        limit: u64,
        now: DateTime<FixedOffset>,
    ) -> StoreResult<Vec<QueueRow>> {
        queue::page(self, query, offset, limit, self.on_server(now))
    }

    fn count(&self, query: &QueueQuery) -> StoreResult<u64> {
        queue::count(self, query)
    }

    fn counts(&self, bounds: CountBounds) -> StoreResult<QueueCounts> {
        queue::counts(self, bounds)
    }

    fn events_after(&self, after: i64, limit: u64) -> StoreResult<Vec<EventRecord>> {
        read::events_after(self, after, limit)
    }

    fn last_event_id(&self) -> StoreResult<i64> {
        read::scalar(self, "SELECT coalesce(max(id), 0) FROM events", &[])
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
        judgement: &Judgement,
        derived: &Derived,
        audit: NewAuditEntry,
    ) -> StoreResult<AuditEntry> {
        write::judge(
            self,
            id,
            expected_version,
            revision,
            judgement,
            derived,
            audit,
        )
    }

    fn judgements(&self, id: &str, revision: u32) -> StoreResult<Vec<Judgement>> {
        read::judgements(self, id, revision)
    }

    fn record(&mut self, audit: NewAuditEntry) -> StoreResult<AuditEntry> {
        write::record(self, audit)
    }

    fn history(&self, id: &str) -> StoreResult<Vec<AuditEntry>> {
        read::history(self, id)
    }

    fn audit_chain(&self, visit: &mut dyn FnMut(&AuditEntry) -> bool) -> StoreResult<()> {
        read::audit_chain(self, visit)
    }

    fn audit_disagreements(&self, limit: u64) -> StoreResult<Vec<Disagreement>> {
        read::audit_disagreements(self, limit)
    }

    fn audit_head(&self) -> StoreResult<Option<(i64, String)>> {
        let head = write::audit_head(&mut *self.conn()?)?;
        Ok(Some(head).filter(|(seq, _)| *seq > 0))
    }

    fn audit_hash_at(&self, seq: i64) -> StoreResult<Option<String>> {
        Ok(self
            .conn()?
            .query_opt("SELECT hash FROM audit WHERE seq = $1", &[&seq])
            .map_err(db_error)?
            .map(|r| r.get(0)))
    }

    fn stale_derived(
        &self,
        policy_version: &str,
        after: Option<&str>,
        limit: u64,
    ) -> StoreResult<Vec<StoredApplication>> {
        read::stale_derived(self, policy_version, after, limit)
    }

    fn update_derived(&mut self, updates: &[(String, Derived)]) -> StoreResult<()> {
        write::update_derived(self, updates)
    }

    fn claim(&mut self, claim: &Claim, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>> {
        claims::claim(self, claim, now)
    }

    fn release(&mut self, id: &str, session: &str) -> StoreResult<()> {
        self.conn()?
            .execute(
                "DELETE FROM claims WHERE application_id = $1 AND session = $2",
                &[&id, &session],
            )
            .map_err(db_error)?;
        Ok(())
    }

    fn claim_of(&self, id: &str, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>> {
        claims::claim_of(self, id, now)
    }

    fn data_version(&self) -> StoreResult<i64> {
        self.listener.borrow_mut().poll(&self.pool)
    }

    fn set_interrupt(&mut self, check: Option<Box<dyn FnMut() -> bool + Send>>) {
        *self.interrupt.get_mut().unwrap_or_else(|e| e.into_inner()) = check;
    }

    fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self
            .conn()?
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
            .map_err(db_error)?
            .map(|r| r.get(0)))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.conn()?
            .execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .map_err(db_error)?;
        Ok(())
    }

    fn product_effective(
        &self,
        account: &str,
        product: &str,
        except_id: &str,
    ) -> StoreResult<bool> {
        Ok(self.conn()?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM applications WHERE account = $1 AND product = $2 AND state = 'effective' AND id <> $3)",
                &[&account, &product, &except_id],
            )
            .map_err(db_error)?
            .get(0))
    }

    fn change_states(
        &mut self,
        changes: &mut dyn Iterator<Item = StateChange>,
    ) -> StoreResult<u64> {
        read::change_states(self, changes)
    }

    fn reopen(&mut self, change: StateChange, derived: &Derived) -> StoreResult<AuditEntry> {
        read::reopen(self, change, derived)
    }

    fn reviewers(&self) -> StoreResult<Vec<Reviewer>> {
        read::reviewers(self)
    }

    fn put_reviewer(
        &mut self,
        reviewer: &Reviewer,
        audit: Option<NewAuditEntry>,
    ) -> StoreResult<()> {
        read::put_reviewer(self, reviewer, audit)
    }

    fn remove_reviewer(&mut self, name: &str, audit: NewAuditEntry) -> StoreResult<()> {
        read::remove_reviewer(self, name, audit)
    }

    fn delivery(&self, endpoint: &str) -> StoreResult<Option<DeliveryRow>> {
        read::delivery(self, endpoint)
    }

    fn deliveries(&self) -> StoreResult<Vec<DeliveryRow>> {
        read::deliveries(self)
    }

    fn delivery_failures(&self, endpoint: &str, limit: u64) -> StoreResult<Vec<DeliveryFailure>> {
        read::delivery_failures(self, endpoint, limit)
    }

    fn delivery_failure_count(&self, endpoint: &str) -> StoreResult<u64> {
        read::scalar(
            self,
            "SELECT count(*) FROM delivery_failures WHERE endpoint = $1",
            &[&endpoint],
        )
        .map(|n| n as u64)
    }

    fn count_events_after(&self, after: i64) -> StoreResult<u64> {
        read::scalar(self, "SELECT count(*) FROM events WHERE id > $1", &[&after]).map(|n| n as u64)
    }

    fn delivery_advance(
        &mut self,
        endpoint: &str,
        event_id: i64,
        failure: Option<&DeliveryFailure>,
        at: DateTime<FixedOffset>,
    ) -> StoreResult<()> {
        read::delivery_advance(self, endpoint, event_id, failure, at)
    }

    fn delivery_retry(
        &mut self,
        endpoint: &str,
        position: i64,
        error: &str,
        at: DateTime<FixedOffset>,
    ) -> StoreResult<()> {
        read::delivery_retry(self, endpoint, position, error, at)
    }

    fn delivery_clear_failures(&mut self, endpoint: &str) -> StoreResult<u64> {
        self.conn()?
            .execute(
                "DELETE FROM delivery_failures WHERE endpoint = $1",
                &[&endpoint],
            )
            .map_err(db_error)
    }

    fn record_probe(&mut self, probe: &ProbeRecord) -> StoreResult<()> {
        read::record_probe(self, probe)
    }

    fn latest_probe(&self, id: &str) -> StoreResult<Option<ProbeRecord>> {
        read::latest_probe(self, id)
    }

    fn unprobed(&self, limit: u64) -> StoreResult<Vec<(String, u32)>> {
        read::unprobed(self, limit)
    }

    // ---- what changed since a return (issue 15) ----

    fn previous_revision(
        &self,
        id: &str,
        revision: u32,
    ) -> StoreResult<Option<shenhe_domain::application::Application>> {
        read::previous_revision(self, id, revision)
    }

    // ---- drafts (issue 15): a reviewer's unsent decision text ----

    fn save_draft(
        &mut self,
        reviewer: &str,
        id: &str,
        draft: &shenhe_domain::drafts::Draft,
    ) -> StoreResult<()> {
        let body = serde_json::to_string(draft).expect("drafts serialise");
        self.conn()?
            .execute(
                "INSERT INTO drafts (reviewer, application_id, body, saved_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (reviewer, application_id) DO UPDATE
                    SET body = excluded.body, saved_at = excluded.saved_at",
                &[&reviewer, &id, &body, &draft.saved_at.to_rfc3339()],
            )
            .map_err(db_error)?;
        Ok(())
    }

    fn draft(&self, reviewer: &str, id: &str) -> StoreResult<Option<shenhe_domain::drafts::Draft>> {
        let body: Option<String> = self
            .conn()?
            .query_opt(
                "SELECT body FROM drafts WHERE reviewer = $1 AND application_id = $2",
                &[&reviewer, &id],
            )
            .map_err(db_error)?
            .map(|r| r.get(0));
        body.map(|b| {
            serde_json::from_str(&b)
                .map_err(|e| StoreError::Schema(format!("a draft of {id} is not readable: {e}")))
        })
        .transpose()
    }

    fn discard_draft(&mut self, reviewer: &str, id: &str) -> StoreResult<()> {
        self.conn()?
            .execute(
                "DELETE FROM drafts WHERE reviewer = $1 AND application_id = $2",
                &[&reviewer, &id],
            )
            .map_err(db_error)?;
        Ok(())
    }

    // ---- statistics, assignment, saved views (issue 14: the lead's console) ----

    fn stats_snapshot(&self, bounds: &StatsBounds) -> StoreResult<StatsSnapshot> {
        lead::snapshot(self, bounds)
    }

    fn decisions(
        &self,
        since: DateTime<FixedOffset>,
        until: Option<DateTime<FixedOffset>>,
        full: bool,
        visit: &mut dyn FnMut(DecisionRow) -> bool,
    ) -> StoreResult<()> {
        lead::decisions(self, since, until, full, visit)
    }

    fn assign(&mut self, assignments: &[NewAssignment]) -> StoreResult<u64> {
        lead::assign(self, assignments)
    }

    fn assignee(&self, id: &str) -> StoreResult<Option<String>> {
        lead::assignee(self, id)
    }

    fn saved_views(&self, reviewer: &str) -> StoreResult<Vec<SavedView>> {
        lead::saved_views(self, reviewer)
    }

    fn put_saved_view(
        &mut self,
        reviewer: &str,
        name: &str,
        filter: Option<&str>,
    ) -> StoreResult<()> {
        lead::put_saved_view(self, reviewer, name, filter)
    }
}
