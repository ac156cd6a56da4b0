//! The operations a reviewer performs: import, a page of the queue, show, approve,
//! return, expire, sweep, judge a manual check, reveal a password, history. They combine
//! the domain's rules with the store; the command line and the console both call them
//! and nothing else decides.

mod approval;
mod assign;
pub mod bulk;
pub mod clock;
mod decide;
pub mod delivery;
mod error;
pub mod identity;
pub mod import;
mod importing;
mod integration;
pub mod probe;
pub mod queue;
mod roles;
pub mod stats;
pub mod test_pause;
#[cfg(test)]
mod tests;
pub mod views;

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};

use shenhe_domain::application::Application;
use shenhe_domain::calendar::{self, TimeLeft};
use shenhe_domain::checks::{self, CheckId, CheckResult, Judgement, Outcome};
use shenhe_domain::policy::Policy;
use shenhe_domain::state::State;
use shenhe_store::audit::{ChainBreak, ChainVerifier};
use shenhe_store::{CountBounds, Derived, Store};

pub use approval::ApprovalPlan;
pub use clock::Clock;
pub use decide::{Written, may_decide, refused_character};
pub use delivery::{DeliveryHealth, DeliveryStatus};
pub use error::{ReviewError, ReviewResult};
// What the faces read is the review layer's vocabulary: they need no store of their own.
pub use import::{ImportError, RecordError};
pub use integration::PASSED_AT_SKEW_MINUTES;
pub use roles::may_reopen;
pub use shenhe_store::{
    AuditEntry, Claim, DeliveryFailure, DeliveryRow, Disagreement, EventRecord, QueueCounts,
    QueueQuery, QueueRow, SortKey, StoreError, StoredApplication,
};
pub use shenhe_store::{Reviewer, TEAM_AUDIT_ID};

/// Records handed from the reading thread to the writing one at a time.
const IMPORT_BATCH: usize = 512;

/// The meta key holding the policy version every row's derived columns were computed under.
const DERIVED_VERSION_KEY: &str = "derived_policy_version";

/// How long a claim lasts unless renewed. The console renews it while the reviewer has
/// the application open and is at the keyboard, so a claim whose console died (or
/// whose reviewer went home) lapses by itself within this time.
pub const CLAIM_SECONDS: i64 = 120;

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
    /// What approving would do and need; `None` when the state allows no approval.
    pub approval: Option<ApprovalPlan>,
    /// The newest look the site probe took at the website, of whichever revision.
    pub probe: Option<shenhe_domain::probe::ProbeRecord>,
    /// A returned application sent back: why it was returned, and what changed since.
    pub since_return: Option<SinceReturn>,
    /// This reviewer's unsent decision on it, kept from a console that went away.
    pub draft: Option<shenhe_domain::drafts::Draft>,
}

/// What a reviewer of a resubmission reads first: the return it answers, and every field
/// the merchant changed since the revision that was returned.
#[derive(Debug, Clone)]
pub struct SinceReturn {
    /// The return's audit entry: when, by whom, the reasons and the message.
    pub returned: AuditEntry,
    pub changes: Vec<shenhe_domain::changes::FieldChange>,
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
    /// The last entry: what to keep elsewhere, to prove later that the chain still holds it.
    pub head: Option<(i64, String)>,
    /// Where the applications and events disagree with the chain (at most a screenful).
    pub disagreements: Vec<Disagreement>,
    /// Whether the chain still holds a head kept earlier, when one was given.
    pub kept_head: Option<KeptHead>,
}

/// What became of an audit head kept earlier (`shenhe audit head`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptHead {
    /// The entry is there with the same hash: nothing before it changed.
    Held,
    /// The chain now ends before that entry: entries were removed from its end.
    Gone { last: i64 },
    /// The entry has another hash: the chain was rewritten at or before it.
    Rewritten,
}

