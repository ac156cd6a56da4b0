//! The operations a reviewer performs: import, a page of the queue, show, approve,
//! return, expire, sweep, judge a manual check, reveal a password, history. They combine
//! the domain's rules with the store; the command line and the console both call them
//! and nothing else decides.

pub mod clock;
pub mod identity;
pub mod import;
pub mod queue;
pub mod test_pause;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::io::BufRead;
use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};

use shenhe_domain::application::Application;
use shenhe_domain::calendar::{self, TimeLeft};
use shenhe_domain::checks::{self, CheckId, CheckResult, Judgement, Outcome};
use shenhe_domain::policy::{Policy, ProductKind};
use shenhe_domain::state::{self, Event, State, TransitionRefused};
use shenhe_domain::text::fit;
use shenhe_store::audit::{ChainBreak, ChainVerifier};
use shenhe_store::{CountBounds, Derived, ImportRecord, NewAuditEntry, StateChange, Store};

pub use clock::Clock;
// What the faces read is the review layer's vocabulary: they need no store of their own.
pub use import::{ImportError, RecordError};
pub use shenhe_store::{
    AuditEntry, Claim, QueueCounts, QueueQuery, QueueRow, SortKey, StoreError, StoredApplication,
};

/// Records handed from the reading thread to the writing one at a time.
const IMPORT_BATCH: usize = 512;

/// The meta key holding the policy version every row's derived columns were computed under.
const DERIVED_VERSION_KEY: &str = "derived_policy_version";

/// How long a claim lasts unless renewed. The console renews it while the reviewer has
/// the application open and is at the keyboard, so a claim whose console died (or
/// whose reviewer went home) lapses by itself within this time.
pub const CLAIM_SECONDS: i64 = 120;

/// Why an operation did nothing: typed, so that each face can say it in its own words
/// (`shenhe_present::error` in zh and en; the command line adds its flags). The English
/// `Display` is for logs and the command line, and names no flag.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no application with id `{}`", fit(id, 60))]
    NotFound { id: String },
    /// The state does not allow it (the one transition table says so).
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    /// The state does not allow it any more: who put it there, and when. What a reviewer
    /// is told who loses a race read after the winner committed.
    #[error(
        "{refused}: {id} was already decided by {by} at {}; nothing was written",
        china_seconds(at)
    )]
    RefusedAfter {
        refused: TransitionRefused,
        id: String,
        by: String,
        at: DateTime<FixedOffset>,
    },
    /// Another reviewer changed it first: who, when, and what it is now.
    #[error(
        "{id} was already decided by {by} at {}: it is now {state}; nothing was written",
        china_seconds(at)
    )]
    Conflict {
        id: String,
        state: State,
        by: String,
        at: DateTime<FixedOffset>,
    },
    #[error("{id}: product `{product}` is no longer in the catalogue")]
    ProductGone { id: String, product: String },
    #[error("a return needs at least one reason")]
    ReasonNeeded,
    #[error("unknown return reason `{}` (one of: {})", fit(code, 40), known.join(", "))]
    UnknownReason { code: String, known: Vec<String> },
    #[error("the reason `other` needs a message to the applicant saying what is wrong")]
    OtherNeedsMessage,
    /// Expiring is for orders whose 15-day verification window has passed.
    #[error(
        "{id} is still inside its 15-day verification window (until {})",
        china_minutes(until)
    )]
    WindowOpen {
        id: String,
        until: DateTime<FixedOffset>,
    },
    #[error("expiring inside the verification window needs a note saying why")]
    ForcedExpireNeedsNote,
    #[error("{id} is {state}: its checks can no longer be judged")]
    Closed { id: String, state: State },
    #[error("{check} does not need a person's judgement for {id}")]
    NotManual { id: String, check: CheckId },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Store(StoreError),
}

fn china_seconds(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&calendar::china())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn china_minutes(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&calendar::china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl From<StoreError> for ReviewError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { id, state, by, at } => {
                ReviewError::Conflict { id, state, by, at }
            }
            StoreError::NotFound(id) => ReviewError::NotFound { id },
            other => ReviewError::Store(other),
        }
    }
}

