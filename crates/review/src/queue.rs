//! The queue's filters and sorts: what each one asks of the store. Their names are in
//! `shenhe_present`.

use chrono::{DateTime, Duration, FixedOffset};
use shenhe_domain::calendar;
use shenhe_domain::policy::Policy;
use shenhe_domain::state::State;
use shenhe_store::{QueueQuery, SortKey};

/// Which applications the queue lists. Serialised in saved views (issue 14): add
/// variants, never rename one.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Open, assigned to this reviewer (issue 14: "mine").
    Assigned(String),
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
            Filter::Assigned(name) => q.assigned_to = Some(name.clone()),
        }
        let search = search.trim();
        q.search = (!search.is_empty()).then(|| search.to_string());
        (q.sort, q.descending) = sort.key();
        q
    }
}

/// The order of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// Filters that combine: every one of them holds (state AND product group AND failing
/// check AND overdue …). The first gives the states; each further one narrows.
pub fn combined(
    filters: &[Filter],
    now: DateTime<FixedOffset>,
    sort: Sort,
    search: &str,
) -> QueueQuery {
    let Some((first, rest)) = filters.split_first() else {
        return Filter::AllOpen.query(now, sort, search);
    };
    let mut q = first.query(now, sort, search);
    for f in rest {
        let n = f.query(now, sort, search);
        // Empty states mean every state.
        q.states = match (q.states.is_empty(), n.states.is_empty()) {
            (true, _) => n.states,
            (false, true) => q.states,
            (false, false) => {
                let both: Vec<State> = q
                    .states
                    .into_iter()
                    .filter(|s| n.states.contains(s))
                    .collect();
                if both.is_empty() {
                    // No state is both: nothing can match (nothing was submitted before 1970).
                    q.submitted_before = Some(DateTime::UNIX_EPOCH.fixed_offset());
                    vec![State::Cancelled]
                } else {
                    both
                }
            }
        };
        if n.group.is_some() {
            if q.group.is_some() && q.group != n.group {
                q.submitted_before = Some(DateTime::UNIX_EPOCH.fixed_offset());
            }
            q.group = n.group;
        }
        q.failing |= n.failing;
        q.due_before = min_opt(q.due_before, n.due_before);
        q.submitted_before = min_opt(q.submitted_before, n.submitted_before);
        q.due_from = match (q.due_from, n.due_from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if n.assigned_to.is_some() {
            q.assigned_to = n.assigned_to;
        }
    }
    q
}

fn min_opt(
    a: Option<DateTime<FixedOffset>>,
    b: Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
