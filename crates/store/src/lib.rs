//! The store: the only place that knows SQL. Everything above it speaks in the types of
//! this module, narrow enough that another backend (PostgreSQL, for teams that outgrow one
//! host) can stand beside [`sqlite::SqliteStore`] without touching the domain or the faces.

pub mod audit;
#[cfg(any(test, feature = "contract"))]
pub mod contract;
pub mod kept;
pub mod sqlite;
pub mod stats;
#[cfg(test)]
mod tests;
pub mod values;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use shenhe_domain::application::Application;
use shenhe_domain::checks::Judgement;
use shenhe_domain::events::EventKind;
pub use shenhe_domain::probe::ProbeRecord;
use shenhe_domain::state::State;

pub use audit::{AuditEntry, NewAuditEntry};
pub use stats::{DecisionRow, NewAssignment, SavedView, StatsBounds, StatsSnapshot};

/// An application as stored: what the merchant submitted plus where it stands.
#[derive(Debug, Clone)]
pub struct StoredApplication {
    pub app: Application,
    pub state: State,
    /// 1 for the first submission, +1 for each resubmission.
    pub revision: u32,
    /// Bumped by every change: a decision is written only if it is unchanged since read.
    pub version: i64,
    pub derived: Derived,
    pub changed_at: DateTime<FixedOffset>,
    pub changed_by: String,
    /// When this revision became reviewable (entered pending review): its submission
    /// when the account was verified, else the moment verification arrived. None while
    /// it waits for verification (and for rows written before schema 2 that were never
    /// reviewable).
    pub reviewable_at: Option<DateTime<FixedOffset>>,
}

/// Columns computed from the application and the policy, kept for sorting and the
/// queue summary. `policy_version` says which policy they were computed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub due_at: DateTime<FixedOffset>,
    pub failed: u32,
    pub manual: u32,
    pub policy_version: String,
}

/// One row of the queue: only what the table shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueRow {
    pub id: String,
    pub merchant: String,
    pub product: String,
    pub plan: String,
    pub state: State,
    #[serde(serialize_with = "crate::ser_instant")]
    pub submitted_at: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::ser_instant")]
    pub due_at: DateTime<FixedOffset>,
    pub failed: u32,
    pub manual: u32,
    pub revision: u32,
    pub version: i64,
    /// Another reviewer's live claim, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<String>,
}

pub(crate) fn ser_instant<S: serde::Serializer>(
    at: &DateTime<FixedOffset>,
    s: S,
) -> Result<S::Ok, S::Error> {
    shenhe_domain::application::rfc3339::serialize(at, s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Due time, earliest first (the default: the queue's order of urgency).
    #[default]
    Due,
    /// Submission time, earliest first.
    Submitted,
    /// Merchant name.
    Merchant,
}

/// What part of the applications to list, and in what order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueQuery {
    /// Empty means every state.
    pub states: Vec<State>,
    pub product: Option<String>,
    pub group: Option<String>,
    /// Only those due before this instant (overdue: due before now).
    pub due_before: Option<DateTime<FixedOffset>>,
    /// Only those due at or after this instant.
    pub due_from: Option<DateTime<FixedOffset>>,
    /// Only those submitted before this instant (past the verification window).
    pub submitted_before: Option<DateTime<FixedOffset>>,
    /// Only those with at least one failed check.
    pub failing: bool,
    /// Text to find, Latin letters in either case: the start of an id, or a substring of
    /// the merchant name, url or account (of one or two characters: of the merchant name
    /// only). Through an index, not a scan (schema 3, `sqlite/derived.rs`).
    pub search: Option<String>,
    /// Only those assigned to this reviewer (issue 14).
    pub assigned_to: Option<String>,
    /// Only those NOT assigned to this reviewer (assigned to nobody or to another): with
    /// `assigned_to`, the two halves of a queue that shows one's own first.
    pub not_assigned_to: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
}

/// The counts at the head of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct QueueCounts {
    /// Under review: pending review or pending second approval (the header's "pending",
    /// of which overdue and due today are parts).
    pub pending_review: u64,
    pub overdue: u64,
    pub due_today: u64,
    pub pending_verification: u64,
    /// Pending verification for more than 15 days: can be expired.
    pub verification_lapsed: u64,
}

/// Instants that split the queue counts, computed by the caller from the calendar.
#[derive(Debug, Clone, Copy)]
pub struct CountBounds {
    pub now: DateTime<FixedOffset>,
    pub end_of_today: DateTime<FixedOffset>,
    pub verification_cutoff: DateTime<FixedOffset>,
}

