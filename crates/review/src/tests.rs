//! The review layer's pure rules: what each queue filter asks of the store, and which
//! decisions may be taken before anything is written.

use chrono::{DateTime, Duration, FixedOffset};
use shenhe_domain::application::Application;
use shenhe_domain::policy::Policy;
use shenhe_domain::state::{Event, State};
use shenhe_store::{SortKey, StoredApplication};

use crate::queue::{Filter, Sort};
use crate::{ReviewError, derive, may_decide};

#[allow(dead_code)] // only `record` is used here
mod fixtures {
    include!("../../../tests/shenhe/records.rs");
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test time")
}

const NOW: &str = "2026-12-02T10:00:00+08:00";

#[test]
fn every_filter_asks_the_store_for_what_its_name_says() {
    let now = at(NOW);
    let policy = Policy::builtin();
    let all = Filter::all(&policy);
    assert_eq!(all.len(), 13 + policy.groups.len(), "{all:?}");
    assert_eq!(all[0], Filter::AllOpen);
    assert!(all.contains(&Filter::State(State::PendingSecondApproval)));

    let open = vec![
        State::PendingReview,
        State::PendingVerification,
        State::PendingSecondApproval,
    ];
    let q = Filter::AllOpen.query(now, Sort::Due, "");
    assert_eq!((q.states, q.search, q.failing), (open.clone(), None, false));
    assert_eq!(
        Filter::State(State::Returned)
            .query(now, Sort::Due, "")
            .states,
        vec![State::Returned]
    );
    assert!(
        Filter::AllStates
            .query(now, Sort::Due, "")
            .states
            .is_empty()
    );

    let overdue = Filter::Overdue.query(now, Sort::Due, "");
    let under_review = vec![State::PendingReview, State::PendingSecondApproval];
    assert_eq!(overdue.states, under_review);
    assert_eq!((overdue.due_before, overdue.due_from), (Some(now), None));

    let today = Filter::DueToday.query(now, Sort::Due, "");
    assert_eq!(today.states, under_review);
    assert_eq!(today.due_from, Some(now));
    assert_eq!(today.due_before, Some(at("2026-12-03T00:00:00+08:00")));

    let failing = Filter::Failing.query(now, Sort::Due, "");
    assert_eq!((failing.failing, failing.states), (true, open));

    let lapsed = Filter::VerificationLapsed.query(now, Sort::Due, "");
    assert_eq!(lapsed.states, vec![State::PendingVerification]);
    assert_eq!(lapsed.submitted_before, Some(now - Duration::days(15)));

    let group = &policy.groups[0].id;
    let q = Filter::Group(group.clone()).query(now, Sort::Due, "  杭州 ");
    assert_eq!(q.group.as_ref(), Some(group));
    assert_eq!(q.search.as_deref(), Some("杭州"));
}

#[test]
fn sorts_go_round_in_a_circle_and_ask_for_their_order() {
    let mut seen = vec![Sort::default()];
    let mut sort = Sort::default().next();
    while sort != Sort::default() {
        seen.push(sort);
        sort = sort.next();
    }
    assert_eq!(seen, Sort::ALL);
    let now = at(NOW);
    let keys: Vec<(SortKey, bool)> = Sort::ALL
        .iter()
        .map(|s| {
            let q = Filter::AllOpen.query(now, *s, "");
            (q.sort, q.descending)
        })
        .collect();
    assert_eq!(
        keys,
        [
            (SortKey::Due, false),
            (SortKey::Due, true),
            (SortKey::Submitted, false),
            (SortKey::Merchant, false)
        ]
    );
}

fn stored(state: State, product: &str) -> StoredApplication {
    let policy = Policy::builtin();
    let mut app: Application =
        serde_json::from_value(fixtures::record("SQ1")).expect("a valid record");
    app.product = product.to_string();
    let derived = derive(&policy, &app, Some(app.submitted_at), &[]);
    StoredApplication {
        reviewable_at: Some(app.submitted_at),
        changed_at: app.submitted_at,
        app,
        state,
        revision: 1,
        version: 1,
        derived,
        changed_by: "import".to_string(),
    }
}

