//! The kept counters' arithmetic, the same for every store: how many applications each
//! state has by the hour of their due time and of their submission (SQLite's schema 3,
//! PostgreSQL's step 5). A count over `[from, before)` adds up the whole hours the
//! counters hold and counts rows only in the parts of an hour at either end; which
//! queries the counters can answer at all is decided here too.

use crate::QueueQuery;
use crate::values::ts;
use shenhe_domain::state::State;

/// The length of a counter's bucket, in seconds: an hour is `ts / HOUR`.
pub const HOUR: i64 = 3600;

/// The states whose review clock runs (State::UNDER_REVIEW), as the databases name them.
pub const UNDER_REVIEW: &[&str] = &["pending_review", "pending_second_approval"];
pub const VERIFICATION: &[&str] = &["pending_verification"];

/// Which instant a count is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    Due,
    Submitted,
}

impl Kept {
    /// The counters' table.
    pub fn table(self) -> &'static str {
        match self {
            Kept::Due => "count_due",
            Kept::Submitted => "count_submitted",
        }
    }

    /// The applications' column of the instant.
    pub fn column(self) -> &'static str {
        match self {
            Kept::Due => "due_ts",
            Kept::Submitted => "submitted_ts",
        }
    }
}

/// `[from, before)` (unbounded where None) as the counters answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The whole hours `[first, last)` to add up from the counters, if any.
    pub hours: Option<(i64, i64)>,
    /// The ranges to count by rows through the (state, instant) index: the parts of an
    /// hour at either end, or the whole range when it lies inside one hour.
    pub rows: Vec<(Option<i64>, Option<i64>)>,
}

pub fn split(from: Option<i64>, before: Option<i64>) -> Split {
    // Whole hours [first, last): those starting at or after `from`, ending by `before`.
    let first = from.map_or(i64::MIN, |f| {
        f.div_euclid(HOUR) + i64::from(f.rem_euclid(HOUR) != 0)
    });
    let last = before.map_or(i64::MAX, |b| b.div_euclid(HOUR));
    if first >= last {
        return Split {
            hours: None,
            rows: vec![(from, before)],
        };
    }
    let mut rows = Vec::new();
    if let Some(f) = from
        && f < first * HOUR
    {
        rows.push((Some(f), Some(first * HOUR)));
    }
    if let Some(b) = before
        && last * HOUR < b
    {
        rows.push((Some(last * HOUR), Some(b)));
    }
    Split {
        hours: Some((first, last)),
        rows,
    }
}

/// A count the counters can answer: of `states`, over `[from, before)` of `kept`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub kept: Kept,
    pub states: Vec<&'static str>,
    pub from: Option<i64>,
    pub before: Option<i64>,
}

/// What the counters can answer of `query`'s total (the console's filters: states,
/// overdue, due today, past the verification window), or None when its rows must be
/// read (a search, a product, a group, failing checks, an assignment).
pub fn counted(query: &QueueQuery) -> Option<Counted> {
    let plain = query
        .search
        .as_deref()
        .map(str::trim)
        .is_none_or(str::is_empty)
        && query.product.is_none()
        && query.group.is_none()
        && query.assigned_to.is_none()
        && query.not_assigned_to.is_none()
        && !query.failing;
    if !plain {
        return None;
    }
    let mut states: Vec<State> = if query.states.is_empty() {
        State::ALL.to_vec()
    } else {
        query.states.clone()
    };
    states.sort_by_key(|s| s.id());
    states.dedup();
    let states: Vec<&'static str> = states.iter().map(|s| s.id()).collect();
    let (from, before) = (query.due_from.map(ts), query.due_before.map(ts));
    match query.submitted_before {
        None => Some(Counted {
            kept: Kept::Due,
            states,
            from,
            before,
        }),
        Some(cutoff) if from.is_none() && before.is_none() => Some(Counted {
            kept: Kept::Submitted,
            states,
            from: None,
            before: Some(ts(cutoff)),
        }),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_whole_hours_and_the_parts_at_either_end() {
        let h = HOUR;
        assert_eq!(
            split(Some(10 * h + 5), Some(13 * h + 7)),
            Split {
                hours: Some((11, 13)),
                rows: vec![
                    (Some(10 * h + 5), Some(11 * h)),
                    (Some(13 * h), Some(13 * h + 7))
                ],
            }
        );
        // On the hours: no rows counted.
        assert_eq!(
            split(Some(10 * h), Some(13 * h)),
            Split {
                hours: Some((10, 13)),
                rows: vec![],
            }
        );
        // Inside one hour: rows only.
        assert_eq!(
            split(Some(10 * h + 5), Some(10 * h + 9)),
            Split {
                hours: None,
                rows: vec![(Some(10 * h + 5), Some(10 * h + 9))],
            }
        );
        // Unbounded: every hour.
        assert_eq!(
            split(None, Some(5 * h + 1)),
            Split {
                hours: Some((i64::MIN, 5)),
                rows: vec![(Some(5 * h), Some(5 * h + 1))],
            }
        );
    }

    #[test]
    fn only_the_consoles_filters_are_counted_from_the_counters() {
        let q = QueueQuery::default();
        assert_eq!(counted(&q).map(|c| c.kept), Some(Kept::Due));
        for narrower in [
            QueueQuery {
                search: Some("华".into()),
                ..q.clone()
            },
            QueueQuery {
                failing: true,
                ..q.clone()
            },
            QueueQuery {
                not_assigned_to: Some("lina".into()),
                ..q.clone()
            },
            QueueQuery {
                product: Some("p".into()),
                ..q.clone()
            },
        ] {
            assert_eq!(counted(&narrower), None, "{narrower:?}");
        }
        let blank = QueueQuery {
            search: Some("  ".into()),
            ..q.clone()
        };
        assert!(counted(&blank).is_some(), "a blank search is none");
        // Past the verification window: by the submission's hour.
        let cutoff =
            chrono::DateTime::parse_from_rfc3339("2026-11-09T10:00:00+08:00").expect("instant");
        let lapsed = QueueQuery {
            submitted_before: Some(cutoff),
            ..q.clone()
        };
        let c = counted(&lapsed).expect("counted");
        assert_eq!(
            (c.kept, c.from, c.before),
            (Kept::Submitted, None, Some(ts(cutoff)))
        );
        // Both a due bound and a submission bound: rows.
        let both = QueueQuery {
            due_before: Some(cutoff),
            ..lapsed
        };
        assert_eq!(counted(&both), None);
    }
}
