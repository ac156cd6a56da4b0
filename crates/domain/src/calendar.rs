//! Business days in mainland China: Monday to Friday, minus the official holidays, plus
//! the official make-up workdays (调休). Dates are taken in China Standard Time (UTC+8).
//! A year the holiday data does not cover is computed on weekends alone and reported.

use std::collections::{BTreeMap, BTreeSet};

use crate::state::State;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};

/// Business days an application has for its review (三个工作日).
pub const REVIEW_BUSINESS_DAYS: u32 = 3;

/// Calendar days an order may wait for real-name verification before it is cancelled.
pub const VERIFICATION_WINDOW_DAYS: i64 = 15;

/// China Standard Time: UTC+8, no daylight saving.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// One year of the State Council's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    pub year: i32,
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
struct YearDays {
    // Ordered sets: a few dozen dates a year, looked up several times for every due time
    // (a million in a large import), are found faster by comparing than by SipHash.
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearDays>,
}

/// A due time, with the years it was computed in that the holiday data does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<FixedOffset>,
    pub uncovered_years: BTreeSet<i32>,
}

/// What is left before a due time, or how late it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLeft {
    /// Whole business days after today up to and including the due day, plus the hours
    /// left today when today is a business day.
    Left { business_days: u32, hours: u32 },
    /// Past due: business days after the due day up to and including today, and hours
    /// since the due time.
    Overdue { business_days: u32, hours: i64 },
}

impl TimeLeft {
    pub fn is_overdue(self) -> bool {
        matches!(self, TimeLeft::Overdue { .. })
    }
}

impl Calendar {
    pub fn new(years: Vec<YearSchedule>) -> Calendar {
        let years = years
            .into_iter()
            .map(|y| {
                (
                    y.year,
                    YearDays {
                        holidays: y.holidays.into_iter().collect(),
                        workdays: y.workdays.into_iter().collect(),
                    },
                )
            })
            .collect();
        Calendar { years }
    }

