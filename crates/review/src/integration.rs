//! Integration coming in: the merchant's interface test passed, so an approved interface
//! product takes effect (`pending_integration` → `effective`). One at a time, or a file
//! of them (NDJSON of `{"id", "passed_at"}`), all or nothing like an import: every line
//! is read and checked first, every bad line is reported with its number, and then all
//! the changes are written in one transaction.
//!
//! Times: the audit entry's `at` (and so the event's `occurred_at`) is when shenhe
//! recorded it; when the test passed is `passed_at`, in the event's data and the audit
//! entry's detail.

use std::collections::HashMap;
use std::io::{BufRead, Read};

use chrono::{DateTime, Duration, FixedOffset};
use serde::Deserialize;

use shenhe_domain::calendar::china;
use shenhe_domain::events::EventKind;
use shenhe_domain::state::{self, Event, State};
use shenhe_store::{NewAuditEntry, NewEvent, StateChange, StoredApplication};

use crate::decide::{clean, product_kind};
use crate::import::{ImportError, Position, RecordError, limits};
use crate::{Decided, Review, ReviewError, ReviewResult};

/// How far in the future a `passed_at` may be: the clocks of the systems that report
/// integration tests are not ours.
pub const PASSED_AT_SKEW_MINUTES: i64 = 5;

/// One line of an integration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    id: String,
    passed_at: String,
}

impl Review {
    /// Records that the integration test of `id` passed now.
    pub fn integrated(
        &mut self,
        id: &str,
        version: i64,
        note: Option<String>,
    ) -> ReviewResult<Decided> {
        let stored = self.load(id)?;
        if stored.version != version {
            return Err(ReviewError::Conflict {
                id: id.to_string(),
                state: stored.state,
                by: stored.changed_by,
                at: stored.changed_at,
            });
        }
        let change = self.integration_change(&stored, self.now(), clean(note))?;
        let to = change.to;
        let entry = self.store.change_state(change, None)?;
        Ok(Decided {
            id: id.to_string(),
            from: stored.state,
            to,
            entry,
        })
    }

    /// Records every passed integration test of an NDJSON file, all or nothing: a file
    /// with any bad line writes nothing, and the error names every bad line (up to
    /// [`limits::REPORTED`], and how many in all). The decisions come back in file order.
    pub fn integrated_file<R: BufRead>(
        &mut self,
        input: R,
        note: Option<String>,
    ) -> ReviewResult<Vec<Decided>> {
        let note = clean(note);
        let lines = read_lines(input)?;
        let now = self.now();
        let mut errors = Vec::new();
        let mut bad = 0u64;
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut changes = Vec::with_capacity(lines.len());
        let mut from = Vec::with_capacity(lines.len());
        for (number, text) in &lines {
            let position = Position::Line(*number);
            match self.check_line(text, now, &mut seen, *number) {
                Ok((stored, passed_at)) => {
                    from.push(stored.state);
                    changes.push(self.integration_change(&stored, passed_at, note.clone())?);
                }
                Err((id, field, message)) => {
                    bad += 1;
                    if errors.len() < limits::REPORTED {
                        errors.push(RecordError {
                            position,
                            id,
                            field,
                            message,
                        });
                    }
                }
            }
        }
        if bad > 0 {
            return Err(ImportError::Records { errors, total: bad }.into());
        }
        if changes.is_empty() {
            return Err(ImportError::File(
                "the input holds no lines: expected NDJSON of {\"id\", \"passed_at\"}".into(),
            )
            .into());
        }
        let entries = self.store.change_states(&changes)?;
        Ok(changes
            .into_iter()
            .zip(from)
            .zip(entries)
            .map(|((change, from), entry)| Decided {
                id: change.id,
                from,
                to: change.to,
                entry,
            })
            .collect())
    }

