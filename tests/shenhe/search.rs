//! Issue 13: the search index, the kept counters and the pinyin order against plain
//! scans of the same database, through imports (bulk and not), resubmissions and
//! decisions; and an upgrade from a schema-2 database.

use serde_json::{Value, json};
use shenhe::domain::state::State;
use shenhe::store::sqlite::SqliteStore;
use shenhe::store::{CountBounds, QueueQuery, SortKey, Store};

use crate::common::{Env, NOW, review_as};
use crate::fixtures::{record, with};

/// What schemas 4 and 3 added, taken away again (with `PRAGMA user_version = 2`): a database
/// as a shenhe of schema 2 left it.
pub const BACK_TO_SCHEMA_2: &str = "
    DROP TRIGGER decision_facts_kept; DROP TABLE decision_facts; DROP TABLE assignments;
    DROP TABLE saved_views; DROP INDEX audit_action_at;
    DROP TRIGGER applications_derived_insert; DROP TRIGGER applications_derived_delete;
    DROP TRIGGER applications_search_update; DROP TRIGGER applications_counts_update;
    DROP TABLE search_text; DROP TABLE search_grams; DROP TABLE search_positions;
    DROP TABLE count_due; DROP TABLE count_submitted; DROP TABLE drafts;
    DROP INDEX applications_state_merchant; DROP INDEX applications_id_nocase;
    ALTER TABLE applications DROP COLUMN merchant_key;
    PRAGMA user_version = 2;";

/// A small deterministic generator (xorshift): the same data every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "华", "盛", "锦", "聚", "上", "海", "北", "京", "黄", "山", "云", "栖", "科", "技", "贸", "易",
    "Ab", "cD", "shop", "Mall", "x", "Q",
];

fn name(rng: &mut Rng) -> String {
    let parts = 2 + rng.below(5);
    (0..parts).map(|_| rng.pick(SYLLABLES)).collect()
}

fn application(rng: &mut Rng, id: &str) -> Value {
    let host: String = (0..2 + rng.below(3))
        .map(|_| rng.pick(&["ab", "Cd", "shop", "hua", "x1", "mall"]))
        .collect();
    let verified = rng.below(4) != 0;
    with(
        record(id),
        &[
            ("/applicant/name", json!(name(rng))),
            (
                "/applicant/account",
                json!(format!("{host}{}@Pay.com", rng.below(90))),
            ),
            ("/applicant/verified", json!(verified)),
            ("/website/url", json!(format!("https://www.{host}.com"))),
            (
                "/submitted_at",
                json!(format!(
                    "2026-11-{:02}T{:02}:{:02}:00+08:00",
                    1 + rng.below(23),
                    rng.below(24),
                    rng.below(60)
                )),
            ),
        ],
    )
}