pub type ReviewResult<T> = Result<T, ReviewError>;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub inserted: u64,
    pub resubmitted: u64,
    pub verified: u64,
    pub unchanged: u64,
}

/// Everything a reviewer needs to decide one application.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub stored: StoredApplication,
    pub checks: Vec<CheckResult>,
    pub judgements: Vec<Judgement>,
    pub due: calendar::Due,
    pub time_left: TimeLeft,
    /// When the order may be cancelled for want of real-name verification.
    pub verification_deadline: DateTime<FixedOffset>,
    pub history: Vec<AuditEntry>,
    /// Another session's live claim.
    pub claim: Option<Claim>,
    /// Return reasons the failed checks offer, in check order, without repeats.
    pub suggested_reasons: Vec<String>,
}

impl ApplicationView {
    pub fn id(&self) -> &str {
        &self.stored.app.id
    }

    /// Manual checks no reviewer has judged yet: approving attests that they pass.
    pub fn unjudged_manual(&self) -> Vec<CheckId> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Manual)
            .map(|c| c.id)
            .collect()
    }

    pub fn failed(&self) -> Vec<CheckId> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .map(|c| c.id)
            .collect()
    }
}

/// The result of a decision.
#[derive(Debug, Clone, Serialize)]
pub struct Decided {
    pub id: String,
    pub from: State,
    pub to: State,
    pub entry: AuditEntry,
}

/// One line of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepItem {
    pub id: String,
    #[serde(serialize_with = "shenhe_domain::application::rfc3339::serialize")]
    pub submitted_at: DateTime<FixedOffset>,
    pub expired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The outcome of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub checked: u64,
    pub broken: Option<ChainBreak>,
}

/// A reviewer's session on a store: who acts, under which policy, at what time.
pub struct Review {
    store: Box<dyn Store + Send>,
    policy: Arc<Policy>,
    actor: String,
    clock: Clock,
    /// Distinguishes this process's claims from the same reviewer's other sessions.
    session: String,
}

