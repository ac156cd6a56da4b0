//! What the lead's console reads and writes (issue 14): the raw figures of the queue and
//! the decisions of a period, for the review layer to compute statistics and exports
//! from; assignments; saved views of the queue. Types only: the SQL is in
//! `sqlite/stats.rs`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::NewEvent;
use crate::audit::NewAuditEntry;

/// Instants that split the queue's figures, computed by the caller from the calendar.
#[derive(Debug, Clone, Copy)]
pub struct StatsBounds {
    pub now: DateTime<FixedOffset>,
    pub end_of_today: DateTime<FixedOffset>,
    pub end_of_tomorrow: DateTime<FixedOffset>,
    /// Pending verification submitted before this: past the 15-day window.
    pub verification_cutoff: DateTime<FixedOffset>,
    /// Intake is counted per day from this instant (the start of a China day) on.
    pub intake_since: DateTime<FixedOffset>,
}

/// The queue now, as counted by the store on the whole database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Pending review (first approval not given yet).
    pub pending_review: u64,
    /// Pending second approval (four eyes).
    pub second_approval: u64,
    /// Under review (either), past the due time.
    pub overdue: u64,
    /// Under review, due from now to the end of today.
    pub due_today: u64,
    /// Under review, due after today and by the end of tomorrow.
    pub due_tomorrow: u64,
    pub pending_verification: u64,
    /// Pending verification, past the 15-day window.
    pub verification_lapsed: u64,
    /// Under review, counted by due time (a due time is the end of a day: few values).
    pub waiting_by_due: Vec<(DateTime<FixedOffset>, u64)>,
    /// Orders received (imported new, resubmitted) per China day since `intake_since`.
    pub intake_by_day: Vec<(NaiveDate, u64)>,
}

/// A decision as the audit trail holds it (action `approve`, `return` or `expire`), with
/// what the review layer needs to say how long it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRow {
    pub seq: i64,
    pub application_id: String,
    pub revision: u32,
    #[serde(serialize_with = "crate::ser_instant")]
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    /// `approve`, `return` or `expire`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reasons: Vec<String>,
    pub message: Option<String>,
    pub note: Option<String>,
    /// The application's merchant and product (none if the application is gone).
    pub merchant: Option<String>,
    pub product: Option<String>,
    /// The application's `reviewable_at`, when it is still at this decision's revision.
    #[serde(serialize_with = "crate::ser_opt_instant")]
    pub reviewable_at: Option<DateTime<FixedOffset>>,
    /// The latest earlier entry that put it into pending review (its import, resubmission,
    /// verification or reopening).
    #[serde(serialize_with = "crate::ser_opt_instant")]
    pub entered_queue_at: Option<DateTime<FixedOffset>>,
}

/// One application given to a reviewer, with its audit entry (action `assign`) and its
/// event (`application.assigned`). The store writes the event at the application's
/// current state and revision.
#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub id: String,
    pub reviewer: String,
    pub audit: NewAuditEntry,
    pub event: NewEvent,
}

/// A named combination of the queue's filters, kept per reviewer. `filter` is the
/// review layer's JSON; the store keeps it as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedView {
    pub name: String,
    /// Its place among the reviewer's tabs, from 1.
    pub position: u32,
    pub filter: String,
}

impl StatsSnapshot {
    /// Counts what is under review from groups of (state, due time in seconds since the
    /// epoch, how many): pending review or second approval, overdue, due today and
    /// tomorrow, and waiting by due time. One rule for every store.
    pub fn count_under_review(
        &mut self,
        groups: impl IntoIterator<Item = (String, i64, u64)>,
        bounds: &StatsBounds,
    ) {
        let mut by_due: std::collections::BTreeMap<i64, u64> = Default::default();
        for (state, due, n) in groups {
            *by_due.entry(due).or_default() += n;
            if state == "pending_review" {
                self.pending_review += n;
            } else {
                self.second_approval += n;
            }
        }
        let at = |t: DateTime<FixedOffset>| t.timestamp();
        let (now, today, tomorrow) = (
            at(bounds.now),
            at(bounds.end_of_today),
            at(bounds.end_of_tomorrow),
        );
        for (&due, &n) in &by_due {
            if due < now {
                self.overdue += n;
            } else if due <= today {
                self.due_today += n;
            } else if due <= tomorrow {
                self.due_tomorrow += n;
            }
        }
        let china = shenhe_domain::calendar::china();
        self.waiting_by_due = by_due
            .into_iter()
            .map(|(due, n)| {
                let at = chrono::DateTime::from_timestamp(due, 0).unwrap_or_default();
                (at.with_timezone(&china), n)
            })
            .collect();
    }
}
