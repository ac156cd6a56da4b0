//! The worker: the one thread that talks to the database, so that no frame ever waits
//! for it. It takes requests from the console, answers with messages, and watches the
//! database for other reviewers' writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use tokio::sync::mpsc::UnboundedSender;

use shenhe_domain::checks::CheckId;
use shenhe_domain::probe::ProbeRecord;
use shenhe_domain::state::State;
use shenhe_review::probe::ProbeTarget;
use shenhe_review::{ApplicationView, CLAIM_SECONDS, Decided, Review, ReviewError};
use shenhe_review::{Claim, DeliveryHealth, QueueCounts, QueueQuery, QueueRow};

/// How often the worker looks for other reviewers' writes: changes show within 2 s.
pub const POLL: Duration = Duration::from_millis(500);

/// A reviewer away from the keyboard this long no longer holds what they had open.
pub const IDLE: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
pub enum Request {
    /// Rows `offset..offset+limit` of the queue and its total.
    Window {
        generation: u64,
        query: QueueQuery,
        /// The reviewer's own first (`Review::page_mine_first`).
        mine_first: bool,
        offset: u64,
        limit: u64,
        total_hint: Option<u64>,
    },
    Counts,
    /// The search found nothing under the filter: the first match in any state, to say
    /// where it is (and to open it on Enter).
    Elsewhere {
        generation: u64,
        query: QueueQuery,
    },
    /// Show an application and claim it for this reviewer; it stays claimed while open.
    Open {
        id: String,
    },
    /// The "go to id" prompt: open `id` if there is such an application (typed by the
    /// reviewer, so perhaps not), else say there is none; nothing is claimed then.
    Jump {
        id: String,
    },
    /// Show it again (someone else changed something), without a new claim.
    Refresh {
        id: String,
    },
    /// The detail was left: release the claim.
    Close,
    /// The reviewer pressed a key: their claim stays alive.
    Active,
    Approve {
        id: String,
        version: i64,
        note: Option<String>,
        claim: Option<Claim>,
    },
    Return {
        id: String,
        version: i64,
        reasons: Vec<String>,
        message: Option<String>,
        note: Option<String>,
        claim: Option<Claim>,
    },
    Expire {
        id: String,
        version: i64,
        note: Option<String>,
        claim: Option<Claim>,
    },
    /// A lead reopens a decided application (the note is required).
    Reopen {
        id: String,
        version: i64,
        note: String,
        claim: Option<Claim>,
    },
    /// Every verdict made in the judge dialog, recorded one after the other (each its
    /// own transaction, each at the version the one before left).
    Judge {
        id: String,
        version: i64,
        verdicts: Vec<(CheckId, bool)>,
        note: Option<String>,
    },
    Reveal {
        id: String,
    },
    /// Probe the application's website (on a thread of its own: a probe may take 10 s).
    Probe {
        id: String,
    },
    /// Keep the open dialog's text (written at most once a [`DRAFT_EVERY`], and before
    /// the console goes away): a dropped link loses nothing.
    SaveDraft {
        id: String,
        draft: shenhe_domain::drafts::Draft,
    },
    /// The dialog was cancelled: forget its draft.
    DiscardDraft {
        id: String,
    },
    /// The lead's statistics (issue 14), counted on the whole database.
    Stats,
    /// What a bulk action would do to these applications (nothing is written).
    PlanBulk {
        kind: shenhe_review::bulk::BulkKind,
        ids: Vec<String>,
    },
    /// This reviewer's saved views (the tabs).
    Views,
    /// The open applications assigned to this reviewer (J prefers them).
    Mine,
    /// Save a view under a name, then send the views again.
    SaveView {
        name: String,
        spec: shenhe_review::views::ViewSpec,
    },
    /// Carry a shown plan out: assign to `to`, or expire.
    Bulk {
        plan: shenhe_review::bulk::BulkPlan,
        to: Option<String>,
    },
}

/// How often a draft being typed is written: every keystroke would wake every other
/// console on the database; a second of typing is what a dropped link may lose.
pub const DRAFT_EVERY: Duration = Duration::from_secs(1);

/// How a probe request ended, for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeOutcome {
    Done,
    NoWebsite,
    /// The console was started without a prober.
    Unavailable,
}

