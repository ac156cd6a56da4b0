//! Bulk actions on marked applications (issue 14), as aerc and neomutt tag then act: first
//! a plan (what will be done, what is skipped and why), shown to the reviewer; then the
//! plan carried out, one audit entry per application. Skipping is said, never silent.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use shenhe_domain::calendar;
use shenhe_domain::state::State;

use crate::{Review, ReviewError, ReviewResult};

/// Why a marked application is left out of a bulk action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum Skip {
    /// Decided (or cancelled) since it was marked: nothing to assign or expire.
    NotOpen { state: State },
    /// Not waiting for real-name verification: there is no window to expire.
    NotPendingVerification { state: State },
    /// Still inside its 15-day verification window.
    InsideWindow {
        #[serde(serialize_with = "shenhe_domain::application::rfc3339::serialize")]
        until: DateTime<FixedOffset>,
    },
    /// No longer in the database.
    Gone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkKind {
    Assign,
    Expire,
}

/// What a bulk action will do: the applications it will act on (at the version read)
/// and those it skips, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkPlan {
    pub kind: BulkKind,
    pub act: Vec<(String, i64)>,
    pub skipped: Vec<(String, Skip)>,
}

impl BulkPlan {
    /// How many were skipped for each reason, in a fixed order: (not open, not pending
    /// verification, inside the window, gone).
    pub fn skip_counts(&self) -> [usize; 4] {
        let mut n = [0; 4];
        for (_, skip) in &self.skipped {
            n[match skip {
                Skip::NotOpen { .. } => 0,
                Skip::NotPendingVerification { .. } => 1,
                Skip::InsideWindow { .. } => 2,
                Skip::Gone => 3,
            }] += 1;
        }
        n
    }
}

/// What a bulk action did: how many were done, and those that failed when written (a
/// conflict with another reviewer), each with its error.
#[derive(Debug)]
pub struct BulkDone {
    pub kind: BulkKind,
    pub done: usize,
    pub skipped: usize,
    pub failed: Vec<(String, ReviewError)>,
}

impl Review {
    /// The plan of a bulk action on `ids`, read now: nothing is written.
    pub fn plan_bulk(&self, kind: BulkKind, ids: &[String]) -> ReviewResult<BulkPlan> {
        let now = self.now();
        let mut plan = BulkPlan {
            kind,
            act: Vec::new(),
            skipped: Vec::new(),
        };
        for id in ids {
            let Some(stored) = self.store.get(id)? else {
                plan.skipped.push((id.clone(), Skip::Gone));
                continue;
            };
            let skip = match kind {
                BulkKind::Assign if !stored.state.is_open() => Some(Skip::NotOpen {
                    state: stored.state,
                }),
                BulkKind::Assign => None,
                BulkKind::Expire if !stored.state.is_open() => Some(Skip::NotOpen {
                    state: stored.state,
                }),
                BulkKind::Expire if stored.state != State::PendingVerification => {
                    Some(Skip::NotPendingVerification {
                        state: stored.state,
                    })
                }
                BulkKind::Expire => calendar::verification_days_left(stored.app.submitted_at, now)
                    .map(|_| Skip::InsideWindow {
                        until: calendar::verification_deadline(stored.app.submitted_at),
                    }),
            };
            match skip {
                Some(skip) => plan.skipped.push((id.clone(), skip)),
                None => plan.act.push((id.clone(), stored.version)),
            }
        }
        Ok(plan)
    }

    /// Assigns what the plan acts on to `to`, in one transaction (leads only).
    pub fn bulk_assign(&mut self, plan: &BulkPlan, to: &str) -> ReviewResult<BulkDone> {
        let ids: Vec<String> = plan.act.iter().map(|(id, _)| id.clone()).collect();
        let done = if ids.is_empty() {
            0
        } else {
            self.assign(&ids, to)?.len()
        };
        Ok(BulkDone {
            kind: BulkKind::Assign,
            done,
            skipped: plan.skipped.len(),
            failed: Vec::new(),
        })
    }

    /// Expires what the plan acts on, each on its own (its audit entry and event), at the
    /// version the plan read: one changed since is a failure named in the result, and the
    /// others go on.
    pub fn bulk_expire(&mut self, plan: &BulkPlan) -> ReviewResult<BulkDone> {
        let mut done = 0;
        let mut failed = Vec::new();
        for (id, version) in &plan.act {
            match self.expire(
                id,
                *version,
                Some("15-day verification window lapsed (bulk expire)".into()),
                false,
            ) {
                Ok(_) => done += 1,
                Err(e) => failed.push((id.clone(), e)),
            }
        }
        Ok(BulkDone {
            kind: BulkKind::Expire,
            done,
            skipped: plan.skipped.len(),
            failed,
        })
    }
}