/// How many disagreements verification lists at most.
const DISAGREEMENTS_SHOWN: u64 = 20;

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
        let mut review = Review::reader(store, policy, actor, clock);
        review.refresh_derived()?;
        Ok(review)
    }

    /// A session that only reads (a database opened read-only): derived columns are
    /// taken as stored, even if computed under another policy. [`Review::new`] is this,
    /// with the derived columns brought up to date first.
    pub fn reader(
        store: Box<dyn Store + Send>,
        policy: Arc<Policy>,
        actor: String,
        clock: Clock,
    ) -> Review {
        let session = format!(
            "{}-{}-{}",
            actor,
            std::process::id(),
            clock.now().timestamp_nanos_opt().unwrap_or_default()
        );
        Review {
            store,
            policy,
            actor,
            clock,
            session,
        }
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
                updates.push((
                    s.app.id.clone(),
                    derive(&self.policy, &s.app, s.reviewable_at, &judgements),
                ));
            }
            updated += updates.len() as u64;
            self.store.update_derived(&updates)?;
        }
    }

    // ---- reading ----

    pub fn page(&self, query: &QueueQuery, offset: u64, limit: u64) -> ReviewResult<Vec<QueueRow>> {
        Ok(self.store.page(query, offset, limit, self.now())?)
    }

    /// A page of `query` with this reviewer's own applications (assigned to them) first,
    /// then the others, each part in the query's order: "mine first" (issue 14). The
    /// same applications as [`Review::page`] (and so the same [`Review::count`]), only
    /// ordered otherwise.
    pub fn page_mine_first(
        &self,
        query: &QueueQuery,
        offset: u64,
        limit: u64,
    ) -> ReviewResult<Vec<QueueRow>> {
        if query
            .assigned_to
            .as_deref()
            .is_some_and(|a| a != self.actor)
        {
            // Assigned to another: none of it is mine.
            return self.page(query, offset, limit);
        }
        let mine = QueueQuery {
            assigned_to: Some(self.actor.clone()),
            ..query.clone()
        };
        let own = self.count(&mine)?;
        let mut rows = if offset < own {
            self.page(&mine, offset, limit)?
        } else {
            Vec::new()
        };
        let wanted = limit.saturating_sub(rows.len() as u64);
        if wanted > 0 {
            let others = QueueQuery {
                not_assigned_to: Some(self.actor.clone()),
                ..query.clone()
            };
            rows.extend(self.page(&others, offset.saturating_sub(own), wanted)?);
        }
        Ok(rows)
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
        let due = self
            .policy
            .calendar
            .due_at(review_clock_start(&stored.app, stored.reviewable_at));
        let time_left = self.policy.calendar.time_left(self.now(), due.at);
        let mut suggested: Vec<String> = Vec::new();
        for reason in results.iter().filter_map(|r| r.reason.clone()) {
            if !suggested.contains(&reason) {
                suggested.push(reason);
            }
        }
        let claim = self.claim_of_another(id)?;
        let history = self.store.history(id)?;
        let approval = approval::plan(&self.policy, self.store(), &stored, &results, &history)?;
        let probe = self.store.latest_probe(id)?;
        if let Some(p) = &probe {
            shenhe_domain::probe::add_evidence(&mut results, p, stored.revision);
        }
        let since_return = self.since_return(&stored, &history)?;
        // A draft is offered only where its dialog can still be used: a decision made
        // meanwhile (from the command line, say) leaves it behind, not to be taken up.
        let draft = self.store.draft(&self.actor, id)?.filter(|d| {
            (d.kind == shenhe_domain::drafts::DraftKind::Reopen) != stored.state.is_open()
        });
        Ok(ApplicationView {
            probe,
            since_return,
            draft,
            verification_deadline: calendar::verification_deadline(stored.app.submitted_at),
            history,
            approval,
            stored,
            checks: results,
            judgements,
            due,
            time_left,
            claim,
            suggested_reasons: suggested,
        })
    }

    /// The last return of an earlier revision, and the fields changed since that revision.
    fn since_return(
        &self,
        stored: &StoredApplication,
        history: &[AuditEntry],
    ) -> ReviewResult<Option<SinceReturn>> {
        let Some(returned) = history
            .iter()
            .rev()
            .find(|e| e.entry.action == "return" && e.entry.revision < stored.revision)
        else {
            return Ok(None);
        };
        let changes = match self
            .store
            .previous_revision(&stored.app.id, returned.entry.revision)?
        {
            Some(before) => shenhe_domain::changes::changes(&before, &stored.app),
            None => Vec::new(),
        };
        Ok(Some(SinceReturn {
            returned: returned.clone(),
            changes,
        }))
    }

    /// Published events after `after`, oldest first (docs/events.md).
    pub fn events_after(&self, after: i64, limit: u64) -> ReviewResult<Vec<EventRecord>> {
        Ok(self.store.events_after(after, limit)?)
    }

    pub fn last_event_id(&self) -> ReviewResult<i64> {
        Ok(self.store.last_event_id()?)
    }

    /// The audit trail of one application, or of the team of reviewers ([`TEAM_AUDIT_ID`]).
    pub fn history(&self, id: &str) -> ReviewResult<Vec<AuditEntry>> {
        if id != TEAM_AUDIT_ID && self.store.get(id)?.is_none() {
            return Err(ReviewError::NotFound { id: id.to_string() });
        }
        Ok(self.store.history(id)?)
    }

    // ---- audit ----

    /// Walks the hash chain, replays it against the applications and events, and checks
    /// that it still holds `kept`, a head (sequence number, hash) kept from earlier.
    pub fn verify_audit(&self, kept: Option<(i64, &str)>) -> ReviewResult<ChainReport> {
        let mut verifier = ChainVerifier::default();
        self.store.audit_chain(&mut |entry| verifier.feed(entry))?;
        let disagreements = if verifier.broken.is_none() {
            self.store.audit_disagreements(DISAGREEMENTS_SHOWN)?
        } else {
            Vec::new()
        };
        let head = self.store.audit_head()?;
        let kept_head = match kept {
            None => None,
            Some((seq, hash)) => Some(match self.store.audit_hash_at(seq)? {
                Some(found) if found == hash => KeptHead::Held,
                Some(_) => KeptHead::Rewritten,
                None => KeptHead::Gone {
                    last: head.as_ref().map_or(0, |(seq, _)| *seq),
                },
            }),
        };
        Ok(ChainReport {
            checked: verifier.checked,
            broken: verifier.broken,
            head,
            disagreements,
            kept_head,
        })
    }

    /// Another session's live claim on `id` (another reviewer, or another console of
    /// this one, has it open), if any.
    pub fn claim_of_another(&self, id: &str) -> ReviewResult<Option<Claim>> {
        // The same reviewer's other console (or the one whose SSH link dropped) is not
        // another reviewer: their claim is this one's.
        Ok(self
            .store
            .claim_of(id, self.now())?
            .filter(|c| c.session != self.session && c.reviewer != self.actor))
    }

    /// Keeps this reviewer's unsent decision text on `id`, stamped now; an empty one is
    /// forgotten instead.
    pub fn save_draft(
        &mut self,
        id: &str,
        mut draft: shenhe_domain::drafts::Draft,
    ) -> ReviewResult<()> {
        if draft.is_empty() {
            return self.discard_draft(id);
        }
        draft.saved_at = self.now();
        Ok(self.store.save_draft(&self.actor, id, &draft)?)
    }

    /// Forgets this reviewer's draft on `id`: the decision was made, or the dialog cancelled.
    pub fn discard_draft(&mut self, id: &str) -> ReviewResult<()> {
        Ok(self.store.discard_draft(&self.actor, id)?)
    }

    /// The last audit entry (sequence number, hash).
    pub fn audit_head(&self) -> ReviewResult<Option<(i64, String)>> {
        Ok(self.store.audit_head()?)
    }

    pub fn data_version(&self) -> ReviewResult<i64> {
        Ok(self.store.data_version()?)
    }

    /// While set, a read in progress gives up as soon as `check` says it is no longer
    /// wanted (see `Store::set_interrupt`); the caller drops what it then gets.
    pub fn set_interrupt(&mut self, check: Option<Box<dyn FnMut() -> bool + Send>>) {
        self.store.set_interrupt(check);
    }
}