/// Fetches a website and says what it saw: the site probe, given by the binary (the
/// console does not reach the HTTP client itself). Runs off the worker's thread.
pub type Prober = Arc<dyn Fn(&ProbeTarget) -> ProbeRecord + Send + Sync>;

#[derive(Debug)]
pub enum Response {
    Window {
        generation: u64,
        offset: u64,
        rows: Vec<QueueRow>,
        total: u64,
    },
    Counts(QueueCounts),
    Elsewhere {
        generation: u64,
        row: Option<QueueRow>,
    },
    /// Whether webhook delivery is failing (sent with the counts).
    Delivery(DeliveryHealth),
    Detail(Box<ApplicationView>),
    Decided {
        id: String,
        to: State,
    },
    Judged {
        id: String,
    },
    Revealed {
        id: String,
        password: Option<String>,
    },
    Probed {
        id: String,
        outcome: ProbeOutcome,
    },
    Failed(ReviewError),
    /// Someone else wrote to the database.
    Changed,
    /// The clock moved on (counts of overdue and due today change with it).
    Tick(DateTime<FixedOffset>),
    Stats(Box<shenhe_review::stats::Stats>),
    /// A bulk action's plan, with the reviewers it may assign to.
    BulkPlan {
        plan: shenhe_review::bulk::BulkPlan,
        reviewers: Vec<String>,
    },
    BulkDone(shenhe_review::bulk::BulkDone),
    Views(Vec<shenhe_review::views::SavedView>),
    Mine(Vec<String>),
    /// A view was saved under this name.
    ViewSaved(String),
}

/// The console's end of the worker's requests. It remembers the newest window asked
/// for, so that the worker can give up one a newer request has made useless (a search
/// typed on: each keystroke is a new query) instead of finishing it first.
#[derive(Clone)]
pub struct Requests {
    tx: Sender<Request>,
    latest: Arc<AtomicU64>,
}

impl Requests {
    /// Sends `request`; false when the worker has gone.
    pub fn send(&self, request: Request) -> bool {
        if let Request::Window { generation, .. } = &request {
            self.latest.fetch_max(*generation, Ordering::SeqCst);
        }
        self.tx.send(request).is_ok()
    }
}

pub struct Worker {
    review: Review,
    /// The newest window's generation asked for (see [`Requests`]).
    latest: Arc<AtomicU64>,
    out: UnboundedSender<Response>,
    open: Option<String>,
    claimed_at: Option<Instant>,
    active_at: Instant,
    data_version: i64,
    /// The site probe, and the channel its threads send what they saw on (a channel of
    /// its own: the requests channel must close when the console goes away).
    prober: Option<(Prober, Sender<ProbeRecord>, Receiver<ProbeRecord>)>,
    /// The newest draft not written yet, and when the last one was.
    draft: Option<(String, shenhe_domain::drafts::Draft)>,
    draft_written_at: Option<Instant>,
}

impl Worker {
    /// Lets the worker probe websites on request (the detail's P key).
    pub fn set_prober(&mut self, prober: Prober) {
        let (tx, rx) = std::sync::mpsc::channel();
        self.prober = Some((prober, tx, rx));
    }

    /// Keeps what finished probes saw; called between requests.
    pub fn collect_probes(&mut self) {
        let done: Vec<ProbeRecord> = match &self.prober {
            Some((_, _, rx)) => rx.try_iter().collect(),
            None => return,
        };
        for record in done {
            let id = record.application_id.clone();
            match self.review.record_probe(record) {
                Ok(()) => {
                    if self.open.as_deref() == Some(id.as_str()) {
                        self.show(&id);
                    }
                    self.send(Response::Probed {
                        id,
                        outcome: ProbeOutcome::Done,
                    });
                }
                Err(e) => self.fail(e),
            }
        }
    }

    pub fn new(review: Review, out: UnboundedSender<Response>) -> Worker {
        let data_version = review.data_version().unwrap_or_default();
        Worker {
            review,
            latest: Arc::new(AtomicU64::new(0)),
            out,
            open: None,
            claimed_at: None,
            active_at: Instant::now(),
            data_version,
            prober: None,
            draft: None,
            draft_written_at: None,
        }
    }

