//! The calendar against the State Council's schedule, written out independently of
//! data/holidays.toml, and properties of business-day arithmetic.

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

#[test]
fn urgency_is_for_orders_pending_review_only() {
    let c = calendar();
    let now = at("2026-12-02T10:00:00+08:00");
    let due_tonight = at("2026-12-02T23:59:59+08:00");
    let due_yesterday = at("2026-12-01T23:59:59+08:00");
    let due_friday = at("2026-12-04T23:59:59+08:00");
    assert_eq!(
        c.urgency(State::PendingReview, now, due_yesterday),
        Some(Urgency::Overdue)
    );
    assert_eq!(
        c.urgency(State::PendingReview, now, due_tonight),
        Some(Urgency::DueToday)
    );
    assert_eq!(
        c.urgency(State::PendingReview, now, due_friday),
        Some(Urgency::InTime)
    );
    // A second approval is still the order's review: its clock runs on.
    assert_eq!(
        c.urgency(State::PendingSecondApproval, now, due_yesterday),
        Some(Urgency::Overdue)
    );
    for state in State::ALL {
        if !State::UNDER_REVIEW.contains(&state) {
            assert_eq!(c.urgency(state, now, due_yesterday), None, "{state:?}");
        }
    }
}

#[test]
fn today_is_china_s_today_whatever_the_offset_of_now() {
    // 01:00 in Beijing on 3 December is 17:00 UTC on 2 December: due at the end of
    // 3 December (China) is due today, and the end of 2 December is already past.
    let now_utc = at("2026-12-02T17:00:00+00:00");
    assert_eq!(end_of_today(now_utc), at("2026-12-03T23:59:59+08:00"));
    assert_eq!(
        calendar().urgency(
            State::PendingReview,
            now_utc,
            at("2026-12-03T23:59:59+08:00")
        ),
        Some(Urgency::DueToday)
    );
}

#[test]
fn the_verification_window_counts_whole_days_then_lapses_just_after_its_end() {
    let submitted = at("2026-11-01T09:00:00+08:00");
    let end = verification_deadline(submitted);
    assert_eq!(verification_days_left(submitted, submitted), Some(15));
    assert_eq!(
        verification_days_left(submitted, end - Duration::hours(25)),
        Some(1)
    );
    assert_eq!(verification_days_left(submitted, end), Some(0));
    assert_eq!(
        verification_days_left(submitted, end + Duration::seconds(1)),
        None
    );
}