    /// Whether the holiday data has this year.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn covered_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.years
            .get(&date.year())
            .is_some_and(|y| y.holidays.contains(&date))
    }

    pub fn is_makeup_workday(&self, date: NaiveDate) -> bool {
        self.years
            .get(&date.year())
            .is_some_and(|y| y.workdays.contains(&date))
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        if self.is_makeup_workday(date) {
            return true;
        }
        if self.is_holiday(date) {
            return false;
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`th business day after `date` (not counting `date` itself); `date` when n is 0.
    /// Years it passes through that the data does not cover are added to `uncovered`.
    pub fn add_business_days(
        &self,
        date: NaiveDate,
        n: u32,
        uncovered: &mut BTreeSet<i32>,
    ) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().expect("dates stay far from chrono's limits");
            if !self.covers(day.year()) {
                uncovered.insert(day.year());
            }
            if self.is_business_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Business days d with `from` < d <= `to`.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_business_day(*d))
            .count() as u32
    }

    /// Due at the end (23:59:59 UTC+8) of the third business day after the day of submission.
    pub fn due_at(&self, submitted_at: DateTime<FixedOffset>) -> Due {
        let day = submitted_at.with_timezone(&china()).date_naive();
        let mut uncovered = BTreeSet::new();
        if !self.covers(day.year()) {
            uncovered.insert(day.year());
        }
        let due_day = self.add_business_days(day, REVIEW_BUSINESS_DAYS, &mut uncovered);
        Due {
            at: end_of_day(due_day),
            uncovered_years: uncovered,
        }
    }

    pub fn time_left(&self, now: DateTime<FixedOffset>, due: DateTime<FixedOffset>) -> TimeLeft {
        let now_cst = now.with_timezone(&china());
        let today = now_cst.date_naive();
        let due_day = due.with_timezone(&china()).date_naive();
        if now <= due {
            let business_days = self.business_days_between(today, due_day);
            let hours = if self.is_business_day(today) {
                let end = end_of_day(today);
                ((end - now_cst).num_seconds() / 3600) as u32
            } else {
                0
            };
            TimeLeft::Left {
                business_days,
                hours,
            }
        } else {
            let hours = (now - due).num_hours();
            let business_days = self.business_days_between(due_day, today);
            TimeLeft::Overdue {
                business_days,
                hours,
            }
        }
    }
}

/// 23:59:59 of `day` in China Standard Time.
pub fn end_of_day(day: NaiveDate) -> DateTime<FixedOffset> {
    let time = NaiveTime::from_hms_opt(23, 59, 59).expect("valid time");
    china()
        .from_local_datetime(&day.and_time(time))
        .single()
        .expect("a fixed offset has no gaps")
}

/// How pressing an order pending review is: what the queue marks `!` and `*` and counts
/// in its header, the same for every face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Overdue,
    /// Due before the end of today (China time), and not yet overdue.
    DueToday,
    InTime,
}

impl Calendar {
    /// The urgency of an order due at `due`; `None` for an order that is not waiting for a
    /// reviewer (only pending review runs on the three-business-day clock).
    pub fn urgency(
        &self,
        state: State,
        now: DateTime<FixedOffset>,
        due: DateTime<FixedOffset>,
    ) -> Option<Urgency> {
        if state != State::PendingReview {
            return None;
        }
        Some(if self.time_left(now, due).is_overdue() {
            Urgency::Overdue
        } else if due <= end_of_today(now) {
            Urgency::DueToday
        } else {
            Urgency::InTime
        })
    }
}

/// The last second of `now`'s day in China, wherever the machine is.
pub fn end_of_today(now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    end_of_day(now.with_timezone(&china()).date_naive())
}

/// Whole days left in the 15-day verification window of an order submitted at
/// `submitted_at`, or `None` once it has lapsed (the order may then be expired).
pub fn verification_days_left(
    submitted_at: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
) -> Option<i64> {
    let deadline = verification_deadline(submitted_at);
    (now <= deadline).then(|| (deadline - now).num_days())
}

/// When an order waiting for real-name verification may be cancelled: more than 15
/// calendar days after its submission.
pub fn verification_deadline(submitted_at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    submitted_at + Duration::days(VERIFICATION_WINDOW_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use proptest::prelude::*;

    fn calendar() -> Calendar {
        Policy::builtin().calendar
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn days(from: &str, to: &str) -> Vec<NaiveDate> {
        date(from)
            .iter_days()
            .take_while(|d| *d <= date(to))
            .collect()
    }

    /// The State Council's schedule as domain.md states it, written out independently of
    /// data/holidays.toml so that a typo there is caught here.
    fn official() -> Vec<(i32, Vec<NaiveDate>, Vec<NaiveDate>)> {
        let list = |ranges: &[(&str, &str)]| ranges.iter().flat_map(|(a, b)| days(a, b)).collect();
        vec![
            (
                2025,
                list(&[
                    ("2025-01-01", "2025-01-01"),
                    ("2025-01-28", "2025-02-04"),
                    ("2025-04-04", "2025-04-06"),
                    ("2025-05-01", "2025-05-05"),
                    ("2025-05-31", "2025-06-02"),
                    ("2025-10-01", "2025-10-08"),
                ]),
                [
                    "2025-01-26",
                    "2025-02-08",
                    "2025-04-27",
                    "2025-09-28",
                    "2025-10-11",
                ]
                .map(date)
                .to_vec(),
            ),
            (
                2026,
                list(&[
                    ("2026-01-01", "2026-01-03"),
                    ("2026-02-15", "2026-02-23"),
                    ("2026-04-04", "2026-04-06"),
                    ("2026-05-01", "2026-05-05"),
                    ("2026-06-19", "2026-06-21"),
                    ("2026-09-25", "2026-09-27"),
                    ("2026-10-01", "2026-10-07"),
                ]),
                [
                    "2026-01-04",
                    "2026-02-14",
                    "2026-02-28",
                    "2026-05-09",
                    "2026-09-20",
                    "2026-10-10",
                ]
                .map(date)
                .to_vec(),
            ),
        ]
    }

    fn is_weekend(d: NaiveDate) -> bool {
        matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    #[test]
    fn the_data_is_exactly_the_official_schedule() {
        let cal = calendar();
        assert_eq!(cal.covered_years().collect::<Vec<_>>(), vec![2025, 2026]);
        for (year, holidays, workdays) in official() {
            assert!(cal.covers(year));
            for d in &holidays {
                assert!(cal.is_holiday(*d), "{d} is an official holiday");
                assert!(!cal.is_business_day(*d), "{d} is an official holiday");
            }
            for d in &workdays {
                assert!(is_weekend(*d), "{d}: a make-up workday is a weekend day");
                assert!(
                    cal.is_makeup_workday(*d),
                    "{d} is an official make-up workday"
                );
                assert!(
                    cal.is_business_day(*d),
                    "{d} is an official make-up workday"
                );
            }
            // And nothing else differs from a plain week.
            for d in days(&format!("{year}-01-01"), &format!("{year}-12-31")) {
                let expected = if holidays.contains(&d) {
                    false
                } else if workdays.contains(&d) {
                    true
                } else {
                    !is_weekend(d)
                };
                assert_eq!(cal.is_business_day(d), expected, "{d}");
            }
        }
    }

    #[test]
    fn business_days_in_a_known_year() {
        let cal = calendar();
        let count = |y: i32| {
            cal.business_days_between(
                date(&format!("{y}-01-01")) - Duration::days(1),
                date(&format!("{y}-12-31")),
            )
        };
        // Weekdays, less the holidays that fall on weekdays, plus the make-up workdays.
        for (year, holidays, workdays) in official() {
            let all = days(&format!("{year}-01-01"), &format!("{year}-12-31"));
            let weekdays = all.iter().filter(|d| !is_weekend(**d)).count();
            let weekday_holidays = holidays.iter().filter(|d| !is_weekend(**d)).count();
            let expected = weekdays - weekday_holidays + workdays.len();
            assert_eq!(count(year) as usize, expected, "{year}");
        }
        assert_eq!(count(2025), 248);
    }

    #[test]
    fn uncovered_years_count_weekends_only() {
        let cal = calendar();
        assert!(!cal.covers(2027));
        assert!(!cal.covers(2024));
        // 1 January and 1 October 2027 are surely holidays, but there is no data yet.
        assert!(cal.is_business_day(date("2027-01-01")), "a Friday");
        assert!(cal.is_business_day(date("2027-10-01")), "a Friday");
        assert!(!cal.is_business_day(date("2027-10-02")), "a Saturday");
        let empty = Calendar::default();
        assert!(!empty.covers(2026));
        assert!(
            empty.is_business_day(date("2026-10-01")),
            "a Thursday, with no data"
        );
    }

    #[test]
    fn due_examples() {
        let cal = calendar();
        let due = |s: &str| cal.due_at(at(s));
        let expect = |s: &str| at(s);

        // Friday: Monday, Tuesday, Wednesday.
        let d = due("2026-11-20T09:00:00+08:00");
        assert_eq!(d.at, expect("2026-11-25T23:59:59+08:00"));
        assert!(d.uncovered_years.is_empty());
        // Any time that Friday in China, however the instant is written.
        for s in [
            "2026-11-20T00:00:00+08:00",
            "2026-11-20T23:59:59+08:00",
            "2026-11-19T16:00:00Z",
            "2026-11-20T15:59:59Z",
            "2026-11-19T23:00:00-09:00",
        ] {
            assert_eq!(due(s).at, expect("2026-11-25T23:59:59+08:00"), "{s}");
        }
        // Still Thursday in China: one day earlier.
        assert_eq!(
            due("2026-11-19T15:59:59Z").at,
            expect("2026-11-24T23:59:59+08:00")
        );

        // 30 September: the National Day week off, then Thursday, Friday and the make-up
        // Saturday.
        let d = due("2026-09-30T10:00:00+08:00");
        assert_eq!(d.at, expect("2026-10-10T23:59:59+08:00"));
        assert_eq!(d.at.weekday(), Weekday::Sat);
        // 17:30 UTC on 30 September is already 1 October in China. Counting from a
        // holiday that leads into the same three days, the due time is the same.
        let late = at("2026-09-30T17:30:00Z");
        assert_eq!(
            late.with_timezone(&china()).date_naive(),
            date("2026-10-01")
        );
        assert_eq!(cal.due_at(late).at, expect("2026-10-10T23:59:59+08:00"));
        // One day earlier the time zone does move the due day: 29 September in UTC is
        // 30 September in China, so due on the 10th rather than the 9th.
        assert_eq!(
            due("2026-09-29T15:59:59Z").at,
            expect("2026-10-09T23:59:59+08:00")
        );
        assert_eq!(
            due("2026-09-29T16:30:00Z").at,
            expect("2026-10-10T23:59:59+08:00")
        );

        // Spring Festival 2026 and the make-up Saturday after it.
        assert_eq!(
            due("2026-02-13T12:00:00+08:00").at,
            expect("2026-02-25T23:59:59+08:00")
        );
        assert_eq!(
            due("2026-02-25T12:00:00+08:00").at,
            expect("2026-02-28T23:59:59+08:00")
        );
        assert_eq!(
            due("2026-02-26T12:00:00+08:00").at,
            expect("2026-03-02T23:59:59+08:00")
        );
        // Submitted on a make-up Saturday: counts from the next day like any other.
        assert_eq!(
            due("2026-02-28T12:00:00+08:00").at,
            expect("2026-03-04T23:59:59+08:00")
        );
        // 2025 National Day + Mid-autumn, ending with the make-up Saturday 11 October.
        assert_eq!(
            due("2025-09-30T12:00:00+08:00").at,
            expect("2025-10-11T23:59:59+08:00")
        );
    }

    #[test]
    fn uncovered_years_are_reported() {
        let cal = calendar();
        // Entirely in 2027: weekends alone, and said so.
        let d = cal.due_at(at("2027-01-01T10:00:00+08:00"));
        assert_eq!(d.at, at("2027-01-06T23:59:59+08:00"));
        assert_eq!(d.uncovered_years, BTreeSet::from([2027]));
        // Submitted in 2026, due in 2027.
        let d = cal.due_at(at("2026-12-30T10:00:00+08:00"));
        assert_eq!(d.at, at("2027-01-04T23:59:59+08:00"));
        assert_eq!(d.uncovered_years, BTreeSet::from([2027]));
        // 31 December 2024 in UTC is already 2025 in China: nothing uncovered.
        let d = cal.due_at(at("2024-12-31T17:00:00Z"));
        assert_eq!(d.uncovered_years, BTreeSet::new());
        assert_eq!(d.at, at("2025-01-06T23:59:59+08:00"));
        // Submitted on a 2024 day that is still 2024 in China.
        let d = cal.due_at(at("2024-12-31T10:00:00+08:00"));
        assert_eq!(d.uncovered_years, BTreeSet::from([2024]));
        assert_eq!(d.at, at("2025-01-06T23:59:59+08:00"));
    }

    #[test]
    fn adding_business_days() {
        let cal = calendar();
        let mut uncovered = BTreeSet::new();
        let add = |d: &str, n: u32, u: &mut BTreeSet<i32>| cal.add_business_days(date(d), n, u);
        assert_eq!(add("2026-11-20", 0, &mut uncovered), date("2026-11-20"));
        assert_eq!(
            add("2026-11-21", 0, &mut uncovered),
            date("2026-11-21"),
            "n = 0 is the day itself"
        );
        assert_eq!(add("2026-11-20", 1, &mut uncovered), date("2026-11-23"));
        assert_eq!(add("2026-11-20", 5, &mut uncovered), date("2026-11-27"));
        assert_eq!(add("2026-09-24", 1, &mut uncovered), date("2026-09-28"));
        assert!(uncovered.is_empty());
        assert_eq!(add("2026-12-31", 1, &mut uncovered), date("2027-01-01"));
        assert_eq!(uncovered, BTreeSet::from([2027]));

        assert_eq!(
            cal.business_days_between(date("2026-11-20"), date("2026-11-25")),
            3
        );
        assert_eq!(
            cal.business_days_between(date("2026-11-20"), date("2026-11-20")),
            0
        );
        assert_eq!(
            cal.business_days_between(date("2026-11-25"), date("2026-11-20")),
            0
        );
        assert_eq!(
            cal.business_days_between(date("2026-09-30"), date("2026-10-10")),
            3
        );
    }

    #[test]
    fn time_left_before_the_due_time() {
        let cal = calendar();
        let due = at("2026-11-25T23:59:59+08:00"); // Wednesday
        let left = |now: &str| cal.time_left(at(now), due);
        assert_eq!(
            left("2026-11-23T10:00:00+08:00"),
            TimeLeft::Left {
                business_days: 2,
                hours: 13
            }
        );
        assert_eq!(
            left("2026-11-25T20:00:00+08:00"),
            TimeLeft::Left {
                business_days: 0,
                hours: 3
            }
        );
        assert_eq!(
            left("2026-11-25T23:30:00+08:00"),
            TimeLeft::Left {
                business_days: 0,
                hours: 0
            }
        );
        assert_eq!(
            left("2026-11-25T23:59:59+08:00"),
            TimeLeft::Left {
                business_days: 0,
                hours: 0
            }
        );
        // The same instants in UTC.
        assert_eq!(
            left("2026-11-25T12:00:00Z"),
            TimeLeft::Left {
                business_days: 0,
                hours: 3
            }
        );
        assert_eq!(
            left("2026-11-22T16:30:00Z"),
            TimeLeft::Left {
                business_days: 2,
                hours: 23
            }
        );
        // On a weekend no hours count today.
        assert_eq!(
            left("2026-11-21T10:00:00+08:00"),
            TimeLeft::Left {
                business_days: 3,
                hours: 0
            }
        );
        assert_eq!(
            left("2026-11-22T23:00:00+08:00"),
            TimeLeft::Left {
                business_days: 3,
                hours: 0
            }
        );
        // On a holiday neither.
        let due = at("2026-10-10T23:59:59+08:00");
        assert_eq!(
            cal.time_left(at("2026-10-02T09:00:00+08:00"), due),
            TimeLeft::Left {
                business_days: 3,
                hours: 0
            }
        );
        // On a make-up Saturday the hours count.
        assert_eq!(
            cal.time_left(at("2026-10-10T09:00:00+08:00"), due),
            TimeLeft::Left {
                business_days: 0,
                hours: 14
            }
        );
        assert!(!left("2026-11-21T10:00:00+08:00").is_overdue());
    }

    #[test]
    fn time_left_once_overdue() {
        let cal = calendar();
        let due = at("2026-11-25T23:59:59+08:00"); // Wednesday
        let left = |now: &str| cal.time_left(at(now), due);
        assert_eq!(
            left("2026-11-26T00:00:00+08:00"),
            TimeLeft::Overdue {
                business_days: 1,
                hours: 0
            }
        );
        assert_eq!(
            left("2026-11-26T02:00:00+08:00"),
            TimeLeft::Overdue {
                business_days: 1,
                hours: 2
            }
        );
        assert_eq!(
            left("2026-11-27T09:00:00+08:00"),
            TimeLeft::Overdue {
                business_days: 2,
                hours: 33
            }
        );
        // A weekend adds hours but no business days.
        assert_eq!(
            left("2026-11-28T12:00:00+08:00"),
            TimeLeft::Overdue {
                business_days: 2,
                hours: 60
            }
        );
        assert_eq!(
            left("2026-11-29T23:00:00+08:00"),
            TimeLeft::Overdue {
                business_days: 2,
                hours: 95
            }
        );
        assert_eq!(
            left("2026-11-30T09:00:00+08:00"),
            TimeLeft::Overdue {
                business_days: 3,
                hours: 105
            }
        );
        // In UTC: 26 November 01:00 in China.
        assert_eq!(
            left("2026-11-25T17:00:00Z"),
            TimeLeft::Overdue {
                business_days: 1,
                hours: 1
            }
        );
        assert!(left("2026-11-26T00:00:00+08:00").is_overdue());
        // Over the National Day week: 30 September due, 8 October is the first business day late.
        let due = at("2026-09-30T23:59:59+08:00");
        assert_eq!(
            cal.time_left(at("2026-10-07T12:00:00+08:00"), due),
            TimeLeft::Overdue {
                business_days: 0,
                hours: 156
            }
        );
        assert_eq!(
            cal.time_left(at("2026-10-08T12:00:00+08:00"), due),
            TimeLeft::Overdue {
                business_days: 1,
                hours: 180
            }
        );
    }

    #[test]
    fn verification_window_is_fifteen_calendar_days() {
        let submitted = at("2026-09-30T10:00:00+08:00");
        assert_eq!(
            verification_deadline(submitted),
            at("2026-10-15T10:00:00+08:00")
        );
    }

    #[test]
    fn end_of_day_is_in_china() {
        let e = end_of_day(date("2026-10-10"));
        assert_eq!(e.offset(), &china());
        assert_eq!(e.to_rfc3339(), "2026-10-10T23:59:59+08:00");
    }

    /// Instants from 2024 to 2028, written in random UTC offsets.
    fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
        let start = at("2024-01-01T00:00:00Z").timestamp();
        let end = at("2028-12-31T23:59:59Z").timestamp();
        (start..end, -12i32..=14).prop_map(|(secs, hours)| {
            let offset = FixedOffset::east_opt(hours * 3600).expect("valid offset");
            DateTime::from_timestamp(secs, 0)
                .expect("in range")
                .with_timezone(&offset)
        })
    }

    fn day() -> impl Strategy<Value = NaiveDate> {
        (0i64..5 * 366).prop_map(|n| date("2024-01-01") + Duration::days(n))
    }

    proptest! {
        #[test]
        fn due_is_end_of_a_business_day_three_business_days_on(submitted in instant()) {
            let cal = calendar();
            let due = cal.due_at(submitted);
            prop_assert_eq!(due.at.offset(), &china());
            prop_assert_eq!(due.at.time(), NaiveTime::from_hms_opt(23, 59, 59).expect("valid"));
            let due_day = due.at.date_naive();
            prop_assert!(cal.is_business_day(due_day));
            let day = submitted.with_timezone(&china()).date_naive();
            prop_assert!(due_day > day);
            prop_assert_eq!(cal.business_days_between(day, due_day), REVIEW_BUSINESS_DAYS);
            prop_assert!(due.at > submitted);
            // The longest stretch without business days is the Spring Festival week.
            prop_assert!((due_day - day).num_days() <= 14);
            // Uncovered years are exactly the years from submission to due that lack data.
            let expected: BTreeSet<i32> = (day.year()..=due_day.year()).filter(|y| !cal.covers(*y)).collect();
            prop_assert_eq!(due.uncovered_years, expected);
        }

        #[test]
        fn more_business_days_is_never_earlier(d in day(), n in 0u32..40, k in 0u32..40) {
            let cal = calendar();
            let mut u = BTreeSet::new();
            let a = cal.add_business_days(d, n, &mut u);
            let b = cal.add_business_days(d, n + k, &mut u);
            prop_assert!(a <= b);
            if k > 0 { prop_assert!(a < b); }
            if n > 0 { prop_assert!(cal.is_business_day(a)); }
            prop_assert_eq!(cal.business_days_between(d, a), n);
        }

        #[test]
        fn a_later_start_is_never_due_earlier(d in day(), gap in 0i64..30, n in 0u32..10) {
            let cal = calendar();
            let mut u = BTreeSet::new();
            let later = d + Duration::days(gap);
            prop_assert!(cal.add_business_days(d, n, &mut u) <= cal.add_business_days(later, n, &mut u));
        }

        #[test]
        fn a_later_submission_is_never_due_earlier(a in instant(), b in instant()) {
            let cal = calendar();
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(cal.due_at(first).at <= cal.due_at(second).at);
        }

        #[test]
        fn uncovered_years_follow_the_plain_week(d in (0i64..365).prop_map(|n| date("2027-01-01") + Duration::days(n))) {
            let cal = calendar();
            prop_assert_eq!(cal.is_business_day(d), !is_weekend(d));
        }

        #[test]
        fn time_left_agrees_with_the_clock(submitted in instant(), later in 0i64..(20 * 86400)) {
            let cal = calendar();
            let due = cal.due_at(submitted).at;
            let now = submitted + Duration::seconds(later);
            match cal.time_left(now, due) {
                TimeLeft::Left { business_days, hours } => {
                    prop_assert!(now <= due);
                    prop_assert!(business_days <= REVIEW_BUSINESS_DAYS);
                    prop_assert!(hours < 24);
                }
                TimeLeft::Overdue { hours, .. } => {
                    prop_assert!(now > due);
                    prop_assert_eq!(hours, (now - due).num_hours());
                }
            }
        }
    }
}