    /// A channel for this worker's requests: the console sends on the first, [`Worker::run`]
    /// reads the second.
    pub fn channel(&self) -> (Requests, Receiver<Request>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let requests = Requests {
            tx,
            latest: Arc::clone(&self.latest),
        };
        (requests, rx)
    }

    /// Serves requests until the console goes away.
    pub fn run(mut self, requests: Receiver<Request>) {
        let mut last_tick = Instant::now();
        loop {
            let first = match requests.recv_timeout(POLL) {
                Ok(r) => Some(r),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut batch: Vec<Request> = first.into_iter().collect();
            batch.extend(requests.try_iter());
            for request in coalesce(batch) {
                self.handle(request);
            }
            self.collect_probes();
            self.write_draft(false);
            self.watch();
            if last_tick.elapsed() >= Duration::from_secs(30) {
                last_tick = Instant::now();
                self.send(Response::Tick(self.review.now()));
            }
        }
        self.write_draft(true);
        if let Some(id) = self.open.take() {
            let _ = self.review.release(&id);
        }
    }

    /// Writes the draft waiting, if one is and it is due (or `now`).
    pub fn write_draft(&mut self, now: bool) {
        let due = now
            || self
                .draft_written_at
                .is_none_or(|at| at.elapsed() >= DRAFT_EVERY);
        if !due {
            return;
        }
        let Some((id, draft)) = self.draft.take() else {
            return;
        };
        self.draft_written_at = Some(Instant::now());
        if let Err(e) = self.review.save_draft(&id, draft) {
            self.fail(e);
        }
    }

    fn send(&self, response: Response) {
        let _ = self.out.send(response);
    }

    /// Other reviewers' commits change SQLite's data_version; our own do not.
    pub fn watch(&mut self) {
        if let Ok(version) = self.review.data_version()
            && version != self.data_version
        {
            self.data_version = version;
            self.send(Response::Changed);
        }
        let Some(id) = self.open.clone() else { return };
        if self.active_at.elapsed() >= IDLE {
            // Gone from the keyboard: let someone else have it.
            let _ = self.review.release(&id);
            self.open = None;
            self.claimed_at = None;
        } else if self
            .claimed_at
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(CLAIM_SECONDS as u64 / 4))
        {
            let _ = self.review.claim(&id);
            self.claimed_at = Some(Instant::now());
        }
    }

