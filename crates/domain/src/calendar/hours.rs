//! Time measured in business days and hours (the lead's statistics, issue 14): how long
//! a decision took, whether it kept the three-business-day promise, how long what waits
//! has waited. A business hour is an hour of a business day (in China time, the whole
//! day: the promise runs to 23:59:59 of the third business day, so the clock does not
//! stop at office hours either); hours of weekends and holidays do not count.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Weekday};

use super::{Calendar, REVIEW_BUSINESS_DAYS, china};

impl Calendar {
    /// The seconds of [`from`, `to`) that fall on business days (China time); 0 when `to`
    /// is not after `from`.
    pub fn business_seconds(&self, from: DateTime<FixedOffset>, to: DateTime<FixedOffset>) -> i64 {
        if to <= from {
            return 0;
        }
        let from = from.with_timezone(&china());
        let to = to.with_timezone(&china());
        let (first, last) = (from.date_naive(), to.date_naive());
        // The part of a day that falls inside [from, to), if the day is a business day.
        let part = |day: NaiveDate| -> i64 {
            if !self.is_business_day(day) {
                return 0;
            }
            let start = start_of_day(day).max(from);
            let end = start_of_day(next_day(day)).min(to);
            (end - start).num_seconds().max(0)
        };
        if first == last {
            return part(first);
        }
        // The first and last days in part, every day between whole: counted, not walked
        // (statistics measure a hundred thousand decisions at a time).
        let whole =
            self.count_business_days(first, last) as i64 - i64::from(self.is_business_day(last));
        part(first) + whole * 86_400 + part(last)
    }

    /// Business days d with `from` < d <= `to`, counted from the weekdays and the year's
    /// holidays and make-up workdays in between, without walking every day.
    pub fn count_business_days(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let first = next_day(from);
        let mut n = weekdays(first, to) as i64;
        for year in first.year()..=to.year() {
            let Some(days) = self.years.get(&year) else {
                continue;
            };
            for h in days.holidays.range(first..=to) {
                if is_weekday(*h) && !days.workdays.contains(h) {
                    n -= 1;
                }
            }
            for w in days.workdays.range(first..=to) {
                if !is_weekday(*w) {
                    n += 1;
                }
            }
        }
        n.max(0) as u32
    }

    /// Business hours (to a tenth) between two instants: [`Calendar::business_seconds`]
    /// in hours.
    pub fn business_hours(&self, from: DateTime<FixedOffset>, to: DateTime<FixedOffset>) -> f64 {
        (self.business_seconds(from, to) as f64 / 360.0).round() / 10.0
    }

    /// Whether a decision at `decided` kept the promise for an order reviewable since
    /// `start`: by the end of the third business day after the day it became reviewable.
    pub fn kept_promise(
        &self,
        start: DateTime<FixedOffset>,
        decided: DateTime<FixedOffset>,
    ) -> bool {
        decided <= self.due_at(start).at
    }

    /// How many business days an order due at `due` (three business days after the day
    /// it became reviewable) has waited by `now`: business days after that day up to
    /// and including today. Read back from its due time, which the store keeps indexed.
    pub fn waited_business_days(
        &self,
        now: DateTime<FixedOffset>,
        due: DateTime<FixedOffset>,
    ) -> u32 {
        let today = now.with_timezone(&china()).date_naive();
        let due_day = due.with_timezone(&china()).date_naive();
        if today <= due_day {
            REVIEW_BUSINESS_DAYS.saturating_sub(self.business_days_between(today, due_day))
        } else {
            REVIEW_BUSINESS_DAYS + self.business_days_between(due_day, today)
        }
    }
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().expect("dates stay far from chrono's limits")
}

