//! `Review::import`: records are read and checked on one thread and written on another,
//! in one transaction: all of a file or none of it.

use std::io::BufRead;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use shenhe_domain::application::Application;
use shenhe_domain::calendar;
use shenhe_domain::events::EventKind;
use shenhe_domain::policy::Policy;
use shenhe_domain::state::{self, Event, Facts, State};
use shenhe_store::{Derived, ImportRecord, NewAuditEntry, NewEvent, StoreError};

use crate::import::{self, ImportError, RecordError};
use crate::{
    IMPORT_BATCH, ImportReport, Review, ReviewError, ReviewResult, content_hash_of, derive,
};

impl Review {
    /// Imports a JSON array or NDJSON of applications, all or nothing. Reading,
    /// validating and checking run on a second thread while this one writes, so a large
    /// file takes about as long as the database needs to store it. The write lock is
    /// taken when the first good records are ready, not before: an input that is slow to
    /// come, or bad from its start, keeps nobody waiting.
    pub fn import(&mut self, input: impl BufRead + Send) -> ReviewResult<ImportReport> {
        let policy = Arc::clone(&self.policy);
        let now = self.now();
        let actor = self.actor.clone();
        let store = &mut self.store;
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
                        // Due from the submission: right for a new order and for a
                        // resubmission; a verification moves it (write_prepared).
                        derived: derive(&policy, &app, None, &[]),
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
            let mut batches = rx.into_iter().peekable();
            // Waits for the first good records (or the end of a bad or empty input).
            let mut session = match batches.peek() {
                None => None,
                Some(_) => match store.begin_import() {
                    Ok(session) => Some(session),
                    Err(e) => {
                        store_error = Some(e);
                        None
                    }
                },
            };
            if let Some(session) = session.as_mut() {
                'batches: for batch in batches {
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
            } else {
                // Nothing to write, or no lock: the reader stops at its next batch.
                drop(batches);
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
                    if let Some(session) = session {
                        session.commit()?;
                    }
                    Ok(report)
                }
            }
        })
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
    let entry = |action: &str, revision: u32, from: Option<State>, to: State| {
        let mut entry = NewAuditEntry::new(&app.id, revision, now, actor, action);
        entry.from_state = from.map(|s| s.id().to_string());
        entry.to_state = Some(to.id().to_string());
        entry
    };
    // When it becomes reviewable: on entering pending review, at its submission (a new
    // order or a resubmission of a verified account); see the verification below.
    let reviewable = |state: State| (state == State::PendingReview).then_some(app.submitted_at);
    let record = |state, revision| ImportRecord {
        app,
        body: &p.body,
        group: &product.group,
        state,
        revision,
        derived: &p.derived,
        content_hash: &p.hash,
        reviewable_at: reviewable(state),
    };
    // What a consumer needs to know of a submission: which product and plan it asks for.
    let published = |kind| {
        let mut event = NewEvent::new(kind);
        event.data["product"] = app.product.clone().into();
        event.data["plan"] = app.plan.clone().into();
        event
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
            session.insert(
                record(to, 1),
                entry("submit", 1, None, to),
                published(EventKind::Received),
            )?;
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
            // A resubmission of an account not (or no longer) verified waits for it.
            let facts = Facts {
                verified: app.applicant.verified,
                ..Facts::of_kind(product.kind)
            };
            let to = state::transition_with(e.state, Event::Resubmit, facts).expect("in the table");
            let revision = e.revision + 1;
            session.replace(
                record(to, revision),
                entry("resubmit", revision, Some(e.state), to),
                published(EventKind::Resubmitted),
            )?;
            report.resubmitted += 1;
        }
        Some(e) if e.state == State::PendingVerification && app.applicant.verified => {
            // Too late: the order stays due for expiry; the whole file is refused, like
            // any other record that cannot be taken.
            if calendar::verification_days_left(e.submitted_at, now).is_none() {
                let deadline = calendar::verification_deadline(e.submitted_at)
                    .with_timezone(&calendar::china());
                conflicts.push(conflict(
                    "applicant.verified",
                    format!(
                        "the verification arrived after the 15-day window closed ({}); the order is not revived and stays due for expiry",
                        deadline.format("%Y-%m-%d %H:%M %:z")
                    ),
                ));
                return Ok(());
            }
            let to =
                state::transition(e.state, Event::Verified, product.kind).expect("in the table");
            // Reviewable from the moment verification arrived (this import): the review
            // clock starts now, not at the submission it waited since.
            let derived = Derived {
                due_at: policy.calendar.due_at(now).at,
                ..p.derived.clone()
            };
            session.replace(
                ImportRecord {
                    derived: &derived,
                    reviewable_at: Some(now),
                    ..record(to, e.revision)
                },
                entry("verified", e.revision, Some(e.state), to),
                NewEvent::new(EventKind::Verified),
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