/// A change of state written together with its audit entry and its event, only if the
/// application is still at `expected_version`.
#[derive(Debug, Clone)]
pub struct StateChange {
    pub id: String,
    pub expected_version: i64,
    pub to: State,
    pub audit: NewAuditEntry,
    pub event: NewEvent,
}

/// What a change publishes (docs/events.md). The store takes the application, revision,
/// states, actor and time from the audit entry written with it, so the two cannot disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    /// A JSON object: what a consumer needs of this kind of change, never an internal
    /// note or a test password.
    pub data: serde_json::Value,
}

impl NewEvent {
    pub fn new(kind: EventKind) -> NewEvent {
        NewEvent {
            kind,
            data: serde_json::Value::Object(Default::default()),
        }
    }
}

/// A published event, as `shenhe events` prints it and a webhook receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// Increases with every event, in the order the changes were committed.
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// In China time (+08:00).
    #[serde(serialize_with = "crate::ser_instant")]
    pub occurred_at: DateTime<FixedOffset>,
    pub application_id: String,
    pub revision: u32,
    pub previous_state: Option<State>,
    pub state: State,
    pub actor: String,
    pub data: serde_json::Value,
    /// The audit entry written with this change: its sequence number and hash.
    pub audit_seq: i64,
    pub audit_hash: String,
}

/// A reviewer as the database knows them, and whether a lead (docs/json-output.md,
/// `reviewers list --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reviewer {
    pub name: String,
    /// A lead may reopen decided applications and add and remove reviewers.
    pub lead: bool,
    #[serde(serialize_with = "crate::ser_instant")]
    pub added_at: DateTime<FixedOffset>,
    pub added_by: String,
}

/// The `application_id` of audit entries about the team rather than an application (a
/// reviewer added, removed, made a lead). It can never be an application's id: those hold
/// only ASCII letters, digits, `-` and `_`.
pub const TEAM_AUDIT_ID: &str = "#reviewers";
/// Where the delivery of events to one webhook endpoint stands (`shenhe deliver`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRow {
    /// The endpoint's URL, as given to `shenhe deliver --url`.
    pub endpoint: String,
    /// The id of the last event done with (accepted, or failed for good); 0 before any.
    pub position: i64,
    /// Attempts at the next event that were not accepted and will be retried.
    pub attempts: u32,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::ser_opt_instant")]
    pub last_error_at: Option<DateTime<FixedOffset>>,
    /// The first of the current run of failed attempts; none while it is healthy.
    #[serde(serialize_with = "crate::ser_opt_instant")]
    pub failing_since: Option<DateTime<FixedOffset>>,
    #[serde(serialize_with = "crate::ser_instant")]
    pub updated_at: DateTime<FixedOffset>,
}

/// An event an endpoint refused for good (a 4xx other than 408 and 429): kept for a
/// person to read, and delivery went on with the next event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryFailure {
    pub endpoint: String,
    pub event_id: i64,
    /// The response's status.
    pub status: Option<u16>,
    /// The first 200 bytes of the response's body (as UTF-8, invalid bytes replaced).
    pub body: String,
    #[serde(serialize_with = "crate::ser_instant")]
    pub failed_at: DateTime<FixedOffset>,
}

pub(crate) fn ser_opt_instant<S: serde::Serializer>(
    at: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => ser_instant(at, s),
        None => s.serialize_none(),
    }
}

/// A reviewer's claim on an application: others are warned before deciding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub application_id: String,
    pub reviewer: String,
    /// Distinguishes one console of a reviewer from another.
    pub session: String,
    #[serde(serialize_with = "crate::ser_instant")]
    pub expires_at: DateTime<FixedOffset>,
}

/// What the import found for one record, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub state: State,
    pub revision: u32,
    pub version: i64,
    pub content_hash: String,
    pub submitted_at: DateTime<FixedOffset>,
}

/// A place where the stored data and the audit trail disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disagreement {
    /// An application's `field` holds `stored`; its audit entries say `replayed`.
    Application {
        id: String,
        field: &'static str,
        stored: String,
        replayed: String,
    },
    /// Audit entries name an application that is not there.
    Missing { id: String },
    /// Event `event` names audit entry `seq`, which is missing or has another hash.
    Event { event: i64, seq: i64 },
}