impl Review {
    /// Opens a session. Derived columns computed under another policy are recomputed
    /// first, so that the queue's order and summaries always follow the current data.
    pub fn new(
        store: Box<dyn Store + Send>,
        policy: Arc<Policy>,
        actor: String,
        clock: Clock,
    ) -> ReviewResult<Review> {
        let session = format!(
            "{}-{}-{}",
            actor,
            std::process::id(),
            clock.now().timestamp_nanos_opt().unwrap_or_default()
        );
        let mut review = Review {
            store,
            policy,
            actor,
            clock,
            session,
        };
        review.refresh_derived()?;
        Ok(review)
    }

    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Acts as another reviewer at another time: for building demo histories only
    /// (`shenhe demo`), never reachable from a face that a reviewer drives.
    pub fn act_as(&mut self, actor: &str, clock: Clock) {
        self.actor = actor.to_string();
        self.clock = clock;
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now()
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Recomputes due times and check summaries computed under another policy version
    /// (a new year's holidays, a changed check table). Returns how many were updated.
    pub fn refresh_derived(&mut self) -> ReviewResult<u64> {
        let version = self.policy.version.clone();
        // Every row was brought to this version already: nothing to look for.
        if self.store.meta(DERIVED_VERSION_KEY)?.as_deref() == Some(version.as_str()) {
            return Ok(0);
        }
        let mut updated = 0;
        let mut after: Option<String> = None;
        loop {
            let stale = self
                .store
                .stale_derived(&version, after.as_deref(), 5_000)?;
            after = stale.last().map(|s| s.app.id.clone());
            if stale.is_empty() {
                self.store.set_meta(DERIVED_VERSION_KEY, &version)?;
                return Ok(updated);
            }
            let mut updates = Vec::with_capacity(stale.len());
            for s in &stale {
                let judgements = self.store.judgements(&s.app.id, s.revision)?;
                updates.push((s.app.id.clone(), derive(&self.policy, &s.app, &judgements)));
            }
            updated += updates.len() as u64;
            self.store.update_derived(&updates)?;
        }
    }

    // ---- import ----

    /// Imports a JSON array or NDJSON of applications, all or nothing. Reading,
    /// validating and checking run on a second thread while this one writes, so a large
    /// file takes about as long as the database needs to store it.
    pub fn import(&mut self, input: impl BufRead + Send) -> ReviewResult<ImportReport> {
        let policy = Arc::clone(&self.policy);
        let now = self.now();
        let actor = self.actor.clone();
        let mut session = self.store.begin_import().map_err(ReviewError::from)?;
        std::thread::scope(|scope| {
            // Batches, not single records: waking the other thread per record costs more
            // than the record.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(16);
            let parser = scope.spawn(|| {
                let mut reader = import::RecordReader::new(&policy, now);
                let mut batch = Vec::with_capacity(IMPORT_BATCH);
                let mut result = reader.read(input, &mut |position, app| {
                    let body = serde_json::to_string(&app).expect("applications serialise");
                    batch.push(Prepared {
                        position,
                        hash: content_hash_of(&body),
                        derived: derive(&policy, &app, &[]),
                        body,
                        app,
                    });
                    if batch.len() == IMPORT_BATCH {
                        // The writer stopped (a store error): stop reading too.
                        tx.send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(IMPORT_BATCH),
                        ))
                        .map_err(|_| ImportError::File("the import was stopped".into()))?;
                    }
                    Ok(())
                });
                if result.is_ok() && !batch.is_empty() && tx.send(batch).is_err() {
                    result = Err(ImportError::File("the import was stopped".into()));
                }
                drop(tx);
                result
            });
            let mut report = ImportReport::default();
            let mut conflicts: Vec<RecordError> = Vec::new();
            let mut store_error = None;
            'batches: for batch in rx {
                for p in batch {
                    if let Err(e) = write_prepared(
                        session.as_mut(),
                        &policy,
                        &actor,
                        now,
                        p,
                        &mut report,
                        &mut conflicts,
                    ) {
                        store_error = Some(e);
                        break 'batches;
                    }
                }
            }
            let read = parser
                .join()
                .unwrap_or_else(|_| Err(ImportError::File("the reader failed".into())));
            if let Some(e) = store_error {
                return Err(ReviewError::Import(ImportError::Store(e)));
            }
            match read {
                Err(ImportError::Records { mut errors, total }) => {
                    let extra = conflicts.len() as u64;
                    errors.extend(conflicts);
                    errors.truncate(import::limits::REPORTED);
                    Err(ReviewError::Import(ImportError::Records {
                        errors,
                        total: total + extra,
                    }))
                }
                Err(e) => Err(ReviewError::Import(e)),
                Ok(()) if !conflicts.is_empty() => {
                    let total = conflicts.len() as u64;
                    conflicts.truncate(import::limits::REPORTED);
                    Err(ReviewError::Import(ImportError::Records {
                        errors: conflicts,
                        total,
                    }))
                }
                Ok(()) => {
                    session.commit()?;
                    Ok(report)
                }
            }
        })
    }

    // ---- reading ----

    pub fn page(&self, query: &QueueQuery, offset: u64, limit: u64) -> ReviewResult<Vec<QueueRow>> {
        Ok(self.store.page(query, offset, limit, self.now())?)
    }

    pub fn count(&self, query: &QueueQuery) -> ReviewResult<u64> {
        Ok(self.store.count(query)?)
    }

    /// The bounds that split "overdue", "due today" and "past the verification window".
    pub fn count_bounds(&self) -> CountBounds {
        let now = self.now();
        CountBounds {
            now,
            end_of_today: calendar::end_of_today(now),
            verification_cutoff: now - Duration::days(calendar::VERIFICATION_WINDOW_DAYS),
        }
    }

    pub fn counts(&self) -> ReviewResult<QueueCounts> {
        Ok(self.store.counts(self.count_bounds())?)
    }

    /// Everything about one application.
    pub fn show(&self, id: &str) -> ReviewResult<ApplicationView> {
        let stored = self.load(id)?;
        let judgements = self.store.judgements(id, stored.revision)?;
        let mut results = checks::evaluate(&self.policy, &stored.app);
        checks::apply_judgements(&self.policy, &mut results, &judgements);
        let due = self.policy.calendar.due_at(stored.app.submitted_at);
        let time_left = self.policy.calendar.time_left(self.now(), due.at);
        let mut suggested: Vec<String> = Vec::new();
        for reason in results.iter().filter_map(|r| r.reason.clone()) {
            if !suggested.contains(&reason) {
                suggested.push(reason);
            }
        }
        let claim = self
            .store
            .claim_of(id, self.now())?
            .filter(|c| c.session != self.session);
        Ok(ApplicationView {
            verification_deadline: calendar::verification_deadline(stored.app.submitted_at),
            history: self.store.history(id)?,
            stored,
            checks: results,
            judgements,
            due,
            time_left,
            claim,
            suggested_reasons: suggested,
        })
    }

    pub fn history(&self, id: &str) -> ReviewResult<Vec<AuditEntry>> {
        if self.store.get(id)?.is_none() {
            return Err(ReviewError::NotFound { id: id.to_string() });
        }
        Ok(self.store.history(id)?)
    }

    // ---- decisions ----

    /// The current version of an application, for callers that decide without having
    /// shown it (the command line). The store still refuses if it changes before writing.
    fn load(&self, id: &str) -> ReviewResult<StoredApplication> {
        self.store
            .get(id)?
            .ok_or_else(|| ReviewError::NotFound { id: id.to_string() })
    }

    pub fn current_version(&self, id: &str) -> ReviewResult<i64> {
        Ok(self.load(id)?.version)
    }

    /// Decides `stored` (as the caller read it) if it is still at `version`; the store
    /// checks that again in the transaction that writes.
    fn decide(
        &mut self,
        stored: StoredApplication,
        version: i64,
        event: Event,
        mut entry: NewAuditEntry,
    ) -> ReviewResult<Decided> {
        let id = stored.app.id.as_str();
        if stored.version != version {
            return Err(ReviewError::Conflict {
                id: id.to_string(),
                state: stored.state,
                by: stored.changed_by,
                at: stored.changed_at,
            });
        }
        let kind = product_kind(&self.policy, &stored)?;
        let to = state::transition(stored.state, event, kind).map_err(|refused| {
            if stored.state == state::initial_state(true)
                || stored.state == state::initial_state(false)
            {
                // Still as submitted: nobody decided it, the event just does not apply.
                ReviewError::Refused(refused)
            } else {
                ReviewError::RefusedAfter {
                    refused,
                    id: id.to_string(),
                    by: stored.changed_by.clone(),
                    at: stored.changed_at,
                }
            }
        })?;
        entry.from_state = Some(stored.state.id().to_string());
        entry.to_state = Some(to.id().to_string());
        entry.revision = stored.revision;
        let entry = self.store.change_state(
            StateChange {
                id: id.to_string(),
                expected_version: version,
                to,
                audit: entry,
            },
            None,
        )?;
        Ok(Decided {
            id: id.to_string(),
            from: stored.state,
            to,
            entry,
        })
    }

    fn entry(&self, id: &str, action: &str) -> NewAuditEntry {
        NewAuditEntry {
            application_id: id.to_string(),
            revision: 0,
            at: self.now(),
            actor: self.actor.clone(),
            action: action.to_string(),
            from_state: None,
            to_state: None,
            reasons: Vec::new(),
            message: None,
            note: None,
            detail: None,
        }
    }

    /// Approves at `version`. Manual checks not yet judged are attested as passing by
    /// the approval; the audit entry names them.
    pub fn approve(
        &mut self,
        id: &str,
        version: i64,
        note: Option<String>,
    ) -> ReviewResult<Decided> {
        let view = self.show(id)?;
        let mut entry = self.entry(id, "approve");
        entry.note = clean(note);
        let attested: Vec<&str> = view.unjudged_manual().iter().map(|c| c.id()).collect();
        let failed: Vec<&str> = view.failed().iter().map(|c| c.id()).collect();
        let mut detail = Vec::new();
        if !attested.is_empty() {
            detail.push(format!("attested manual checks: {}", attested.join(", ")));
        }
        if !failed.is_empty() {
            detail.push(format!(
                "approved despite failed checks: {}",
                failed.join(", ")
            ));
        }
        entry.detail = (!detail.is_empty()).then(|| detail.join("; "));
        self.decide(view.stored, version, Event::Approve, entry)
    }

    /// Returns at `version` with at least one reason of the catalogue.
    pub fn return_application(
        &mut self,
        id: &str,
        version: i64,
        reasons: &[String],
        message: Option<String>,
        note: Option<String>,
    ) -> ReviewResult<Decided> {
        if reasons.is_empty() {
            return Err(ReviewError::ReasonNeeded);
        }
        let mut unique: Vec<String> = Vec::new();
        for code in reasons {
            if self.policy.reason(code).is_none() {
                return Err(ReviewError::UnknownReason {
                    code: code.clone(),
                    known: self.policy.reasons.iter().map(|r| r.code.clone()).collect(),
                });
            }
            if !unique.contains(code) {
                unique.push(code.clone());
            }
        }
        if unique.iter().any(|r| r == "other") && clean(message.clone()).is_none() {
            return Err(ReviewError::OtherNeedsMessage);
        }
        let mut entry = self.entry(id, "return");
        entry.reasons = unique;
        entry.message = clean(message);
        entry.note = clean(note);
        let stored = self.load(id)?;
        self.decide(stored, version, Event::Return, entry)
    }

    /// Expires an order waiting for real-name verification past its 15-day window.
    /// Inside the window it is refused, unless forced with a note.
    pub fn expire(
        &mut self,
        id: &str,
        version: i64,
        note: Option<String>,
        force: bool,
    ) -> ReviewResult<Decided> {
        let stored = self.load(id)?;
        let deadline = calendar::verification_deadline(stored.app.submitted_at);
        let note = clean(note);
        let mut entry = self.entry(id, "expire");
        if stored.state == State::PendingVerification && self.now() <= deadline {
            if !force {
                return Err(ReviewError::WindowOpen {
                    id: id.to_string(),
                    until: deadline,
                });
            }
            if note.is_none() {
                return Err(ReviewError::ForcedExpireNeedsNote);
            }
            entry.detail = Some(format!(
                "forced inside the verification window (until {})",
                deadline.to_rfc3339()
            ));
        }
        entry.note = note;
        self.decide(stored, version, Event::Expire, entry)
    }

    /// Expires every order past its verification window, each with its own audit entry.
    pub fn sweep(&mut self, dry_run: bool) -> ReviewResult<Vec<SweepItem>> {
        let cutoff = self.count_bounds().verification_cutoff;
        let query = QueueQuery {
            states: vec![State::PendingVerification],
            submitted_before: Some(cutoff),
            sort: shenhe_store::SortKey::Submitted,
            ..Default::default()
        };
        let mut items = Vec::new();
        let mut offset = 0;
        loop {
            let rows = self.store.page(&query, offset, 500, self.now())?;
            if rows.is_empty() {
                break;
            }
            if dry_run {
                offset += rows.len() as u64;
            }
            for row in rows {
                let mut item = SweepItem {
                    id: row.id.clone(),
                    submitted_at: row.submitted_at,
                    expired: false,
                    error: None,
                };
                if !dry_run {
                    match self.expire(
                        &row.id,
                        row.version,
                        Some("15-day verification window lapsed (sweep)".into()),
                        false,
                    ) {
                        Ok(_) => item.expired = true,
                        Err(e) => {
                            item.error = Some(e.to_string());
                            offset += 1;
                        }
                    }
                }
                items.push(item);
            }
        }
        Ok(items)
    }

    /// Records a reviewer's judgement of a check that needs a person.
    pub fn judge(
        &mut self,
        id: &str,
        version: i64,
        check: CheckId,
        passed: bool,
        note: Option<String>,
    ) -> ReviewResult<AuditEntry> {
        let view = self.show(id)?;
        let stored = &view.stored;
        if !stored.state.is_open() {
            return Err(ReviewError::Closed {
                id: id.to_string(),
                state: stored.state,
            });
        }
        let raw = checks::evaluate(&self.policy, &stored.app);
        if !raw
            .iter()
            .any(|r| r.id == check && r.outcome == Outcome::Manual)
        {
            return Err(ReviewError::NotManual {
                id: id.to_string(),
                check,
            });
        }
        let judgement = Judgement {
            check,
            passed,
            note: clean(note),
            by: self.actor.clone(),
            at: self.now(),
        };
        let mut all = view.judgements.clone();
        all.retain(|j| j.check != check);
        all.push(judgement.clone());
        let derived = derive(&self.policy, &stored.app, &all);
        let mut entry = self.entry(id, "judge");
        entry.revision = stored.revision;
        entry.detail = Some(format!("{check}: {}", if passed { "pass" } else { "fail" }));
        entry.note = judgement.note.clone();
        Ok(self
            .store
            .judge(id, version, stored.revision, &judgement, &derived, entry)?)
    }

    /// The test account's password, logged in the audit trail with who and when.
    pub fn reveal_password(&mut self, id: &str) -> ReviewResult<Option<String>> {
        let stored = self.load(id)?;
        let password = stored
            .app
            .website
            .as_ref()
            .and_then(|w| w.test_password.clone());
        if password.is_some() {
            let mut entry = self.entry(id, "reveal_password");
            entry.revision = stored.revision;
            self.store.record(entry)?;
        }
        Ok(password)
    }

    /// Records that this reviewer decides despite another's claim.
    pub fn record_claim_override(&mut self, id: &str, claim: &Claim) -> ReviewResult<()> {
        let mut entry = self.entry(id, "claim_override");
        entry.detail = Some(format!(
            "claimed by {} until {}",
            claim.reviewer,
            claim.expires_at.to_rfc3339()
        ));
        self.store.record(entry)?;
        Ok(())
    }

    // ---- claims ----

    /// Claims `id` for this session; returns another session's live claim instead, if any.
    pub fn claim(&mut self, id: &str) -> ReviewResult<Option<Claim>> {
        let now = self.now();
        let claim = Claim {
            application_id: id.to_string(),
            reviewer: self.actor.clone(),
            session: self.session.clone(),
            expires_at: now + Duration::seconds(CLAIM_SECONDS),
        };
        Ok(self.store.claim(&claim, now)?)
    }

    pub fn release(&mut self, id: &str) -> ReviewResult<()> {
        Ok(self.store.release(id, &self.session)?)
    }

    pub fn session(&self) -> &str {
        &self.session
    }

    // ---- audit ----

    pub fn verify_audit(&self) -> ReviewResult<ChainReport> {
        let mut verifier = ChainVerifier::default();
        self.store.audit_chain(&mut |entry| verifier.feed(entry))?;
        Ok(ChainReport {
            checked: verifier.checked,
            broken: verifier.broken,
        })
    }

    pub fn data_version(&self) -> ReviewResult<i64> {
        Ok(self.store.data_version()?)
    }
}