/// Every application, in the queue's order (every state, by due time), with what a
/// search may match.
fn everything(store: &SqliteStore) -> Vec<(String, String, String, String)> {
    let all = QueueQuery::default();
    let order: Vec<String> = store
        .page(&all, 0, 100_000, now())
        .expect("page")
        .into_iter()
        .map(|r| r.id)
        .collect();
    let conn = store.connection();
    order
        .into_iter()
        .map(|id| {
            conn.query_row(
                "SELECT merchant, url, account FROM applications WHERE id = ?",
                [&id],
                |r| Ok((id.clone(), r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("row")
        })
        .collect()
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(NOW).expect("now")
}

/// What a search is documented to find, by looking at every row.
fn scanned(rows: &[(String, String, String, String)], q: &str) -> Vec<String> {
    let q = q.trim().to_ascii_lowercase();
    let short = q.chars().count() <= 2;
    rows.iter()
        .filter(|(id, merchant, url, account)| {
            id.to_ascii_lowercase().starts_with(&q)
                || merchant.to_ascii_lowercase().contains(&q)
                || (!short
                    && (url.to_ascii_lowercase().contains(&q)
                        || account.to_ascii_lowercase().contains(&q)))
        })
        .map(|r| r.0.clone())
        .collect()
}

/// Queries: pieces of the data of every length (ids, names, addresses, accounts, in
/// other letter cases too) and some that find nothing.
fn queries(rng: &mut Rng, rows: &[(String, String, String, String)]) -> Vec<String> {
    let mut out = vec![
        "华盛".to_string(),
        "锦聚".into(),
        "华".into(),
        "sq".into(),
        "SQ00".into(),
        "shop".into(),
        "SHOP".into(),
        "pay.com".into(),
        "不在".into(),
        "zzzz".into(),
        "\"".into(),
        "a\"b".into(),
    ];
    for _ in 0..60 {
        let row = &rows[rng.below(rows.len())];
        let field: Vec<char> = match rng.below(4) {
            0 => row.0.chars().collect(),
            1 => row.1.chars().collect(),
            2 => row.2.chars().collect(),
            _ => row.3.chars().collect(),
        };
        let len = 1 + rng.below(5.min(field.len()));
        let at = rng.below(field.len() - len + 1);
        let piece: String = field[at..at + len].iter().collect();
        out.push(if rng.below(2) == 0 {
            piece.to_ascii_uppercase()
        } else {
            piece
        });
    }
    out
}

/// Indexed search and counts agree with plain scans, in the queue's order.
fn assert_agrees(env: &Env, rng: &mut Rng, when: &str) {
    let store = SqliteStore::open(&env.db()).expect("open");
    let rows = everything(&store);
    assert!(rows.len() > 100, "{when}: {} rows", rows.len());
    for q in queries(rng, &rows) {
        let query = QueueQuery {
            search: Some(q.clone()),
            ..Default::default()
        };
        let found: Vec<String> = store
            .page(&query, 0, 100_000, now())
            .expect("search")
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(found, scanned(&rows, &q), "{when}: search {q:?}");
        assert_eq!(
            store.count(&query).expect("count"),
            found.len() as u64,
            "{when}: count {q:?}"
        );
    }
    // Every filter's total (kept counters for most) against its rows, at several instants.
    let policy = shenhe::domain::policy::Policy::builtin();
    for minutes in [0, 30, 14 * 60, 20 * 24 * 60] {
        let at = now() + chrono::Duration::minutes(minutes);
        for filter in shenhe::review::queue::Filter::all(&policy) {
            let query = filter.query(at, shenhe::review::queue::Sort::Due, "");
            let rows = store.page(&query, 0, 100_000, at).expect("page").len() as u64;
            assert_eq!(
                store.count(&query).expect("count"),
                rows,
                "{when}: {filter:?} at {at}"
            );
        }
    }
    // The header's counts, kept, against a recount: at instants inside and on the edges
    // of hours (the counters' buckets), over three days.
    for minutes in (0..72 * 60).step_by(97).chain([0, 50, 60, 120, 14 * 60]) {
        let at = now() + chrono::Duration::minutes(minutes);
        let bounds = CountBounds {
            now: at,
            end_of_today: shenhe::domain::calendar::end_of_today(at),
            verification_cutoff: at - chrono::Duration::days(15),
        };
        assert_eq!(
            store.counts(bounds).expect("kept"),
            store.recount(bounds).expect("recount"),
            "{when}: counts at {at}"
        );
    }
}

#[test]
fn indexed_search_and_kept_counts_agree_with_a_scan_through_imports_and_decisions() {
    let env = Env::new();
    let mut rng = Rng(0x5eed_1313);
    let first: Vec<Value> = (0..400)
        .map(|i| application(&mut rng, &format!("{}{i:05}", ["SQ", "sq", "Tb"][i % 3])))
        .collect();
    // Into an empty database: the bulk path, which builds everything at commit.
    env.import_records(&first);
    assert_agrees(&env, &mut rng, "after the bulk load");

    // Decisions: approvals, returns and expiries, each its own transaction.
    let mut review = review_as(&env, "alice");
    let mut returned = Vec::new();
    for (i, app) in first.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
        let id = app["id"].as_str().expect("id");
        let shown = review.show(id).expect("show");
        let version = shown.stored.version;
        let state = shown.stored.state;
        match (state, i % 3) {
            (State::PendingReview, 0) => {
                review
                    .return_application(id, version, &["materials_missing".into()], None, None)
                    .expect("return");
                returned.push(app.clone());
            }
            (State::PendingReview, _) => {
                let _ = review.approve(id, version, Some("checked".into()));
            }
            (State::PendingVerification, _) => {
                review
                    .expire(id, version, Some("gone quiet".into()), true)
                    .expect("expire");
            }
            _ => {}
        }
    }
    assert!(!returned.is_empty());
    assert_agrees(&env, &mut rng, "after decisions");

    // Resubmissions with new names, addresses and accounts, and new applications, into
    // a database with rows (each row through the triggers).
    let mut second: Vec<Value> = returned
        .iter()
        .map(|app| {
            let mut again = application(&mut rng, app["id"].as_str().expect("id"));
            again["submitted_at"] = json!("2026-11-24T09:00:00+08:00");
            again
        })
        .collect();
    second.extend((0..100).map(|i| application(&mut rng, &format!("NEW{i:04}"))));
    env.import_records(&second);
    assert_agrees(&env, &mut rng, "after resubmissions and new applications");
}

/// A database of schema 2 (before the search index, the counters and the pinyin key):
/// opening it fills them in.
#[test]
fn an_upgraded_database_searches_counts_and_sorts_by_pinyin() {
    let env = Env::new();
    let names = [
        "上海华盛贸易",
        "北京锦聚科技",
        "黄山茶业",
        "Apple 商店",
        "西安华盛",
    ];
    let records: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| with(record(&format!("SQ{i}")), &[("/applicant/name", json!(n))]))
        .collect();
    env.import_records(&records);
    {
        let conn = rusqlite::Connection::open(env.db()).expect("open");
        conn.execute_batch(BACK_TO_SCHEMA_2)
            .expect("back to schema 2");
        // And due times to be computed again at the next start (as after a change of
        // policy): the counters, made by the upgrade from these, must follow each
        // row's new due time through the triggers.
        conn.execute_batch(
            "UPDATE applications SET due_ts = 0, derived_version = '';
             DELETE FROM meta WHERE key = 'derived_policy_version';",
        )
        .expect("stale due times");
    }
    let found = env.json(&["list", "--search", "华盛", "--json"]);
    let ids: Vec<&str> = found["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2, "{found}");
    assert!(ids.contains(&"SQ0") && ids.contains(&"SQ4"), "{ids:?}");
    let version: i64 = rusqlite::Connection::open(env.db())
        .expect("open")
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, shenhe::store::sqlite::SCHEMA_VERSION);

    let store = SqliteStore::open(&env.db()).expect("open");
    let bounds = review_as(&env, "alice").count_bounds();
    assert_eq!(
        store.counts(bounds).expect("kept"),
        store.recount(bounds).expect("recount")
    );
    let kept = store.counts(bounds).expect("kept");
    assert_eq!(kept.pending_review, 5);
    // Due tomorrow (submitted 2026-11-20, two business days), not overdue since 1970.
    assert_eq!((kept.overdue, kept.due_today), (0, 0), "{kept:?}");
    let by_merchant = QueueQuery {
        sort: SortKey::Merchant,
        ..Default::default()
    };
    let merchants: Vec<String> = store
        .page(&by_merchant, 0, 10, now())
        .expect("page")
        .into_iter()
        .map(|r| r.merchant)
        .collect();
    assert_eq!(
        merchants,
        [
            "Apple 商店",
            "北京锦聚科技",
            "黄山茶业",
            "上海华盛贸易",
            "西安华盛"
        ]
    );
}

/// A search reads its matches from the search index and the ids' index, never every
/// application; sorting by merchant walks its own index.
#[test]
fn search_and_the_merchant_order_are_read_from_indexes() {
    let env = Env::new();
    env.ok(&["init"]);
    let store = SqliteStore::open(&env.db()).expect("open");
    for (q, index) in [
        ("华", "search_grams"),
        ("华盛", "search_grams"),
        ("华盛贸易", "search_text"),
        ("SQ2026", "applications_id_nocase"),
    ] {
        let query = QueueQuery {
            states: vec![State::PendingReview, State::PendingVerification],
            failing: true,
            search: Some(q.into()),
            ..Default::default()
        };
        let plan = store.page_plan(&query, 0, 50, now()).expect("plan");
        let text = plan.join("\n");
        assert!(plan.iter().any(|l| l.contains(index)), "{q}:\n{text}");
        let scans_applications = plan.iter().any(|l| {
            let scanned = l.strip_prefix("SCAN ").unwrap_or("");
            let table = scanned.split_whitespace().next().unwrap_or("");
            matches!(table, "a" | "applications") && !scanned.contains(" USING ")
        });
        assert!(!scans_applications, "{q}: reads every application:\n{text}");
    }
    for states in [
        vec![],
        vec![State::PendingReview],
        vec![State::PendingReview, State::Returned],
    ] {
        let query = QueueQuery {
            states,
            sort: SortKey::Merchant,
            ..Default::default()
        };
        let plan = store.page_plan(&query, 0, 50, now()).expect("plan");
        let text = plan.join("\n");
        assert!(
            plan.iter()
                .any(|l| l.contains("applications_state_merchant")),
            "{text}"
        );
        assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{text}");
    }
}

/// Typing in the search keeps the rows on screen until the new query's rows arrive:
/// never a screen of rows loading between keystrokes.
#[test]
fn typing_a_search_keeps_the_rows_until_the_new_ones_arrive() {
    use crate::console::{Harness, queue_records};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use shenhe::console::keys;
    use shenhe::present::Lang;

    let mut h = Harness::new(&queue_records(), Lang::Zh, 80, 24);
    h.press(KeyCode::Char('/'));
    let before = h.text();
    assert!(before.contains("SQ0001"), "{before}");
    // The keystroke, not yet answered by the worker.
    let key = KeyEvent::new(KeyCode::Char('白'), KeyModifiers::NONE);
    let action = keys::action_for(h.app.mode(), key).expect("an action");
    let requests = h.app.update(action);
    assert!(!requests.is_empty(), "the new query is asked for");
    let waiting = h.text();
    assert!(!waiting.contains("加载中"), "{waiting}");
    assert!(
        waiting.contains("SQ0001"),
        "the earlier rows stay:\n{waiting}"
    );
    // Answered: only the match, from the top.
    h.pump(requests);
    let answered = h.text();
    assert!(answered.contains("广州白云贸易"), "{answered}");
    assert_eq!(h.app.queue.total, Some(1));
    assert_eq!(h.app.queue.selected, 0);
}

/// A window a newer one has superseded is not answered: not started if it is still
/// waiting, given up if it is being read.
#[test]
fn a_superseded_window_is_dropped_and_a_running_query_can_be_stopped() {
    use shenhe::console::worker::{Request, Response, Worker};

    let env = Env::new();
    env.import_records(&crate::console::queue_records());
    let (tx, mut responses) = tokio::sync::mpsc::unbounded_channel();
    let mut worker = Worker::new(review_as(&env, "alice"), tx);
    let (requests, _incoming) = worker.channel();
    let window = |generation: u64, search: &str| Request::Window {
        generation,
        query: QueueQuery {
            search: Some(search.into()),
            ..Default::default()
        },
        mine_first: false,
        offset: 0,
        limit: 50,
        total_hint: None,
    };
    assert!(requests.send(window(1, "白云")));
    assert!(requests.send(window(2, "SQ0005")));
    worker.handle(window(1, "白云"));
    assert!(responses.try_recv().is_err(), "generation 1 was superseded");
    worker.handle(window(2, "SQ0005"));
    match responses.try_recv() {
        Ok(Response::Window {
            generation, total, ..
        }) => assert_eq!((generation, total), (2, 1)),
        other => panic!("{other:?}"),
    }

    // The store's side: a query in progress stops when asked to.
    let mut store = SqliteStore::open(&env.db()).expect("open");
    let query = QueueQuery {
        search: Some("白".into()),
        ..Default::default()
    };
    store.set_interrupt(Some(Box::new(|| true)));
    let stopped = store.page(&query, 0, 50, now());
    assert!(
        matches!(&stopped, Err(e) if e.to_string().contains("interrupt")),
        "{stopped:?}"
    );
    store.set_interrupt(None);
    assert_eq!(store.page(&query, 0, 50, now()).expect("page").len(), 1);
}

/// The real console in a pty: typing a search narrows the queue key by key, and no
/// frame it sends meanwhile has a row loading (the rows stay until the new ones come).
#[test]
fn typing_a_search_in_a_pty_never_shows_rows_loading() {
    use crate::pty::{Console, Opts};

    let env = Env::new();
    env.import_records(&crate::common::long_queue(300));
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Default::default()
        },
    );
    c.wait_footer("1/300");
    let from = c.raw_len();
    c.send("/");
    // Ids M000–M299: one character, two, three, four.
    for (typed, total) in [("M", 300usize), ("M0", 100), ("M01", 10), ("M012", 1)] {
        c.send(&typed[typed.len() - 1..]);
        c.wait_for(&format!("{typed}: {total} rows"), |rows| {
            let ids: Vec<&str> = rows[2..rows.len() - 1]
                .iter()
                .filter_map(|r| {
                    r.split_whitespace().find(|w| {
                        w.len() == 4
                            && w.starts_with('M')
                            && w[1..].chars().all(|c| c.is_ascii_digit())
                    })
                })
                .collect();
            rows.last()
                .is_some_and(|r| r.starts_with('/') && r.contains(typed))
                && !ids.is_empty()
                && ids.iter().all(|id| id.starts_with(typed))
                && (total > 20 || ids.len() == total)
        });
    }
    let shown = c.rows();
    assert!(
        shown.iter().any(|r| r.contains("M012")),
        "{}",
        shown.join("\n")
    );
    c.esc();
    c.wait_footer("1/300");
    c.send("q");
    let finished = c.finish();
    assert!(finished.status.success());
    let typed = String::from_utf8_lossy(&finished.raw[from..]);
    assert!(
        !typed.contains("加载中"),
        "a frame showed rows loading while typing: {typed:?}"
    );
}

