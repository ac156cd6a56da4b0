//! The search, held to one answer on every store (issue 16): random applications, many
//! texts, and each page and count compared with a plain scan of the same rows computed
//! here, after an import, after decisions and after resubmissions that rename merchants.

use super::*;

/// Enough applications that a text nearly every name holds ("有限公司", "hq") finds more than
/// either store's threshold (10,000) for walking the queue rather than sorting matches.
const APPS: usize = 10_300;

/// What the search of an application reads, and where it is in the queue.
#[derive(Clone)]
struct Row {
    id: String,
    merchant: String,
    url: String,
    account: String,
    state: State,
    due: i64,
}

/// A small deterministic generator (no seed from outside: the same rows every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    /// Each ASCII letter in either case, at random.
    fn mix_case(&mut self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if self.below(2) == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    /// Some `len` characters of `text` in a row (all of it if shorter).
    fn part(&mut self, text: &str, len: usize) -> String {
        let chars: Vec<char> = text.chars().collect();
        let len = len.min(chars.len());
        let start = self.below(chars.len() - len + 1);
        chars[start..start + len].iter().collect()
    }
}

const CITIES: &[&str] = &["杭州", "上海", "深圳", "北京", "成都"];
const BRANDS: &[&str] = &[
    "华盛", "锦聚", "云栖", "华光", "盛世", "Alpha", "beta", "GAMMA", "x%y", "a_b", "c\\d",
    "Zeta 9",
];
const TRADES: &[&str] = &["科技", "贸易", "餐饮", "华盛科技", "Tech", ""];
const WORDS: &[&str] = &[
    "huasheng",
    "JinJu",
    "yunqi",
    "alpha",
    "100%",
    "my_shop",
    "back\\slash",
];

fn generate(rng: &mut Lcg, i: usize) -> Row {
    // Nearly every name: a tag in either case (a short ASCII text most rows hold).
    let tag = if rng.below(50) == 0 {
        String::new()
    } else {
        rng.mix_case("hq")
    };
    let merchant = format!(
        "{}{tag}{}{}{}",
        rng.pick(CITIES),
        rng.pick(BRANDS),
        rng.pick(TRADES),
        // Nearly every name: a text (almost) every row matches.
        if rng.below(50) == 0 {
            "工作室"
        } else {
            "有限公司"
        }
    );
    let word = rng.pick(WORDS);
    let url = format!(
        "https://www.{}{}.{}",
        rng.mix_case(word),
        rng.below(1000),
        rng.pick(&["com", "cn", "com.cn"])
    );
    let account = if rng.below(2) == 0 {
        format!("62{:014}", rng.below(1_000_000) * 7_919)
    } else {
        format!(
            "{}@{}.cn",
            rng.pick(&["finance", "Pay", "ops_1"]),
            rng.pick(WORDS)
        )
    };
    Row {
        id: format!("{}-{i:05}", rng.pick(&["Ab", "aB", "CD", "x_y"])),
        merchant,
        url,
        account,
        state: State::PendingReview,
        due: rng.below(400) as i64,
    }
}

fn application(row: &Row) -> Application {
    app(
        &row.id,
        &[
            (
                "/applicant",
                serde_json::json!({
                    "kind": "enterprise", "name": row.merchant, "account": row.account,
                    "verified": true, "legal_representative": "王", "contact": "王",
                    "security": ["digital_certificate"]
                }),
            ),
            ("/website/url", serde_json::json!(row.url)),
        ],
    )
}

fn due(row: &Row) -> Derived {
    derived_due(now() + chrono::Duration::hours(row.due))
}

/// What the search finds, by reading every row: an id that starts with the text (ASCII
/// case aside); one or two characters in the merchant's name; three or more in the name,
/// the website's address or the account (the generated text is ASCII and Chinese, whose
/// only case is ASCII's).
fn finds(row: &Row, text: &str) -> bool {
    let text = text.trim().to_ascii_lowercase();
    let holds = |field: &str| field.to_ascii_lowercase().contains(&text);
    row.id.to_ascii_lowercase().starts_with(&text)
        || if text.chars().count() <= 2 {
            holds(&row.merchant)
        } else {
            holds(&row.merchant) || holds(&row.url) || holds(&row.account)
        }
}