fn is_weekday(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday-to-Friday days in [first, last].
fn weekdays(first: NaiveDate, last: NaiveDate) -> u64 {
    let days = (last - first).num_days() + 1;
    let (weeks, rest) = (days / 7, days % 7);
    let start = first.weekday().num_days_from_monday() as i64;
    let extra = (0..rest).filter(|i| (start + i) % 7 < 5).count() as i64;
    (weeks * 5 + extra) as u64
}

/// 00:00:00 of `day` in China Standard Time.
pub fn start_of_day(day: NaiveDate) -> DateTime<FixedOffset> {
    super::end_of_day(day) - Duration::seconds(86_399)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    #[test]
    fn business_hours_skip_weekends_and_holidays() {
        let cal = Policy::builtin().calendar;
        // Tuesday 10:00 to Wednesday 10:00: one whole day of business.
        assert_eq!(
            cal.business_seconds(
                at("2026-11-24T10:00:00+08:00"),
                at("2026-11-25T10:00:00+08:00")
            ),
            24 * 3600
        );
        // Friday 18:00 to Monday 06:00: 6 hours of Friday, 6 of Monday, none of the weekend.
        assert_eq!(
            cal.business_hours(
                at("2026-11-27T18:00:00+08:00"),
                at("2026-11-30T06:00:00+08:00")
            ),
            12.0
        );
        // National Day (1 to 7 October 2026) counts nothing; 10 October (Saturday) is a
        // make-up workday and counts whole.
        assert_eq!(
            cal.business_hours(
                at("2026-10-01T00:00:00+08:00"),
                at("2026-10-08T00:00:00+08:00")
            ),
            0.0
        );
        assert_eq!(
            cal.business_hours(
                at("2026-10-10T00:00:00+08:00"),
                at("2026-10-11T00:00:00+08:00")
            ),
            24.0
        );
        // An instant given in another offset is the same instant.
        assert_eq!(
            cal.business_seconds(at("2026-11-24T02:00:00Z"), at("2026-11-24T12:00:00+08:00")),
            2 * 3600
        );
        assert_eq!(
            cal.business_seconds(
                at("2026-11-25T00:00:00+08:00"),
                at("2026-11-24T00:00:00+08:00")
            ),
            0
        );
    }

    #[test]
    fn counting_business_days_agrees_with_walking_them() {
        let cal = Policy::builtin().calendar;
        let start = NaiveDate::from_ymd_opt(2024, 12, 20).expect("date");
        for a in 0..120 {
            for len in [0i64, 1, 2, 3, 6, 7, 8, 13, 40, 400] {
                let from = start + Duration::days(a);
                let to = from + Duration::days(len);
                assert_eq!(
                    cal.count_business_days(from, to),
                    cal.business_days_between(from, to),
                    "{from} to {to}"
                );
            }
        }
        // And seconds: counted equals walked, across weeks, holidays and make-up days.
        let walk = |from: DateTime<FixedOffset>, to: DateTime<FixedOffset>| -> i64 {
            let mut total = 0;
            let mut day = from.with_timezone(&china()).date_naive();
            while day <= to.with_timezone(&china()).date_naive() {
                if cal.is_business_day(day) {
                    let s = start_of_day(day).max(from);
                    let e = start_of_day(next_day(day)).min(to);
                    total += (e - s).num_seconds().max(0);
                }
                day = next_day(day);
            }
            total
        };
        let base = at("2025-09-25T13:30:00+08:00");
        for h in (0..24 * 40).step_by(7) {
            let from = base + Duration::hours(h);
            let to = from + Duration::hours(h / 3 + 5);
            assert_eq!(
                cal.business_seconds(from, to),
                walk(from, to),
                "{from} to {to}"
            );
        }
    }

    #[test]
    fn the_promise_runs_to_the_end_of_the_third_business_day() {
        let cal = Policy::builtin().calendar;
        // Reviewable Friday 27 November: due Wednesday 2 December, 23:59:59.
        let start = at("2026-11-27T15:00:00+08:00");
        assert!(cal.kept_promise(start, at("2026-12-02T23:59:59+08:00")));
        assert!(!cal.kept_promise(start, at("2026-12-03T00:00:00+08:00")));
    }

    #[test]
    fn waiting_is_read_back_from_the_due_time() {
        let cal = Policy::builtin().calendar;
        let now = at("2026-11-24T10:00:00+08:00"); // Tuesday
        // Reviewable today: due Friday 27th: waited 0.
        assert_eq!(cal.waited_business_days(now, cal.due_at(now).at), 0);
        // Reviewable last Friday (20th): Monday and Tuesday: 2.
        let friday = at("2026-11-20T09:00:00+08:00");
        assert_eq!(cal.waited_business_days(now, cal.due_at(friday).at), 2);
        // Reviewable Saturday 21st: Monday and Tuesday too.
        let saturday = at("2026-11-21T09:00:00+08:00");
        assert_eq!(cal.waited_business_days(now, cal.due_at(saturday).at), 2);
        // Reviewable Monday 16th: 17, 18, 19, 20, 23, 24: 6 (3 of them overdue).
        let monday = at("2026-11-16T09:00:00+08:00");
        assert_eq!(cal.waited_business_days(now, cal.due_at(monday).at), 6);
    }
}