    /// One line checked: its application, and when its test passed; or what is wrong
    /// (the id when known, the field, the message).
    #[allow(clippy::type_complexity)]
    fn check_line(
        &self,
        text: &str,
        now: DateTime<FixedOffset>,
        seen: &mut HashMap<String, u64>,
        number: u64,
    ) -> Result<(StoredApplication, DateTime<FixedOffset>), (Option<String>, Option<String>, String)>
    {
        let line: Line = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => &message[..i],
                None => &message,
            };
            (None, None, shenhe_domain::text::fit(message, 300))
        })?;
        let id = Some(line.id.clone());
        let field = |name: &str| Some(name.to_string());
        if let Some(first) = seen.get(&line.id) {
            return Err((
                id,
                field("id"),
                format!("the same id as line {first}: each application once"),
            ));
        }
        seen.insert(line.id.clone(), number);
        let passed_at = DateTime::parse_from_rfc3339(&line.passed_at).map_err(|_| {
            (
                id.clone(),
                field("passed_at"),
                format!(
                    "`{}` is not an RFC 3339 instant (like 2026-11-24T10:00:00+08:00)",
                    shenhe_domain::text::fit(&line.passed_at, 40)
                ),
            )
        })?;
        if passed_at > now + Duration::minutes(PASSED_AT_SKEW_MINUTES) {
            return Err((
                id,
                field("passed_at"),
                format!("{} is in the future", passed_at.to_rfc3339()),
            ));
        }
        let stored = match self.store.get(&line.id) {
            Ok(Some(stored)) => stored,
            Ok(None) => return Err((id, field("id"), "no application with this id".into())),
            Err(e) => return Err((id, None, e.to_string())),
        };
        if stored.state != State::PendingIntegration {
            return Err((
                id,
                field("id"),
                format!(
                    "it is {}, not pending_integration: only an approved interface product waits for its integration test",
                    stored.state
                ),
            ));
        }
        // It entered pending_integration when it was approved: nothing changes it since.
        if passed_at < stored.changed_at {
            return Err((
                id,
                field("passed_at"),
                format!(
                    "{} is before the approval ({})",
                    passed_at.to_rfc3339(),
                    stored.changed_at.with_timezone(&china()).to_rfc3339()
                ),
            ));
        }
        Ok((stored, passed_at))
    }

    /// The change that makes `stored` effective, its audit entry and its event.
    fn integration_change(
        &self,
        stored: &StoredApplication,
        passed_at: DateTime<FixedOffset>,
        note: Option<String>,
    ) -> ReviewResult<StateChange> {
        let id = stored.app.id.as_str();
        if stored.state != State::PendingIntegration {
            return Err(ReviewError::NotPendingIntegration {
                id: id.to_string(),
                state: stored.state,
            });
        }
        let to = state::transition(
            stored.state,
            Event::IntegrationPassed,
            product_kind(&self.policy, stored)?,
        )?;
        let passed_at = passed_at.with_timezone(&china()).to_rfc3339();
        let audit = NewAuditEntry {
            application_id: id.to_string(),
            revision: stored.revision,
            at: self.now(),
            actor: self.actor.clone(),
            action: "integrated".to_string(),
            from_state: Some(stored.state.id().to_string()),
            to_state: Some(to.id().to_string()),
            reasons: Vec::new(),
            message: None,
            note,
            detail: Some(format!("integration test passed at {passed_at}")),
        };
        let mut event = NewEvent::new(EventKind::Effective);
        event.data["passed_at"] = passed_at.into();
        Ok(StateChange {
            id: id.to_string(),
            expected_version: stored.version,
            to,
            audit,
            event,
        })
    }
}

/// The non-blank lines of an NDJSON input with their numbers (from 1), each at most
/// [`limits::RECORD_BYTES`]; a file error when the input cannot be read.
fn read_lines<R: BufRead>(mut input: R) -> Result<Vec<(u64, String)>, ImportError> {
    let read_error = |e: std::io::Error| ImportError::File(format!("cannot read the input: {e}"));
    let mut lines = Vec::new();
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = input
            .by_ref()
            .take(limits::RECORD_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(read_error)?;
        if n == 0 {
            break;
        }
        number += 1;
        if line.len() > limits::RECORD_BYTES && !line.ends_with(b"\n") {
            return Err(ImportError::File(format!(
                "line {number} is longer than the limit of {} KiB",
                limits::RECORD_BYTES / 1024
            )));
        }
        if number > limits::RECORDS {
            return Err(ImportError::File(format!(
                "the input has more than {} lines",
                limits::RECORDS
            )));
        }
        let bytes = if number == 1 {
            line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line)
        } else {
            &line
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| ImportError::File(format!("line {number} is not UTF-8 text")))?;
        if !text.trim().is_empty() {
            lines.push((number, text.trim_end().to_string()));
        }
    }
    Ok(lines)
}
