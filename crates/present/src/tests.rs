//! The words both faces take from here: every filter, sort and error has them in both
//! languages, dates are China time, and the history says what was recorded.

use chrono::{DateTime, FixedOffset};
use shenhe_domain::calendar::Urgency;
use shenhe_domain::checks::CheckId;
use shenhe_domain::policy::Policy;
use shenhe_domain::state::{Event, State, TransitionRefused};
use shenhe_review::queue::{Filter, Sort};
use shenhe_review::{AuditEntry, ReviewError};
use shenhe_store::audit::NewAuditEntry;

use crate::time::{china_clock, china_minutes, china_seconds, china_short};
use crate::{Lang, error_message, urgency_mark};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test time")
}

#[test]
fn every_filter_and_sort_has_its_own_name_in_both_languages() {
    let policy = Policy::builtin();
    for lang in [Lang::Zh, Lang::En] {
        let filters: Vec<String> = Filter::all(&policy)
            .iter()
            .map(|f| lang.filter(&policy, f))
            .collect();
        let sorts: Vec<&str> = Sort::ALL.iter().map(|s| lang.sort(*s)).collect();
        for names in [filters, sorts.iter().map(|s| s.to_string()).collect()] {
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{lang:?}: {names:?}");
            assert!(names.iter().all(|n| !n.is_empty()), "{names:?}");
        }
    }
    assert_eq!(Lang::Zh.filter(&policy, &Filter::Overdue), "超期");
    assert_eq!(
        Lang::En.filter(&policy, &Filter::Group("platform".into())),
        policy.group("platform").expect("a group").en
    );
}

#[test]
fn dates_are_china_time_whatever_the_offset_they_come_in() {
    let utc = at("2026-12-02T17:05:09+00:00");
    assert_eq!(china_seconds(utc), "2026-12-03 01:05:09");
    assert_eq!(china_minutes(utc), "2026-12-03 01:05");
    assert_eq!(china_short(utc), "12-03 01:05");
    assert_eq!(china_clock(utc), "01:05");
}

fn errors() -> Vec<ReviewError> {
    let when = at("2026-12-02T02:00:00+00:00");
    vec![
        ReviewError::NotFound { id: "SQ9".into() },
        ReviewError::Refused(TransitionRefused {
            from: State::Returned,
            event: Event::Approve,
        }),
        ReviewError::RefusedAfter {
            refused: TransitionRefused {
                from: State::Returned,
                event: Event::Approve,
            },
            id: "SQ1".into(),
            by: "bob".into(),
            at: when,
        },
        ReviewError::Conflict {
            id: "SQ1".into(),
            state: State::Returned,
            by: "bob".into(),
            at: when,
        },
        ReviewError::ProductGone {
            id: "SQ1".into(),
            product: "old".into(),
        },
        ReviewError::ReasonNeeded,
        ReviewError::UnknownReason {
            code: "nope".into(),
            known: vec!["other".into()],
        },
        ReviewError::OtherNeedsMessage,
        ReviewError::WindowOpen {
            id: "SQ1".into(),
            until: when,
        },
        ReviewError::ForcedExpireNeedsNote,
        ReviewError::Closed {
            id: "SQ1".into(),
            state: State::Effective,
        },
        ReviewError::NotManual {
            id: "SQ1".into(),
            check: CheckId::WebsiteBuilt,
        },
        ReviewError::NotPendingIntegration {
            id: "SQ1".into(),
            state: State::PendingReview,
        },
        ReviewError::NotDecided {
            id: "SQ1".into(),
            state: State::PendingReview,
        },
        ReviewError::ReopenNeedsNote,
        ReviewError::ControlCharacter {
            field: shenhe_review::Written::Message,
            code: 0,
            at: 3,
        },
        ReviewError::NotLead {
            actor: "bob".into(),
        },
        ReviewError::NoLeadYet {
            actor: "bob".into(),
        },
        ReviewError::LastLead {
            name: "lina".into(),
        },
        ReviewError::UnknownReviewer {
            name: "nobody".into(),
        },
        ReviewError::BadReviewerName {
            name: "li na".into(),
        },
    ]
}

