//! The lead's statistics (issue 14): is the queue keeping its promise, and who does what.
//! The store counts on the whole database (from indexes) and hands over a period's
//! decisions; this module computes every figure from them with the domain's calendar.
//! Pure where it can be: [`compute`] takes what the store returned and the clock.
//! The JSON of [`Stats`] is a contract (docs/json-output.md, `shenhe stats --json`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate};
use serde::Serialize;

use shenhe_domain::calendar::{self, Calendar, china, end_of_day};
use shenhe_store::{DecisionRow, StatsBounds, StatsSnapshot};

use crate::{Review, ReviewResult};

/// Days of the daily chart, today included.
pub const CHART_DAYS: i64 = 30;

/// The period statistics cover unless told: the chart's 30 days.
pub fn default_since(now: DateTime<FixedOffset>) -> NaiveDate {
    now.with_timezone(&china()).date_naive() - Duration::days(CHART_DAYS - 1)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    #[serde(serialize_with = "shenhe_domain::application::rfc3339::serialize")]
    pub now: DateTime<FixedOffset>,
    /// The first day of the period (China time); it runs to now.
    #[serde(serialize_with = "ser_date")]
    pub since: NaiveDate,
    pub queue: QueueNow,
    /// The last 30 days, oldest first, today last.
    pub daily: Vec<Day>,
    pub sla: Sla,
    /// What waits under review, by business days waited since it became reviewable.
    pub waiting_age: Vec<AgeBucket>,
    pub time_to_decision: TimeToDecision,
    /// By reviewer's name.
    pub decisions_by_reviewer: BTreeMap<String, ReviewerFigures>,
    /// Return reasons of the period's returns, most frequent first.
    pub return_reasons: Vec<ReasonCount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueNow {
    /// Under review: pending review and pending second approval (the queue header's
    /// "pending"; overdue, due today and due tomorrow are parts of it).
    pub pending_review: u64,
    pub overdue: u64,
    pub due_today: u64,
    pub due_tomorrow: u64,
    /// Of `pending_review`, those approved once and awaiting a second reviewer.
    pub awaiting_second_approval: u64,
    pub pending_verification: u64,
    /// Of `pending_verification`, those still inside the 15-day window.
    pub verification_in_window: u64,
    /// Of `pending_verification`, those past the window: may be expired.
    pub verification_lapsed: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Day {
    #[serde(serialize_with = "ser_date")]
    pub date: NaiveDate,
    /// Orders received: imported new or resubmitted.
    pub intake: u64,
    pub approved: u64,
    pub returned: u64,
    pub expired: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sla {
    /// Reviews finished in the period (a final approval, or a return).
    pub decided: u64,
    /// Of those, decided by the end of the third business day after becoming reviewable.
    pub within_sla: u64,
    /// within_sla / decided, or null with none decided.
    pub share: Option<f64>,
    /// Per week (Monday to Sunday, China time) of the period, oldest first.
    pub weeks: Vec<SlaWeek>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaWeek {
    /// The Monday.
    #[serde(serialize_with = "ser_date")]
    pub week_start: NaiveDate,
    pub decided: u64,
    pub within_sla: u64,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AgeBucket {
    pub business_days: u32,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimeToDecision {
    /// Reviews finished in the period whose start is known.
    pub decided: u64,
    /// In business hours (to a tenth); nearest rank; null with none decided.
    pub median_business_hours: Option<f64>,
    pub p90_business_hours: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub approved: u64,
    pub returned: u64,
    pub expired: u64,
}

impl Counts {
    fn add(&mut self, action: &str) {
        match action {
            "approve" => self.approved += 1,
            "return" => self.returned += 1,
            "expire" => self.expired += 1,
            _ => {}
        }
    }

    pub fn total(&self) -> u64 {
        self.approved + self.returned + self.expired
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewerFigures {
    /// In the period.
    pub approved: u64,
    pub returned: u64,
    pub expired: u64,
    /// returned / (approved + returned) in the period; null without either.
    pub return_rate: Option<f64>,
    pub today: Counts,
    /// Since Monday (China time).
    pub this_week: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub code: String,
    pub count: u64,
}

/// When the review clock of a decided order started: when it became reviewable at that
/// revision (as the queue's due time counts it), else when the trail put it in the queue.
pub fn clock_start(row: &DecisionRow) -> Option<DateTime<FixedOffset>> {
    row.reviewable_at
        .filter(|r| *r <= row.at)
        .or(row.entered_queue_at)
}

/// Whether a decision finished a review: a return, or an approval that did not send it
/// to a second reviewer. A first approval of a four-eyes order leaves it under review.
pub fn finishes_review(row: &DecisionRow) -> bool {
    let under_review = |s: &Option<String>| {
        matches!(
            s.as_deref(),
            Some("pending_review" | "pending_second_approval")
        )
    };
    matches!(row.action.as_str(), "approve" | "return")
        && under_review(&row.from_state)
        && !under_review(&row.to_state)
}

/// The bounds the store counts with, at `now`.
pub fn bounds(now: DateTime<FixedOffset>) -> StatsBounds {
    let today = now.with_timezone(&china()).date_naive();
    StatsBounds {
        now,
        end_of_today: end_of_day(today),
        end_of_tomorrow: end_of_day(today + Duration::days(1)),
        verification_cutoff: now - Duration::days(calendar::VERIFICATION_WINDOW_DAYS),
        intake_since: calendar::start_of_day(default_since(now)),
    }
}

/// Where reading decisions starts for a period from `since`: early enough for the chart
/// and this week too.
pub fn read_from(now: DateTime<FixedOffset>, since: NaiveDate) -> NaiveDate {
    since
        .min(default_since(now))
        .min(monday_of(now.with_timezone(&china()).date_naive()))
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

/// The value at nearest rank `q` (0 < q <= 1) of sorted values.
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// Every figure, from what the store returned: the queue now and the decisions read
/// from [`read_from`] on.
pub fn compute(
    cal: &Calendar,
    now: DateTime<FixedOffset>,
    since: NaiveDate,
    snapshot: &StatsSnapshot,
    decisions: &[DecisionRow],
) -> Stats {
    let today = now.with_timezone(&china()).date_naive();
    let week = monday_of(today);
    let chart_start = default_since(now);
    let s = snapshot;
    let queue = QueueNow {
        pending_review: s.pending_review + s.second_approval,
        overdue: s.overdue,
        due_today: s.due_today,
        due_tomorrow: s.due_tomorrow,
        awaiting_second_approval: s.second_approval,
        pending_verification: s.pending_verification,
        verification_in_window: s.pending_verification.saturating_sub(s.verification_lapsed),
        verification_lapsed: s.verification_lapsed,
    };
    let mut daily: Vec<Day> = (0..CHART_DAYS)
        .map(|i| Day {
            date: chart_start + Duration::days(i),
            ..Day::default()
        })
        .collect();
    for (day, n) in &s.intake_by_day {
        if let Some(d) = daily.iter_mut().find(|d| d.date == *day) {
            d.intake += n;
        }
    }
    let mut ages: BTreeMap<u32, u64> = BTreeMap::new();
    for (due, n) in &s.waiting_by_due {
        *ages.entry(cal.waited_business_days(now, *due)).or_default() += n;
    }
    let mut sla = Sla::default();
    let mut weeks: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    let mut hours = Vec::new();
    let mut reviewers: BTreeMap<String, ReviewerFigures> = BTreeMap::new();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for row in decisions {
        let day = row.at.with_timezone(&china()).date_naive();
        if let Some(d) = daily.iter_mut().find(|d| d.date == day) {
            match row.action.as_str() {
                "approve" => d.approved += 1,
                "return" => d.returned += 1,
                "expire" => d.expired += 1,
                _ => {}
            }
        }
        let figures = reviewers.entry(row.actor.clone()).or_default();
        if day == today {
            figures.today.add(&row.action);
        }
        if day >= week {
            figures.this_week.add(&row.action);
        }
        if day < since {
            continue;
        }
        match row.action.as_str() {
            "approve" => figures.approved += 1,
            "return" => {
                figures.returned += 1;
                for code in &row.reasons {
                    *reasons.entry(code.clone()).or_default() += 1;
                }
            }
            "expire" => figures.expired += 1,
            _ => {}
        }
        if finishes_review(row)
            && let Some(start) = clock_start(row)
        {
            let kept = cal.kept_promise(start, row.at);
            sla.decided += 1;
            sla.within_sla += kept as u64;
            let w = weeks.entry(monday_of(day)).or_default();
            w.0 += 1;
            w.1 += kept as u64;
            hours.push(cal.business_hours(start, row.at));
        }
    }
    // Reviewers with nothing in the period but something this week (a period that
    // starts later than Monday) are kept: their today and this week are figures too.
    for figures in reviewers.values_mut() {
        figures.return_rate = share(figures.returned, figures.approved + figures.returned);
    }
    sla.share = share(sla.within_sla, sla.decided);
    sla.weeks = weeks
        .into_iter()
        .map(|(week_start, (decided, within_sla))| SlaWeek {
            week_start,
            decided,
            within_sla,
            share: share(within_sla, decided),
        })
        .collect();
    hours.sort_by(f64::total_cmp);
    let mut return_reasons: Vec<ReasonCount> = reasons
        .into_iter()
        .map(|(code, count)| ReasonCount { code, count })
        .collect();
    return_reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    Stats {
        now,
        since,
        queue,
        daily,
        sla,
        waiting_age: ages
            .into_iter()
            .map(|(business_days, count)| AgeBucket {
                business_days,
                count,
            })
            .collect(),
        time_to_decision: TimeToDecision {
            decided: hours.len() as u64,
            median_business_hours: nearest_rank(&hours, 0.5),
            p90_business_hours: nearest_rank(&hours, 0.9),
        },
        decisions_by_reviewer: reviewers,
        return_reasons,
    }
}

/// One decision of an export (`shenhe export decisions`): who decided what, when, why,
/// and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedDecision {
    pub seq: i64,
    pub application_id: String,
    pub revision: u32,
    pub merchant: Option<String>,
    pub product: Option<String>,
    pub reviewer: String,
    /// approve, return or expire.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reasons: Vec<String>,
    /// The message to the applicant.
    pub message: Option<String>,
    /// When its review clock started (see [`clock_start`]).
    #[serde(serialize_with = "ser_opt_instant")]
    pub reviewable_at: Option<DateTime<FixedOffset>>,
    #[serde(serialize_with = "shenhe_domain::application::rfc3339::serialize")]
    pub decided_at: DateTime<FixedOffset>,
    /// Business hours from `reviewable_at` to `decided_at` (to a tenth).
    pub business_hours: Option<f64>,
    /// Decided by the end of the third business day after `reviewable_at`.
    pub within_sla: Option<bool>,
}

fn ser_date<S: serde::Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&day.format("%Y-%m-%d"))
}

fn ser_opt_instant<S: serde::Serializer>(
    at: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => shenhe_domain::application::rfc3339::serialize(at, s),
        None => s.serialize_none(),
    }
}

impl Review {
    /// The statistics at now, the period starting on `since` (China time; default: the
    /// last 30 days).
    pub fn stats(&self, since: Option<NaiveDate>) -> ReviewResult<Stats> {
        let now = self.now();
        let since = since.unwrap_or_else(|| default_since(now));
        let snapshot = self.store.stats_snapshot(&bounds(now))?;
        let mut decisions = Vec::new();
        self.store.decisions(
            calendar::start_of_day(read_from(now, since)),
            None,
            false,
            &mut |row| {
                decisions.push(row);
                true
            },
        )?;
        Ok(compute(
            &self.policy.calendar,
            now,
            since,
            &snapshot,
            &decisions,
        ))
    }

    /// Every decision from the start of `since` to the end of `until` (China days),
    /// oldest first, each handed to `visit` until it returns false.
    pub fn export_decisions(
        &self,
        since: NaiveDate,
        until: Option<NaiveDate>,
        visit: &mut dyn FnMut(ExportedDecision) -> bool,
    ) -> ReviewResult<()> {
        let cal = &self.policy.calendar;
        let until = until.map(|u| calendar::start_of_day(u + Duration::days(1)));
        self.store
            .decisions(calendar::start_of_day(since), until, true, &mut |row| {
                let start = clock_start(&row);
                let measured = start.filter(|_| row.action != "expire");
                visit(ExportedDecision {
                    business_hours: measured.map(|s| cal.business_hours(s, row.at)),
                    within_sla: measured
                        .filter(|_| finishes_review(&row))
                        .map(|s| cal.kept_promise(s, row.at)),
                    reviewable_at: start,
                    seq: row.seq,
                    application_id: row.application_id,
                    revision: row.revision,
                    merchant: row.merchant,
                    product: row.product,
                    reviewer: row.actor,
                    action: row.action,
                    from_state: row.from_state,
                    to_state: row.to_state,
                    reasons: row.reasons,
                    message: row.message,
                    decided_at: row.at,
                })
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_a_value_that_was_seen() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(nearest_rank(&v, 0.5), Some(5.0));
        assert_eq!(nearest_rank(&v, 0.9), Some(9.0));
        assert_eq!(nearest_rank(&[7.5], 0.9), Some(7.5));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0], 0.5), Some(2.0));
    }
}
