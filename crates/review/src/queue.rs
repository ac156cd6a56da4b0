//! The queue's filters and sorts: what each one asks of the store. Their names are in
//! `shenhe_present`.

use chrono::{DateTime, Duration, FixedOffset};
use shenhe_domain::calendar;
use shenhe_domain::policy::Policy;
use shenhe_domain::state::State;
use shenhe_store::{QueueQuery, SortKey};

/// Which applications the queue lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Filter {
    /// Pending review, second approval or verification: what is still someone's work.
    #[default]
    AllOpen,
    /// One state.
    State(State),
    AllStates,
    /// Under review (pending review or second approval), past the due time. The one
    /// meaning of "overdue": the console's filter and `shenhe list --overdue` both ask
    /// this query. An order waiting for verification is never overdue: its review clock
    /// has not started.
    Overdue,
    /// Under review, due before the end of today.
    DueToday,
    /// Open, with at least one failed check.
    Failing,
    /// Pending verification, past the 15-day window: may be expired.
    VerificationLapsed,
    /// Open, of one product group (a policy id).
    Group(String),
}

impl Filter {
    /// Every filter, in the order the console offers them: the fixed ones, then one per
    /// product group of `policy`.
    pub fn all(policy: &Policy) -> Vec<Filter> {
        let mut all = vec![Filter::AllOpen];
        all.extend(State::ALL.iter().map(|s| Filter::State(*s)));
        all.extend([
            Filter::AllStates,
            Filter::Overdue,
            Filter::DueToday,
            Filter::Failing,
            Filter::VerificationLapsed,
        ]);
        all.extend(policy.groups.iter().map(|g| Filter::Group(g.id.clone())));
        all
    }

    /// The query for this filter at `now`, sorted by `sort`, searching `search`.
    pub fn query(&self, now: DateTime<FixedOffset>, sort: Sort, search: &str) -> QueueQuery {
        let mut q = QueueQuery {
            states: State::ALL.into_iter().filter(|s| s.is_open()).collect(),
            ..Default::default()
        };
        match self {
            Filter::AllOpen => {}
            Filter::State(state) => q.states = vec![*state],
            Filter::AllStates => q.states = Vec::new(),
            Filter::Overdue => {
                q.states = State::UNDER_REVIEW.to_vec();
                q.due_before = Some(now);
            }
            Filter::DueToday => {
                q.states = State::UNDER_REVIEW.to_vec();
                q.due_from = Some(now);
                q.due_before = Some(calendar::end_of_today(now) + Duration::seconds(1));
            }
            Filter::Failing => q.failing = true,
            Filter::VerificationLapsed => {
                q.states = vec![State::PendingVerification];
                q.submitted_before = Some(now - Duration::days(calendar::VERIFICATION_WINDOW_DAYS));
            }
            Filter::Group(id) => q.group = Some(id.clone()),
        }
        let search = search.trim();
        q.search = (!search.is_empty()).then(|| search.to_string());
        (q.sort, q.descending) = sort.key();
        q
    }
}

/// The order of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Due time, earliest first: the order of urgency.
    #[default]
    Due,
    DueLatest,
    Submitted,
    Merchant,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Due, Sort::DueLatest, Sort::Submitted, Sort::Merchant];

    /// The next sort, round in a circle.
    pub fn next(self) -> Sort {
        let at = Sort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Sort::ALL[(at + 1) % Sort::ALL.len()]
    }

    fn key(self) -> (SortKey, bool) {
        match self {
            Sort::Due => (SortKey::Due, false),
            Sort::DueLatest => (SortKey::Due, true),
            Sort::Submitted => (SortKey::Submitted, false),
            Sort::Merchant => (SortKey::Merchant, false),
        }
    }
}