/// A digest of what the merchant submitted: the same content imported again is a no-op.
pub fn content_hash(app: &Application) -> String {
    content_hash_of(&serde_json::to_string(app).expect("applications serialise"))
}

/// The content hash of an application already serialised (as the store keeps it).
pub fn content_hash_of(body: &str) -> String {
    shenhe_store::audit::hex(&Sha256::digest(body.as_bytes())[..16])
}

/// Where the three-business-day clock of `app` starts: when it became reviewable (its
/// submission when verified, else the moment verification arrived; a resubmission
/// restarts it). An order still waiting for verification has no clock yet: its due time
/// is counted from its submission only so that it has a place in the queue's order.
pub fn review_clock_start(
    app: &Application,
    reviewable_at: Option<DateTime<FixedOffset>>,
) -> DateTime<FixedOffset> {
    reviewable_at.unwrap_or(app.submitted_at)
}

/// The derived columns of an application under `policy`, reviewable since `reviewable_at`.
pub fn derive(
    policy: &Policy,
    app: &Application,
    reviewable_at: Option<DateTime<FixedOffset>>,
    judgements: &[Judgement],
) -> Derived {
    let mut results = checks::evaluate(policy, app);
    checks::apply_judgements(policy, &mut results, judgements);
    let summary = checks::summarise(&results);
    Derived {
        due_at: policy
            .calendar
            .due_at(review_clock_start(app, reviewable_at))
            .at,
        failed: summary.failed,
        manual: summary.manual,
        policy_version: policy.version.clone(),
    }
}