/// A record read and checked, ready to be written.
struct Prepared {
    position: import::Position,
    app: Application,
    body: String,
    hash: String,
    derived: Derived,
}

/// Writes one record as what it is: new, unchanged, a resubmission, a verification, or a
/// conflict (collected: the whole file is then refused).
fn write_prepared(
    session: &mut dyn shenhe_store::ImportSession,
    policy: &Policy,
    actor: &str,
    now: DateTime<FixedOffset>,
    p: Prepared,
    report: &mut ImportReport,
    conflicts: &mut Vec<RecordError>,
) -> Result<(), StoreError> {
    let app = &p.app;
    let existing = session.existing(&app.id)?;
    let product = policy
        .product(&app.product)
        .expect("validated against this policy");
    let entry = |action: &str, revision: u32, from: Option<State>, to: State| NewAuditEntry {
        application_id: app.id.clone(),
        revision,
        at: now,
        actor: actor.to_string(),
        action: action.to_string(),
        from_state: from.map(|s| s.id().to_string()),
        to_state: Some(to.id().to_string()),
        reasons: Vec::new(),
        message: None,
        note: None,
        detail: None,
    };
    let record = |state, revision| ImportRecord {
        app,
        body: &p.body,
        group: &product.group,
        state,
        revision,
        derived: &p.derived,
        content_hash: &p.hash,
    };
    let conflict = |field: &str, message: String| RecordError {
        position: p.position,
        id: Some(app.id.clone()),
        field: Some(field.to_string()),
        message,
    };
    match existing {
        None => {
            let to = state::initial_state(app.applicant.verified);
            session.insert(record(to, 1), entry("submit", 1, None, to))?;
            report.inserted += 1;
        }
        Some(e) if e.content_hash == p.hash => report.unchanged += 1,
        Some(e) if e.state == State::Returned => {
            if app.submitted_at <= e.submitted_at {
                conflicts.push(conflict(
                    "submitted_at",
                    format!(
                        "a resubmission must be submitted after the returned revision ({})",
                        e.submitted_at.to_rfc3339()
                    ),
                ));
                return Ok(());
            }
            let to =
                state::transition(e.state, Event::Resubmit, product.kind).expect("in the table");
            let revision = e.revision + 1;
            session.replace(
                record(to, revision),
                entry("resubmit", revision, Some(e.state), to),
            )?;
            report.resubmitted += 1;
        }
        Some(e) if e.state == State::PendingVerification && app.applicant.verified => {
            let to =
                state::transition(e.state, Event::Verified, product.kind).expect("in the table");
            session.replace(
                record(to, e.revision),
                entry("verified", e.revision, Some(e.state), to),
            )?;
            report.verified += 1;
        }
        Some(e) => conflicts.push(conflict(
            "id",
            format!(
                "already imported and now {}; only a returned application can be submitted again",
                e.state
            ),
        )),
    }
    Ok(())
}

fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A digest of what the merchant submitted: the same content imported again is a no-op.
pub fn content_hash(app: &Application) -> String {
    content_hash_of(&serde_json::to_string(app).expect("applications serialise"))
}

/// The content hash of an application already serialised (as the store keeps it).
pub fn content_hash_of(body: &str) -> String {
    shenhe_store::audit::hex(&Sha256::digest(body.as_bytes())[..16])
}

/// The kind of product `stored` applies for, which decides where approval leads.
fn product_kind(policy: &Policy, stored: &StoredApplication) -> ReviewResult<ProductKind> {
    policy
        .product(&stored.app.product)
        .map(|p| p.kind)
        .ok_or_else(|| ReviewError::ProductGone {
            id: stored.app.id.clone(),
            product: stored.app.product.clone(),
        })
}

/// Whether `event` may be taken on `stored` at `now`, without forcing: the rules the
/// decisions below apply before they write, for a face that would rather refuse before
/// asking for a note. The store still checks the version when it writes.
pub fn may_decide(
    policy: &Policy,
    stored: &StoredApplication,
    event: Event,
    now: DateTime<FixedOffset>,
) -> ReviewResult<State> {
    let to = state::transition(stored.state, event, product_kind(policy, stored)?)?;
    let until = calendar::verification_deadline(stored.app.submitted_at);
    if event == Event::Expire && now <= until {
        return Err(ReviewError::WindowOpen {
            id: stored.app.id.clone(),
            until,
        });
    }
    Ok(to)
}

/// The derived columns of an application under `policy`.
pub fn derive(policy: &Policy, app: &Application, judgements: &[Judgement]) -> Derived {
    let mut results = checks::evaluate(policy, app);
    checks::apply_judgements(policy, &mut results, judgements);
    let summary = checks::summarise(&results);
    Derived {
        due_at: policy.calendar.due_at(app.submitted_at).at,
        failed: summary.failed,
        manual: summary.manual,
        policy_version: policy.version.clone(),
    }
}

/// Years a due time was computed in that the holiday data does not cover, as a warning.
pub fn calendar_warning(uncovered: &BTreeSet<i32>) -> Option<String> {
    if uncovered.is_empty() {
        return None;
    }
    let years: Vec<String> = uncovered.iter().map(|y| y.to_string()).collect();
    Some(format!(
        "no official holiday data for {}: business days there are counted on weekends alone",
        years.join(", ")
    ))
}
