//! Integration coming in: the merchant's interface test passed, so an approved interface
//! product takes effect (`pending_integration` → `effective`). One at a time, or a file
//! of them (NDJSON of `{"id", "passed_at"}`), all or nothing like an import: every line
//! is read and checked first, every bad line is reported with its number, and then all
//! the changes are written in one transaction.
//!
//! Times: the audit entry's `at` (and so the event's `occurred_at`) is when shenhe
//! recorded it; when the test passed is `passed_at`, in the event's data and the audit
//! entry's detail.

use crate::decide::unchanged_since;
use std::collections::HashMap;
use std::io::{BufRead, Read};

use chrono::{DateTime, Duration, FixedOffset};
use serde::Deserialize;

use shenhe_domain::calendar::china;
use shenhe_domain::events::EventKind;
use shenhe_domain::state::{self, Event, State};
use shenhe_store::{NewAuditEntry, NewEvent, StateChange, StoredApplication};

use crate::decide::{Written, clean, product_kind};
use crate::import::{ImportError, Position, RecordError, limits};
use crate::{Decided, Review, ReviewError, ReviewResult};

/// How far in the future a `passed_at` may be: the clocks of the systems that report
/// integration tests are not ours.
pub const PASSED_AT_SKEW_MINUTES: i64 = 5;

/// One application to make effective, checked, as small as it can be kept: a file may
/// hold millions, and all of them wait in memory for the one transaction.
struct Passed {
    id: String,
    version: i64,
    revision: u32,
    to: State,
    passed_at: DateTime<FixedOffset>,
}

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
        unchanged_since(&stored, version)?;
        let passed = self.passed(&stored, self.now())?;
        let to = passed.to;
        let change =
            integration_change(&self.actor, self.now(), passed, clean(note, Written::Note)?);
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
    /// [`limits::REPORTED`], and how many in all). Returns how many took effect; they are
    /// written (audit entries and events) in file order.
    pub fn integrated_file<R: BufRead>(
        &mut self,
        mut input: R,
        note: Option<String>,
    ) -> ReviewResult<u64> {
        let note = clean(note, Written::Note)?;
        let now = self.now();
        let mut errors = Vec::new();
        let mut bad = 0u64;
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut passed = Vec::new();
        let mut line = Vec::new();
        let mut number = 0u64;
        while next_line(&mut input, &mut line, &mut number)? {
            let text = std::str::from_utf8(&line)
                .map_err(|_| ImportError::File(format!("line {number} is not UTF-8 text")))?;
            if text.trim().is_empty() {
                continue;
            }
            match self.check_line(text, now, &mut seen, number) {
                Ok((stored, passed_at)) => passed.push(self.passed(&stored, passed_at)?),
                Err((id, field, message)) => {
                    bad += 1;
                    if errors.len() < limits::REPORTED {
                        errors.push(RecordError {
                            position: Position::Line(number),
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
        if passed.is_empty() {
            return Err(ImportError::File(
                "the input holds no lines: expected NDJSON of {\"id\", \"passed_at\"}".into(),
            )
            .into());
        }
        // Each change (with its audit entry and event) is made only as it is written.
        let actor = self.actor.clone();
        let mut changes = passed
            .into_iter()
            .map(|p| integration_change(&actor, now, p, note.clone()));
        Ok(self.store.change_states(&mut changes)?)
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

    /// `stored`, whose integration test passed at `passed_at`, if it waits for one.
    fn passed(
        &self,
        stored: &StoredApplication,
        passed_at: DateTime<FixedOffset>,
    ) -> ReviewResult<Passed> {
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
        Ok(Passed {
            id: id.to_string(),
            version: stored.version,
            revision: stored.revision,
            to,
            passed_at,
        })
    }
}

/// The change that makes an application effective, recorded by `actor` at `at`: its audit
/// entry and its event.
fn integration_change(
    actor: &str,
    at: DateTime<FixedOffset>,
    passed: Passed,
    note: Option<String>,
) -> StateChange {
    let passed_at = passed.passed_at.with_timezone(&china()).to_rfc3339();
    let mut audit = NewAuditEntry::new(&passed.id, passed.revision, at, actor, "integrated");
    audit.from_state = Some(State::PendingIntegration.id().to_string());
    audit.to_state = Some(passed.to.id().to_string());
    audit.note = note;
    audit.detail = Some(format!("integration test passed at {passed_at}"));
    let mut event = NewEvent::new(EventKind::Effective);
    event.data["passed_at"] = passed_at.into();
    StateChange {
        id: passed.id,
        expected_version: passed.version,
        to: passed.to,
        audit,
        event,
    }
}

/// Reads the next line of an NDJSON input into `line` (without a UTF-8 byte order mark
/// on the first), counting it in `number`; false at the end. A line over
/// [`limits::RECORD_BYTES`], or more than [`limits::RECORDS`] of them, is a file error.
fn next_line<R: BufRead>(
    input: &mut R,
    line: &mut Vec<u8>,
    number: &mut u64,
) -> Result<bool, ImportError> {
    line.clear();
    let n = input
        .by_ref()
        .take(limits::RECORD_BYTES as u64 + 1)
        .read_until(b'\n', line)
        .map_err(|e| ImportError::File(format!("cannot read the input: {e}")))?;
    if n == 0 {
        return Ok(false);
    }
    *number += 1;
    if line.len() > limits::RECORD_BYTES && !line.ends_with(b"\n") {
        return Err(ImportError::File(format!(
            "line {number} is longer than the limit of {} KiB",
            limits::RECORD_BYTES / 1024
        )));
    }
    if *number > limits::RECORDS {
        return Err(ImportError::File(format!(
            "the input has more than {} lines",
            limits::RECORDS
        )));
    }
    if *number == 1 && line.starts_with(b"\xEF\xBB\xBF") {
        line.drain(..3);
    }
    Ok(true)
}