/// A failure of the store. Conflicts are expected in normal use; the rest are not.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The application changed since it was read: who changed it, when, and to what.
    #[error("{id} was changed by {by} at {} (now {state}); nothing was written", at.format("%Y-%m-%d %H:%M:%S %:z"))]
    Conflict {
        id: String,
        state: State,
        by: String,
        at: DateTime<FixedOffset>,
    },
    #[error("no application with id `{0}`")]
    NotFound(String),
    /// Removing this reviewer, or taking the lead from them, would leave no lead.
    #[error("{0} is the last lead reviewer; nothing was written")]
    LastLead(String),
    #[error("no reviewer named `{0}`")]
    UnknownReviewer(String),
    /// The database is not one of ours, or is newer than this binary.
    #[error("database: {0}")]
    Schema(String),
    /// What the database engine said.
    #[error("database error: {0}")]
    Database(String),
    /// The disk (or quota) holding the database is full; the transaction was rolled back.
    #[error(
        "the disk holding the database is full: nothing was written (free some space, then try again)"
    )]
    DiskFull,
    /// The database can be read here but not written (read-only storage, or no permission).
    #[error(
        "the database is read-only here (read-only storage, or no permission to write it): nothing was written"
    )]
    ReadOnly,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An application to write, with what the store keeps beside it.
#[derive(Debug, Clone, Copy)]
pub struct ImportRecord<'a> {
    pub app: &'a Application,
    /// `app` as JSON, as the store keeps it.
    pub body: &'a str,
    pub group: &'a str,
    pub state: State,
    pub revision: u32,
    pub derived: &'a Derived,
    pub content_hash: &'a str,
    /// When it became reviewable; None while it waits for verification.
    pub reviewable_at: Option<DateTime<FixedOffset>>,
}

/// A moment inside an open write transaction, where a crash test may stop a process to
/// kill it: the test then knows its kill landed mid-write, not before or after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PausePoint {
    /// An import has written this many records (applications and their audit entries).
    ImportRecord(u64),
    /// An import has written everything (and built its indexes) and is about to commit.
    ImportCommit,
    /// A decision and its audit entry are written and about to be committed.
    DecisionCommit,
}

/// Called by a store at each [`PausePoint`]; installed only on databases made for tests.
pub type PauseHook = std::sync::Arc<dyn Fn(PausePoint) + Send + Sync>;