#[test]
fn a_decision_is_refused_by_the_same_rules_before_and_when_it_is_written() {
    let policy = Policy::builtin();
    let submitted = at("2026-11-20T10:15:00+08:00");
    let inside = submitted + Duration::days(3);
    let after = submitted + Duration::days(15) + Duration::seconds(1);

    let review = stored(State::PendingReview, "platform_instant");
    assert!(may_decide(&policy, &review, Event::Approve, inside).is_ok());
    assert!(may_decide(&policy, &review, Event::Return, inside).is_ok());
    assert!(matches!(
        may_decide(&policy, &review, Event::Expire, after),
        Err(ReviewError::Refused(_))
    ));

    let waiting = stored(State::PendingVerification, "platform_instant");
    assert!(matches!(
        may_decide(&policy, &waiting, Event::Expire, inside),
        Err(ReviewError::WindowOpen { until, .. }) if until == submitted + Duration::days(15)
    ));
    assert_eq!(
        may_decide(&policy, &waiting, Event::Expire, after).ok(),
        Some(State::Cancelled)
    );
    assert!(matches!(
        may_decide(&policy, &waiting, Event::Approve, after),
        Err(ReviewError::Refused(_))
    ));

    let gone = stored(State::PendingReview, "no_such_product");
    assert!(matches!(
        may_decide(&policy, &gone, Event::Approve, inside),
        Err(ReviewError::ProductGone { product, .. }) if product == "no_such_product"
    ));
}

#[test]
fn the_review_clock_starts_when_the_order_became_reviewable() {
    let policy = Policy::builtin();
    let app: Application = serde_json::from_value(fixtures::record("SQ1")).expect("a valid record");
    // Submitted Friday 20 November 2026; verified the next Wednesday.
    let verified = at("2026-11-25T16:00:00+08:00");
    assert_eq!(
        derive(&policy, &app, None, &[]).due_at,
        at("2026-11-25T23:59:59+08:00"),
        "from the submission: three business days after Friday"
    );
    assert_eq!(
        derive(&policy, &app, Some(app.submitted_at), &[]).due_at,
        at("2026-11-25T23:59:59+08:00")
    );
    assert_eq!(
        derive(&policy, &app, Some(verified), &[]).due_at,
        at("2026-11-30T23:59:59+08:00"),
        "from the verification: three business days after Wednesday"
    );
}

#[test]
fn a_reviewers_text_is_trimmed_and_refuses_control_characters() {
    use crate::decide::{Written, clean};
    assert_eq!(clean(None, Written::Note).expect("none"), None);
    assert_eq!(
        clean(Some("  \n ".into()), Written::Note).expect("blank"),
        None
    );
    assert_eq!(
        clean(Some(" 第一行\r\n\t第二行 ".into()), Written::Message)
            .expect("lines and tabs")
            .as_deref(),
        Some("第一行\n\t第二行")
    );
    for (text, code, at) in [
        ("ab\u{0}c", 0, 3),
        ("\u{1b}[31m红", 0x1b, 1),
        ("行\r尾", 0x0d, 2),
        ("x\u{7f}", 0x7f, 2),
        ("x\u{9b}2J", 0x9b, 2),
        ("  \r\n付款\u{202e}gpj", 0x202e, 7),
        ("\u{b}前面", 0x0b, 1),
        ("行一\u{2028}行二", 0x2028, 3),
        ("零\u{200b}宽", 0x200b, 2),
        ("\u{feff}bom", 0xfeff, 1),
    ] {
        match clean(Some(text.into()), Written::Message) {
            Err(ReviewError::ControlCharacter {
                field: Written::Message,
                code: c,
                at: a,
            }) => assert_eq!((c, a), (code, at), "{text:?}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
}