/// `shenhe list --search`, the real binary: ids by their start in either case, two
/// Chinese characters of a name, a Latin word of an address in another case; the queue's
/// order kept.
#[test]
fn list_search_finds_ids_in_either_case_and_two_character_names() {
    let env = Env::new();
    let records = vec![
        with(
            record("SQ20261105000001"),
            &[("/applicant/name", json!("上海华盛贸易有限公司"))],
        ),
        with(
            record("SQ20261105000002"),
            &[
                ("/applicant/name", json!("北京锦聚科技有限公司")),
                ("/website/url", json!("https://www.JinJu-Shop.com")),
                ("/submitted_at", json!("2026-11-19T09:00:00+08:00")),
            ],
        ),
        with(record("TB7"), &[("/applicant/name", json!("西安华盛"))]),
    ];
    env.import_records(&records);
    let ids = |q: &str| -> Vec<String> {
        env.json(&["list", "--search", q, "--json"])["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect()
    };
    // Submitted earlier, due earlier: 000002 first.
    assert_eq!(
        ids("sq2026110500000"),
        ["SQ20261105000002", "SQ20261105000001"]
    );
    assert_eq!(ids("SQ20261105000001"), ["SQ20261105000001"]);
    assert_eq!(ids("华盛"), ["SQ20261105000001", "TB7"]);
    assert_eq!(ids("锦聚"), ["SQ20261105000002"]);
    assert_eq!(ids("jinju-SHOP"), ["SQ20261105000002"]);
    assert!(ids("锦聚华盛").is_empty());
    // An id is found by its start, not by any part of it.
    assert!(ids("1105000001").is_empty());
}

/// A search with few matches sorts just them; one that matches much of the queue walks
/// the queue's order instead (a first page without sorting every match), and both find
/// the same rows in the same order as the scan (`indexed_search_…` above).
#[test]
fn a_search_matching_much_of_the_queue_walks_it_in_order() {
    let env = Env::new();
    env.import_records(&crate::common::long_queue(300));
    let store = SqliteStore::open(&env.db()).expect("open");
    let plan = |q: &str| -> String {
        let query = QueueQuery {
            states: vec![State::PendingReview, State::PendingVerification],
            search: Some(q.into()),
            ..Default::default()
        };
        store
            .page_plan(&query, 0, 50, now())
            .expect("plan")
            .join("\n")
    };
    // One match of 300: its row read by rowid from the matches, then sorted.
    let few = plan("M012");
    assert!(
        few.contains("SEARCH a USING INTEGER PRIMARY KEY (rowid=?)"),
        "{few}"
    );
    assert!(!few.contains("applications_state_due"), "{few}");
    // A third of the queue: the queue's index walked in due order, each row kept if
    // it matches.
    let many = plan("M0");
    assert!(
        many.contains("SEARCH a USING COVERING INDEX applications_state_due (state=?)"),
        "{many}"
    );
    assert!(!many.contains("INTEGER PRIMARY KEY (rowid=?)"), "{many}");
    let ids = |q: &str| -> Vec<String> {
        let query = QueueQuery {
            search: Some(q.into()),
            ..Default::default()
        };
        store
            .page(&query, 0, 1000, now())
            .expect("page")
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(ids("M012"), ["M012"]);
    let walked = ids("m0");
    assert_eq!(walked.len(), 100);
    assert!(walked.iter().all(|id| id.starts_with("M0")), "{walked:?}");
}