/// One all-or-nothing import: dropped without [`ImportSession::commit`], it writes nothing.
pub trait ImportSession {
    fn existing(&mut self, id: &str) -> StoreResult<Option<Existing>>;
    /// A new application, with its first audit entry.
    fn insert(
        &mut self,
        record: ImportRecord<'_>,
        audit: NewAuditEntry,
        event: NewEvent,
    ) -> StoreResult<()>;
    /// A new revision of an application (or its update while it waits for verification):
    /// the previous revision is kept in its history.
    fn replace(
        &mut self,
        record: ImportRecord<'_>,
        audit: NewAuditEntry,
        event: NewEvent,
    ) -> StoreResult<()>;
    fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// The operations the review layer needs from a store.
pub trait Store {
    fn begin_import(&mut self) -> StoreResult<Box<dyn ImportSession + '_>>;
    fn get(&self, id: &str) -> StoreResult<Option<StoredApplication>>;
    /// A page of the queue; `now` decides which claims are still live.
    fn page(
        &self,
        query: &QueueQuery,
        offset: u64,
        limit: u64,
        now: DateTime<FixedOffset>,
    ) -> StoreResult<Vec<QueueRow>>;
    fn count(&self, query: &QueueQuery) -> StoreResult<u64>;
    fn counts(&self, bounds: CountBounds) -> StoreResult<QueueCounts>;
    /// Events with an id after `after`, oldest first, at most `limit`.
    fn events_after(&self, after: i64, limit: u64) -> StoreResult<Vec<EventRecord>>;
    /// The newest event's id (0 when there is none).
    fn last_event_id(&self) -> StoreResult<i64>;
    /// Writes the change, its audit entry and its event in one transaction, or nothing.
    fn change_state(
        &mut self,
        change: StateChange,
        derived: Option<&Derived>,
    ) -> StoreResult<AuditEntry>;
    /// Records a judgement of a manual check (and its audit entry), bumping the version.
    fn judge(
        &mut self,
        id: &str,
        expected_version: i64,
        revision: u32,
        judgement: &Judgement,
        derived: &Derived,
        audit: NewAuditEntry,
    ) -> StoreResult<AuditEntry>;
    fn judgements(&self, id: &str, revision: u32) -> StoreResult<Vec<Judgement>>;
    /// An audit entry that changes nothing else (a password reveal, a claim override).
    fn record(&mut self, audit: NewAuditEntry) -> StoreResult<AuditEntry>;
    fn history(&self, id: &str) -> StoreResult<Vec<AuditEntry>>;
    /// The whole audit chain, in order, for verification.
    fn audit_chain(&self, visit: &mut dyn FnMut(&AuditEntry) -> bool) -> StoreResult<()>;
    /// Where the stored data disagrees with the audit trail (at most `limit` places):
    /// applications whose state, revision or version are not what replaying their entries
    /// gives, entries of applications that are gone, events whose entry is missing or
    /// different. The chain's hashes cannot show these: a whole entry removed from the end,
    /// or a row changed beside the trail.
    fn audit_disagreements(&self, limit: u64) -> StoreResult<Vec<Disagreement>>;
    /// The last audit entry's sequence number and hash, if there is one.
    fn audit_head(&self) -> StoreResult<Option<(i64, String)>>;
    /// The hash of entry `seq`, if there is one.
    fn audit_hash_at(&self, seq: i64) -> StoreResult<Option<String>>;
    /// Applications whose derived columns were computed under another policy version, in
    /// id order after `after`: a walk through the table that never looks at a row twice.
    fn stale_derived(
        &self,
        policy_version: &str,
        after: Option<&str>,
        limit: u64,
    ) -> StoreResult<Vec<StoredApplication>>;
    fn update_derived(&mut self, updates: &[(String, Derived)]) -> StoreResult<()>;
    fn claim(&mut self, claim: &Claim, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>>;
    fn release(&mut self, id: &str, session: &str) -> StoreResult<()>;
    fn claim_of(&self, id: &str, now: DateTime<FixedOffset>) -> StoreResult<Option<Claim>>;
    /// A number that changes whenever anything is written, for live refresh.
    fn data_version(&self) -> StoreResult<i64>;
    fn meta(&self, key: &str) -> StoreResult<Option<String>>;
    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()>;

    // ---- lifecycle rules (effective directly) ----

    /// Whether another application than `except_id` of `account` for `product` is
    /// effective: the account bought this product before, and needs no integration again.
    fn product_effective(&self, account: &str, product: &str, except_id: &str)
    -> StoreResult<bool>;
    // ---- integration, reviewers and reopening (roles) ----
    /// Writes every change, each with its audit entry and its event, in order, in ONE
    /// transaction: when any one fails (a conflict, an unknown id) nothing is written.
    /// Returns how many were written (all of them). An iterator, so that a caller with
    /// millions need not hold them all at once.
    fn change_states(&mut self, changes: &mut dyn Iterator<Item = StateChange>)
    -> StoreResult<u64>;
    /// A change back to the review queue with a fresh clock: the change (audit entry and
    /// event), the derived columns, and `reviewable_at` set to the audit entry's time, in
    /// one transaction.
    fn reopen(&mut self, change: StateChange, derived: &Derived) -> StoreResult<AuditEntry>;
    /// Every reviewer the database knows, by name.
    fn reviewers(&self) -> StoreResult<Vec<Reviewer>>;
    /// Adds a reviewer, or changes whether an existing one is a lead (their `added_at`
    /// and `added_by` stay), with its audit entry (none only for the creator of a new
    /// database). Refused with [`StoreError::LastLead`] when it would take the lead from
    /// the last lead.
    fn put_reviewer(
        &mut self,
        reviewer: &Reviewer,
        audit: Option<NewAuditEntry>,
    ) -> StoreResult<()>;
    /// Removes a reviewer, with its audit entry; refused for the last lead.
    fn remove_reviewer(&mut self, name: &str, audit: NewAuditEntry) -> StoreResult<()>;

    // ---- webhook delivery (`shenhe deliver`): positions and failures per endpoint ----

    /// Where delivery to `endpoint` stands; none before its first attempt.
    fn delivery(&self, endpoint: &str) -> StoreResult<Option<DeliveryRow>>;
    /// Every endpoint ever delivered to, by URL.
    fn deliveries(&self) -> StoreResult<Vec<DeliveryRow>>;
    /// The newest `limit` events `endpoint` refused for good, newest first.
    fn delivery_failures(&self, endpoint: &str, limit: u64) -> StoreResult<Vec<DeliveryFailure>>;
    /// How many events `endpoint` refused for good.
    fn delivery_failure_count(&self, endpoint: &str) -> StoreResult<u64>;
    /// How many events have an id after `after`.
    fn count_events_after(&self, after: i64) -> StoreResult<u64>;
    /// Done with event `event_id` at `endpoint`: accepted, or refused for good (then
    /// `failure` is recorded). The position moves to it and the retry state is cleared,
    /// in one transaction.
    fn delivery_advance(
        &mut self,
        endpoint: &str,
        event_id: i64,
        failure: Option<&DeliveryFailure>,
        at: DateTime<FixedOffset>,
    ) -> StoreResult<()>;
    /// An attempt at the event after `position` failed and will be retried: one more
    /// attempt, its error, and when the failing began.
    fn delivery_retry(
        &mut self,
        endpoint: &str,
        position: i64,
        error: &str,
        at: DateTime<FixedOffset>,
    ) -> StoreResult<()>;
    /// Forgets the events `endpoint` refused (a person has read them); how many.
    fn delivery_clear_failures(&mut self, endpoint: &str) -> StoreResult<u64>;
    /// Keeps what the site probe saw (appended; the newest is the one shown).
    fn record_probe(&mut self, probe: &ProbeRecord) -> StoreResult<()>;
    /// The newest probe of an application, of whichever revision.
    fn latest_probe(&self, id: &str) -> StoreResult<Option<ProbeRecord>>;
    /// Applications waiting for review or verification, with a website and no probe of
    /// their current revision: (id, revision), oldest submission first.
    fn unprobed(&self, limit: u64) -> StoreResult<Vec<(String, u32)>>;

    // ---- what changed since a return (issue 15) ----

    /// The application as it was at `revision`, when a later one replaced it; None for
    /// its current revision, or one never kept.
    fn previous_revision(&self, id: &str, revision: u32) -> StoreResult<Option<Application>>;

    // ---- drafts (issue 15): a reviewer's unsent decision text ----

    /// Keeps `reviewer`'s draft for application `id`, replacing the one kept before.
    fn save_draft(
        &mut self,
        reviewer: &str,
        id: &str,
        draft: &shenhe_domain::drafts::Draft,
    ) -> StoreResult<()>;
    /// `reviewer`'s draft for application `id`, if one is kept.
    fn draft(&self, reviewer: &str, id: &str) -> StoreResult<Option<shenhe_domain::drafts::Draft>>;
    /// Forgets `reviewer`'s draft for application `id` (none kept is no error).
    fn discard_draft(&mut self, reviewer: &str, id: &str) -> StoreResult<()>;

    // ---- issue 13: search as you type ----
    /// While set, a query in progress on this store gives up (with an error) as soon as
    /// `check` returns true: the console's worker sets it around a window that a newer
    /// keystroke may make useless. A store that cannot stop a query early ignores it.
    fn set_interrupt(&mut self, check: Option<Box<dyn FnMut() -> bool + Send>>) {
        let _ = check;
    }

    // ---- statistics, assignment, saved views (issue 14: the lead's console) ----

    /// The queue now, counted on the whole database: states, due times, the 15-day
    /// window, the orders under review by due time, and intake per day.
    fn stats_snapshot(&self, bounds: &StatsBounds) -> StoreResult<StatsSnapshot>;
    /// The decisions (audit entries `approve`, `return`, `expire`) at or after `since`
    /// and before `until`, oldest first, each handed to `visit` until it returns false.
    /// `full`: with the application's merchant and product and the entry's message and
    /// note (an export); without, they are None (statistics need none of them).
    fn decisions(
        &self,
        since: DateTime<FixedOffset>,
        until: Option<DateTime<FixedOffset>>,
        full: bool,
        visit: &mut dyn FnMut(DecisionRow) -> bool,
    ) -> StoreResult<()>;
    /// Assigns each application to its reviewer with its audit entry and its event, all
    /// in ONE transaction ([`StoreError::NotFound`] for an unknown id: nothing written).
    fn assign(&mut self, assignments: &[NewAssignment]) -> StoreResult<u64>;
    /// The reviewer `id` is assigned to, if any.
    fn assignee(&self, id: &str) -> StoreResult<Option<String>>;
    /// A reviewer's saved views of the queue, by position.
    fn saved_views(&self, reviewer: &str) -> StoreResult<Vec<SavedView>>;
    /// Saves a view under `name` (replacing one of that name, at the end if new), or
    /// removes it when `filter` is None.
    fn put_saved_view(
        &mut self,
        reviewer: &str,
        name: &str,
        filter: Option<&str>,
    ) -> StoreResult<()>;
}