    /// Answers one request (the loop in [`Worker::run`] calls it; tests and benchmarks
    /// call it directly to drive the console without threads).
    pub fn handle(&mut self, request: Request) {
        match request {
            Request::Window {
                generation,
                query,
                mine_first,
                offset,
                limit,
                total_hint,
            } => {
                // Already superseded: not even started. Started: given up as soon as a
                // newer window is asked for (SQLite's progress handler asks every
                // hundred steps), and whatever it ended with is dropped.
                let latest = Arc::clone(&self.latest);
                let superseded = move || latest.load(Ordering::SeqCst) > generation;
                if superseded() {
                    return;
                }
                self.review
                    .set_interrupt(Some(Box::new(superseded.clone())));
                let answer = window(&self.review, &query, mine_first, offset, limit, total_hint);
                self.review.set_interrupt(None);
                if superseded() {
                    return;
                }
                match answer {
                    Ok((rows, total)) => self.send(Response::Window {
                        generation,
                        offset,
                        rows,
                        total,
                    }),
                    Err(e) => self.fail(e),
                }
            }
            Request::Elsewhere { generation, query } => match self.review.page(&query, 0, 1) {
                Ok(rows) => self.send(Response::Elsewhere {
                    generation,
                    row: rows.into_iter().next(),
                }),
                Err(e) => self.fail(e),
            },
            Request::PlanBulk { kind, ids } => {
                let reviewers = match self.review.reviewers() {
                    Ok(r) => r.into_iter().map(|r| r.name).collect(),
                    Err(e) => return self.fail(e),
                };
                match self.review.plan_bulk(kind, &ids) {
                    Ok(plan) => self.send(Response::BulkPlan { plan, reviewers }),
                    Err(e) => self.fail(e),
                }
            }
            Request::Bulk { plan, to } => {
                let done = match &to {
                    Some(to) => self.review.bulk_assign(&plan, to),
                    None => self.review.bulk_expire(&plan),
                };
                match done {
                    Ok(done) => self.send(Response::BulkDone(done)),
                    Err(e) => self.fail(e),
                }
            }
            Request::Mine => {
                let me = shenhe_review::queue::Filter::Assigned(self.review.actor().to_string());
                let query = me.query(self.review.now(), Default::default(), "");
                match self.review.page(&query, 0, 1000) {
                    Ok(rows) => self.send(Response::Mine(rows.into_iter().map(|r| r.id).collect())),
                    Err(e) => self.fail(e),
                }
            }
            Request::Views => match self.review.saved_views() {
                Ok(views) => self.send(Response::Views(views)),
                Err(e) => self.fail(e),
            },
            Request::SaveView { name, spec } => match self.review.save_view(&name, &spec) {
                Ok(()) => {
                    self.send(Response::ViewSaved(name));
                    self.handle(Request::Views);
                }
                Err(e) => self.fail(e),
            },
            Request::Stats => match self.review.stats(None) {
                Ok(s) => self.send(Response::Stats(Box::new(s))),
                Err(e) => self.fail(e),
            },
            Request::Counts => {
                match self.review.counts() {
                    Ok(c) => self.send(Response::Counts(c)),
                    Err(e) => self.fail(e),
                }
                // The header's marker; a database that cannot say is not marked failing.
                if let Ok(health) = self.review.delivery_health() {
                    self.send(Response::Delivery(health));
                }
            }
            Request::Open { id } => {
                if self.open.as_deref() != Some(id.as_str()) {
                    if let Some(old) = self.open.take() {
                        let _ = self.review.release(&old);
                    }
                    if let Err(e) = self.review.claim(&id) {
                        return self.fail(e);
                    }
                    self.open = Some(id.clone());
                    self.claimed_at = Some(Instant::now());
                }
                self.show(&id);
            }
            Request::Jump { id } => match self.review.show(&id) {
                Ok(_) => self.handle(Request::Open { id }),
                Err(e) => self.fail(e),
            },
            Request::Refresh { id } => self.show_again(&id),
            Request::Active => self.active_at = Instant::now(),
            Request::SaveDraft { id, draft } => {
                self.draft = Some((id, draft));
                self.write_draft(false);
            }
            Request::DiscardDraft { id } => {
                if self.draft.as_ref().is_some_and(|(d, _)| *d == id) {
                    self.draft = None;
                }
                if let Err(e) = self.review.discard_draft(&id) {
                    self.fail(e);
                }
            }
            Request::Close => {
                if let Some(id) = self.open.take() {
                    let _ = self.review.release(&id);
                }
                self.claimed_at = None;
            }
            Request::Approve {
                id,
                version,
                note,
                claim,
            } => self.decide(id, claim, |review, id| review.approve(id, version, note)),
            Request::Return {
                id,
                version,
                reasons,
                message,
                note,
                claim,
            } => self.decide(id, claim, |review, id| {
                review.return_application(id, version, &reasons, message, note)
            }),
            Request::Expire {
                id,
                version,
                note,
                claim,
            } => self.decide(id, claim, |review, id| {
                review.expire(id, version, note, false)
            }),
            Request::Reopen {
                id,
                version,
                note,
                claim,
            } => self.decide(id, claim, |review, id| {
                review.reopen(id, version, Some(note))
            }),
            Request::Judge {
                id,
                version,
                verdicts,
                note,
            } => {
                for (i, (check, passed)) in verdicts.into_iter().enumerate() {
                    // A judgement moves the version on by one.
                    let at = version + i as i64;
                    if let Err(e) = self.review.judge(&id, at, check, passed, note.clone()) {
                        self.fail(e);
                        return self.show_again(&id);
                    }
                }
                self.send(Response::Judged { id });
            }
            Request::Probe { id } => self.probe(id),
            Request::Reveal { id } => match self.review.reveal_password(&id) {
                Ok(password) => self.send(Response::Revealed { id, password }),
                Err(e) => self.fail(e),
            },
        }
    }

    /// The detail of `id` again. Decided by someone else while open here: nothing is
    /// left to hold, and other consoles must not go on showing this reviewer on it.
    fn show_again(&mut self, id: &str) {
        if self.show(id).is_some_and(|s| !s.is_open()) && self.open.as_deref() == Some(id) {
            let _ = self.review.release(id);
            self.open = None;
            self.claimed_at = None;
        }
    }

