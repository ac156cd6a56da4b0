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
    /// reviewer (only pending review and pending second approval run on the
    /// three-business-day clock).
    pub fn urgency(
        &self,
        state: State,
        now: DateTime<FixedOffset>,
        due: DateTime<FixedOffset>,
    ) -> Option<Urgency> {
        if !state.under_review() {
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

mod hours;
pub use hours::start_of_day;
#[cfg(test)]
mod tests;