/// The texts searched for: fixed ones (each kind of match, the characters LIKE would
/// take for patterns, a text nearly every row holds, none) and parts of random rows.
fn texts(rng: &mut Lcg, rows: &[Row]) -> Vec<String> {
    let mut texts: Vec<String> = [
        "有限公司",
        "有限",
        "有",
        "华盛",
        "华盛科技",
        "华",
        "工作室",
        "科技有限公司",
        "公司有限",
        "alpha",
        "ALPHA",
        "Al",
        "a",
        "A",
        "%",
        "_",
        "\\",
        "x%y",
        "a_b",
        "c\\d",
        "%y",
        "0%",
        "_shop",
        "h\\s",
        "https",
        ".com",
        "WWW.",
        "ab-0",
        "AB-00",
        "x_y-001",
        "x_",
        "cd-1",
        "zzzz",
        "000",
        "@yunqi",
        "Zeta 9",
        "a 9",
        "  华盛  ",
        "锦聚Tech",
        "62",
        "hq",
        "HQ",
        "h",
        "Q",
        "州hQ",
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    for _ in 0..40 {
        let row = &rows[rng.below(rows.len())];
        let field = match rng.below(4) {
            0 => &row.merchant,
            1 => &row.url,
            2 => &row.account,
            _ => &row.id,
        };
        let len = 1 + rng.below(6);
        let part = rng.part(field, len);
        texts.push(rng.mix_case(&part));
    }
    texts
}

/// Every text's page (first, and one further on) and count on `states`, against the scan.
fn agree<S: Store>(store: &S, rows: &[Row], texts: &[String], states: &[State], when: &str) {
    for text in texts {
        let query = QueueQuery {
            search: Some(text.clone()),
            states: states.to_vec(),
            ..QueueQuery::default()
        };
        let mut expected: Vec<&Row> = rows
            .iter()
            .filter(|r| states.is_empty() || states.contains(&r.state))
            .filter(|r| finds(r, text))
            .collect();
        expected.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
        let expected: Vec<&str> = expected.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            store.count(&query).expect("count"),
            expected.len() as u64,
            "{when}: count of {text:?} on {states:?}"
        );
        for (offset, limit) in [(0, 50), (37, 20)] {
            let page: Vec<String> = store
                .page(&query, offset, limit, now())
                .expect("page")
                .into_iter()
                .map(|r| r.id)
                .collect();
            let want: Vec<&str> = expected
                .iter()
                .skip(offset as usize)
                .take(limit as usize)
                .copied()
                .collect();
            assert_eq!(
                page, want,
                "{when}: page {offset}+{limit} of {text:?} on {states:?}"
            );
        }
    }
}

pub fn a_search_finds_what_a_scan_of_the_rows_finds<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    let mut rng = Lcg(16);
    let mut rows: Vec<Row> = (0..APPS).map(|i| generate(&mut rng, i)).collect();
    let apps: Vec<(Application, Derived)> = rows.iter().map(|r| (application(r), due(r))).collect();
    import(&mut store, &apps, true);
    let texts = texts(&mut rng, &rows);
    for common in ["有限公司", "hq", "H"] {
        assert!(
            rows.iter().filter(|r| finds(r, common)).count() > 10_000,
            "{common}: a text nearly every row holds"
        );
    }
    agree(&store, &rows, &texts, &[], "imported");

    // Decisions: some returned, the rest still pending.
    for i in (0..APPS).step_by(97) {
        let id = rows[i].id.clone();
        store
            .change_state(
                StateChange {
                    id: id.clone(),
                    expected_version: 1,
                    to: State::Returned,
                    audit: NewAuditEntry {
                        application_id: id,
                        ..audit_entry("return", Some(State::Returned))
                    },
                    event: NewEvent::new(EventKind::Returned),
                },
                None,
            )
            .expect("return");
        rows[i].state = State::Returned;
    }
    agree(&store, &rows, &texts, &[], "decided");
    agree(&store, &rows, &texts, &[State::PendingReview], "decided");
    agree(&store, &rows, &texts, &[State::Returned], "decided");

    // Resubmissions: the returned applications come back renamed, some to a name no
    // other holds, and their old names are no longer found.
    let mut session = store.begin_import().expect("begin");
    for i in (0..APPS).step_by(97) {
        let row = &mut rows[i];
        row.merchant = if i % 2 == 0 {
            format!("新名{i}号华盛MiXed有限公司")
        } else {
            format!("Renamed {i}")
        };
        row.url = format!("https://NEW{i}.example.cn");
        row.state = State::PendingReview;
        let second = application(row);
        let body = serde_json::to_string(&second).expect("serialise");
        let derived = due(row);
        session
            .replace(
                ImportRecord {
                    app: &second,
                    body: &body,
                    group: "platform",
                    state: State::PendingReview,
                    revision: 2,
                    derived: &derived,
                    content_hash: "second",
                    reviewable_at: None,
                },
                NewAuditEntry {
                    application_id: row.id.clone(),
                    revision: 2,
                    actor: "importer".into(),
                    from_state: Some(State::Returned.id().into()),
                    ..audit_entry("resubmit", Some(State::PendingReview))
                },
                NewEvent::new(EventKind::Resubmitted),
            )
            .expect("replace");
    }
    session.commit().expect("commit");
    let mut renamed = texts.clone();
    renamed.extend(
        [
            "新名",
            "新名97号",
            "mixed",
            "MiX",
            "renamed 1",
            "new97",
            "example.cn",
            "号华",
        ]
        .iter()
        .map(|t| t.to_string()),
    );
    agree(&store, &rows, &renamed, &[], "resubmitted");
    agree(
        &store,
        &rows,
        &renamed,
        &[State::PendingReview],
        "resubmitted",
    );
}