    /// Starts a probe on a thread of its own, so that the worker goes on answering.
    fn probe(&mut self, id: String) {
        let Some((prober, back)) = self
            .prober
            .as_ref()
            .map(|(p, tx, _)| (Arc::clone(p), tx.clone()))
        else {
            self.send(Response::Probed {
                id,
                outcome: ProbeOutcome::Unavailable,
            });
            return;
        };
        match self.review.probe_target(&id) {
            Ok(Some(target)) => {
                std::thread::spawn(move || {
                    let record = prober(&target);
                    let _ = back.send(record);
                });
            }
            Ok(None) => self.send(Response::Probed {
                id,
                outcome: ProbeOutcome::NoWebsite,
            }),
            Err(e) => self.fail(e),
        }
    }

    /// Sends the detail of `id`; returns its state.
    fn show(&mut self, id: &str) -> Option<State> {
        match self.review.show(id) {
            Ok(view) => {
                let state = view.stored.state;
                self.send(Response::Detail(Box::new(view)));
                Some(state)
            }
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    /// A decision; when the reviewer overrode another's claim, that is recorded once the
    /// decision is written. A decision refused (someone else decided first) writes
    /// nothing at all: the loser of a race leaves no trace in the audit trail.
    fn decide(
        &mut self,
        id: String,
        claim: Option<Claim>,
        act: impl FnOnce(&mut Review, &str) -> Result<Decided, ReviewError>,
    ) {
        match act(&mut self.review, &id).map(|d| d.to) {
            Ok(to) => {
                // Sent: its draft is done with.
                if self.draft.as_ref().is_some_and(|(d, _)| *d == id) {
                    self.draft = None;
                }
                let discarded = self.review.discard_draft(&id);
                let overridden = match &claim {
                    Some(c) => self.review.record_claim_override(&id, c),
                    None => Ok(()),
                };
                // Decided: nobody holds it any more, so other consoles stop showing a claim.
                let _ = self.review.release(&id);
                if self.open.as_deref() == Some(id.as_str()) {
                    self.open = None;
                    self.claimed_at = None;
                }
                self.send(Response::Decided { id, to });
                if let Err(e) = overridden.and(discarded) {
                    self.fail(e);
                }
            }
            Err(e) => {
                // Refused: what was typed is kept, to be taken up again.
                self.write_draft(true);
                // The detail on screen is stale: show what is there now.
                self.fail(e);
                self.show_again(&id);
            }
        }
    }

    /// A refusal or failure goes to the state as it is: the words are the console's.
    fn fail(&self, e: ReviewError) {
        self.send(Response::Failed(e));
    }
}

/// A page of the queue. Deep pages are read from the other end: counting back from the
/// end of an index is as quick as counting forward from its start.
fn window(
    review: &Review,
    query: &QueueQuery,
    mine_first: bool,
    offset: u64,
    limit: u64,
    total_hint: Option<u64>,
) -> Result<(Vec<QueueRow>, u64), ReviewError> {
    let total = match total_hint {
        Some(t) => t,
        None => review.count(query)?,
    };
    if mine_first {
        return Ok((review.page_mine_first(query, offset, limit)?, total));
    }
    if offset > total / 2 && offset < total {
        let end = (offset + limit).min(total);
        let mut reversed = query.clone();
        reversed.descending = !query.descending;
        let mut rows = review.page(&reversed, total - end, end - offset)?;
        rows.reverse();
        return Ok((rows, total));
    }
    Ok((review.page(query, offset, limit)?, total))
}

/// Of several queued requests, only the last window and one count are worth answering.
fn coalesce(batch: Vec<Request>) -> Vec<Request> {
    let last_window = batch
        .iter()
        .rposition(|r| matches!(r, Request::Window { .. }));
    let mut counts_seen = false;
    batch
        .into_iter()
        .enumerate()
        .filter(|(i, r)| match r {
            Request::Window { .. } => Some(*i) == last_window,
            Request::Counts => !std::mem::replace(&mut counts_seen, true),
            _ => true,
        })
        .map(|(_, r)| r)
        .collect()
}