#[test]
fn every_refusal_is_said_in_chinese_and_english_and_names_no_flag() {
    for e in errors() {
        let en = error_message(Lang::En, &e);
        let zh = error_message(Lang::Zh, &e);
        match &e {
            // Lost races: who, when and into what first, in the console's words.
            ReviewError::RefusedAfter { .. } | ReviewError::Conflict { .. } => assert_eq!(
                en,
                "SQ1 was already decided by bob at 2026-12-02 10:00:00: it is now returned; nothing was written"
            ),
            _ => assert_eq!(en, e.to_string()),
        }
        assert_ne!(zh, en, "{e:?}");
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{e:?}: {zh}"
        );
        for said in [&en, &zh] {
            assert!(!said.contains("--"), "{e:?} names a flag: {said}");
        }
    }
}

#[test]
fn who_won_a_race_is_said_with_china_time() {
    let conflict = &errors()[3];
    assert!(
        error_message(Lang::Zh, conflict).contains("已由 bob 于 2026-12-02 10:00:00 处理"),
        "{}",
        error_message(Lang::Zh, conflict)
    );
    assert!(
        error_message(Lang::En, conflict).contains("by bob at 2026-12-02 10:00:00"),
        "{}",
        error_message(Lang::En, conflict)
    );
}

fn entry(action: &str, revision: u32) -> AuditEntry {
    AuditEntry {
        seq: 1,
        entry: NewAuditEntry {
            application_id: "SQ1".into(),
            revision,
            at: at("2026-12-02T02:00:00+00:00"),
            actor: "lina".into(),
            action: action.into(),
            from_state: Some("pending_review".into()),
            to_state: Some("returned".into()),
            reasons: vec!["icp_missing".into(), "gone_from_policy".into()],
            message: Some("请补充备案".into()),
            note: None,
            detail: Some("detail".into()),
        },
        prev_hash: String::new(),
        hash: String::new(),
    }
}

#[test]
fn a_history_line_says_what_was_recorded() {
    let policy = Policy::builtin();
    let line = Lang::En.history_line(&policy, &entry("return", 2));
    assert_eq!(line.at, "2026-12-02 10:00:00");
    assert_eq!(line.at_short, "12-02 10:00");
    assert_eq!(line.transition, "pending_review → returned");
    assert_eq!(line.revision, "rev 2");
    assert_eq!(line.reasons[0].0, "icp_missing");
    assert_eq!(
        line.reasons[0].1,
        policy.reason("icp_missing").expect("a reason").en
    );
    // A reason the policy no longer has is shown by its code, not dropped.
    assert_eq!(
        line.reasons[1],
        (
            "gone_from_policy".to_string(),
            "gone_from_policy".to_string()
        )
    );
    assert!(!line.routine);
    assert_eq!(
        Lang::Zh.history_line(&policy, &entry("submit", 1)).revision,
        ""
    );
    assert!(Lang::Zh.history_line(&policy, &entry("submit", 1)).routine);
}

#[test]
fn urgency_marks_are_what_the_header_counts() {
    assert_eq!(urgency_mark(Some(Urgency::Overdue)), Some('!'));
    assert_eq!(urgency_mark(Some(Urgency::DueToday)), Some('*'));
    assert_eq!(urgency_mark(Some(Urgency::InTime)), None);
    assert_eq!(urgency_mark(None), None);
}

#[test]
fn a_year_without_holiday_data_is_named_in_the_warning() {
    let none = std::collections::BTreeSet::new();
    assert_eq!(Lang::En.calendar_warning(&none), None);
    let years = std::collections::BTreeSet::from([2031, 2032]);
    let en = Lang::En.calendar_warning(&years).expect("a warning");
    assert!(
        en.contains("2031, 2032") && en.contains("weekends alone"),
        "{en}"
    );
    let zh = Lang::Zh.calendar_warning(&years).expect("a warning");
    assert!(zh.starts_with("2031、2032年"), "{zh}");
}
