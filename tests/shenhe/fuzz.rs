//! No input makes the import panic. Property tests feed the parser arbitrary bytes,
//! mutated records and arbitrary JSON in every field; `tests/corpus/import/` keeps inputs
//! worth replaying for ever (every crash found goes there), each with its verdict in
//! `verdicts.toml` (accepted with so many records, or refused with such an error), and
//! each is replayed both through the parser and through the real binary.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use proptest::prelude::*;
use serde_json::Value;

use shenhe::domain::application::Application;
use shenhe::domain::policy::Policy;
use shenhe::review::ImportError;
use shenhe::review::import::{RecordReader, limits, parse_record};

use crate::common::*;

static POLICY: LazyLock<Policy> = LazyLock::new(Policy::builtin);

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(NOW).expect("now")
}

/// Everything the reader accepts from `bytes`, or why it refused.
fn read_all(bytes: &[u8]) -> Result<Vec<Application>, ImportError> {
    let mut apps = Vec::new();
    let mut reader = RecordReader::new(&POLICY, now());
    reader.read(Cursor::new(bytes), &mut |_, app| {
        apps.push(app);
        Ok(())
    })?;
    Ok(apps)
}

/// What an accepted record must satisfy, whatever it was made from.
fn assert_sound(app: &Application) {
    assert!(!app.id.is_empty() && app.id.len() <= limits::ID_CHARS);
    assert!(
        app.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert!(app.applicant.name.chars().count() <= limits::NAME_CHARS);
    assert!(app.materials.len() <= limits::MATERIALS);
    assert!(app.goods.len() <= limits::GOODS);
    assert!(POLICY.product(&app.product).is_some());
    // What was accepted reads back the same after being written out.
    let text = serde_json::to_string(app).expect("serialise");
    let again = parse_record(&text, &POLICY, now()).expect("re-parse an accepted record");
    assert_eq!(&again, app);
}

fn good_text() -> String {
    record("F1").to_string()
}

/// JSON pointers of every place in a good record, so that values can be put anywhere.
fn pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{here}/{k}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{here}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

static POINTERS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut out = Vec::new();
    pointers(&record("F1"), String::new(), &mut out);
    out
});

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        // Values the schema half-expects: near misses are where bugs live.
        prop::sample::select(vec![
            "enterprise",
            "individual",
            "platform_instant",
            "large_transfer",
            "package_600",
            "tiered",
            "login",
            "software",
            "alcohol",
            "2026-11-20T10:15:00+08:00",
            "2026-11-20T10:15:00Z",
            "2026-11-20 10:15:00",
            "1999-12-31T23:59:59Z",
            "2026-11-24T11:00:01+08:00",
            "",
            " ",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text from the alphabet JSON is made of, so that most of it almost parses.
fn jsonish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\\",
            "\\u",
            "d800",
            "0",
            "1e999",
            "-",
            ".",
            "true",
            "null",
            " ",
            "\n",
            "\"id\"",
            "\"applicant\"",
            "\"F1\"",
            "\u{1b}",
            "\u{202e}",
            "\u{0}",
            "\u{feff}",
            "杭州",
        ]),
        0..200,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    // 256 cases a property by default; PROPTEST_CASES=100000 for a longer hunt.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(apps) = read_all(&bytes) {
            apps.iter().for_each(assert_sound);
        }
    }

    #[test]
    fn jsonish_text_never_panics(text in jsonish()) {
        if let Ok(app) = parse_record(&text, &POLICY, now()) {
            assert_sound(&app);
        }
        let _ = read_all(text.as_bytes());
        let _ = read_all(format!("[{text}]").as_bytes());
    }

    #[test]
    fn mutated_records_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..12)
    ) {
        let mut bytes = good_text().into_bytes();
        for (at, byte, how) in edits {
            let i = at.index(bytes.len() + 1);
            match how {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                2 if i < bytes.len() => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(app) = parse_record(text, &POLICY, now())
        {
            assert_sound(&app);
        }
        if let Ok(apps) = read_all(&bytes) {
            apps.iter().for_each(assert_sound);
        }
    }

    #[test]
    fn any_json_in_any_field_never_panics(
        at in any::<prop::sample::Index>(),
        value in arb_json(),
    ) {
        let mut rec = record("F1");
        let pointer = at.get(&POINTERS);
        if let Some(slot) = rec.pointer_mut(pointer) {
            *slot = value;
        }
        if let Ok(app) = parse_record(&rec.to_string(), &POLICY, now()) {
            assert_sound(&app);
        }
    }

    #[test]
    fn any_string_in_any_string_field_never_panics(
        at in any::<prop::sample::Index>(),
        text in any::<String>(),
    ) {
        let mut rec = record("F1");
        let pointer = at.get(&POINTERS);
        if let Some(slot) = rec.pointer_mut(pointer).filter(|s| s.is_string()) {
            *slot = Value::String(text);
        }
        if let Ok(app) = parse_record(&rec.to_string(), &POLICY, now()) {
            assert_sound(&app);
        }
    }
}

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/import");

/// The table of what each corpus file must give (`tests/corpus/import/verdicts.toml`).
const VERDICTS: &str = "verdicts.toml";

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .expect("the import corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file() && !p.ends_with(VERDICTS))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{CORPUS} is empty");
    files
}

/// One entry of the verdicts table.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Verdict {
    verdict: String,
    /// For an accepted file: how many applications it holds.
    records: Option<u64>,
    /// For a refused file: a piece of the error.
    error: Option<String>,
    /// The verdict is not met yet, for this reason.
    known_issue: Option<String>,
}

/// What an import made of a file.
#[derive(Debug)]
enum Outcome {
    Imported(u64),
    Refused(String),
}

impl Verdict {
    fn met_by(&self, outcome: &Outcome) -> bool {
        match (self.verdict.as_str(), outcome) {
            ("accept", Outcome::Imported(n)) => Some(*n) == self.records,
            ("refuse", Outcome::Refused(err)) => {
                err.contains(self.error.as_deref().expect("refuse has an error"))
            }
            _ => false,
        }
    }
}

fn verdicts() -> BTreeMap<String, Verdict> {
    let path = PathBuf::from(CORPUS).join(VERDICTS);
    let text = std::fs::read_to_string(&path).expect("the verdicts table");
    let table: BTreeMap<String, Verdict> = toml::from_str(&text).expect("the verdicts table");
    for (name, v) in &table {
        match v.verdict.as_str() {
            "accept" => assert!(
                v.records.is_some_and(|n| n > 0) && v.error.is_none(),
                "{name}: an accepted file says how many records, and no error"
            ),
            "refuse" => assert!(
                v.error.as_deref().is_some_and(|e| !e.trim().is_empty()) && v.records.is_none(),
                "{name}: a refused file says a piece of the error, and no records"
            ),
            other => panic!("{name}: verdict `{other}`: accept or refuse"),
        }
    }
    table
}

/// Checks each file's outcome against its verdict; names every file that strays.
fn assert_verdicts(how: &str, outcomes: Vec<(String, Outcome)>) {
    let verdicts = verdicts();
    let mut wrong = Vec::new();
    for (name, outcome) in outcomes {
        let Some(verdict) = verdicts.get(&name) else {
            wrong.push(format!("{name}: no verdict in {VERDICTS}"));
            continue;
        };
        match (&verdict.known_issue, verdict.met_by(&outcome)) {
            (None, true) | (Some(_), false) => {}
            (None, false) => wrong.push(format!("{name}: expected {verdict:?}, got {outcome:?}")),
            (Some(issue), true) => wrong.push(format!(
                "{name}: the known issue ({issue}) is fixed: remove `known_issue` from its verdict"
            )),
        }
    }
    assert!(wrong.is_empty(), "{how}:\n{}", wrong.join("\n"));
}

#[test]
fn every_corpus_file_has_a_verdict_and_every_verdict_a_file() {
    let files: BTreeSet<String> = corpus_files()
        .iter()
        .map(|f| f.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    let named: BTreeSet<String> = verdicts().into_keys().collect();
    let without: Vec<_> = files.difference(&named).collect();
    let missing: Vec<_> = named.difference(&files).collect();
    assert!(
        without.is_empty() && missing.is_empty(),
        "no verdict in {VERDICTS} for {without:?}; verdicts without a file: {missing:?}"
    );
}

#[test]
fn the_import_corpus_never_panics_and_meets_its_verdicts() {
    let mut outcomes = Vec::new();
    for file in corpus_files() {
        let bytes = std::fs::read(&file).expect("read");
        let result = std::panic::catch_unwind(|| read_all(&bytes));
        let Ok(result) = result else {
            panic!("{} panics the reader", file.display());
        };
        let outcome = match result {
            Ok(apps) => {
                apps.iter().for_each(assert_sound);
                Outcome::Imported(apps.len() as u64)
            }
            Err(e) => Outcome::Refused(e.to_string()),
        };
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        outcomes.push((name, outcome));
    }
    assert_verdicts("the reader", outcomes);
}

#[test]
fn the_import_corpus_through_the_binary_imports_wholly_or_not_at_all() {
    let mut outcomes = Vec::new();
    for file in corpus_files() {
        let env = Env::new();
        env.ok(&["init"]);
        let out = env.run(&["import", file.to_str().expect("utf-8 path")]);
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let apps = count_rows(&env.db(), "applications");
        let outcome = match out.status.code() {
            Some(0) => {
                let said = stdout(&out);
                assert!(
                    said.contains(&format!("imported {apps} new")),
                    "{name}: wrote {apps}, said {said}"
                );
                Outcome::Imported(apps as u64)
            }
            Some(1) => {
                assert_user_error(&out, &["import", &name]);
                assert_eq!(apps, 0, "{name}: refused but wrote {apps}");
                assert_eq!(count_rows(&env.db(), "audit"), 0, "{name}");
                Outcome::Refused(stderr(&out))
            }
            other => panic!("{name}: exit {other:?}: {}", stderr(&out)),
        };
        outcomes.push((name, outcome));
    }
    assert_verdicts("the binary", outcomes);
}

/// The fuzz targets' property checks (`cargo fuzz`, `fuzz/`), the very same file.
#[path = "../../fuzz/checks.rs"]
mod checks;

/// Inputs that once made a fuzz target crash, one directory a target: kept for ever.
const REGRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions");

/// Runs `check` on every file of `dir` (but hidden ones, such as `.gitkeep`); names every
/// file whose check panics.
fn replay(dir: &str, check: fn(&[u8])) -> Vec<String> {
    let mut failed = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    for file in files {
        let bytes = std::fs::read(&file).expect("read");
        if std::panic::catch_unwind(|| check(&bytes)).is_err() {
            failed.push(file.display().to_string());
        }
    }
    failed
}

#[test]
fn every_input_that_crashed_a_fuzz_target_now_passes_its_checks() {
    let mut failed = replay(
        &format!("{REGRESSIONS}/import_reader"),
        checks::import_reader,
    );
    failed.extend(replay(
        &format!("{REGRESSIONS}/display_safe"),
        checks::display_safe_bytes_and_text,
    ));
    assert!(
        failed.is_empty(),
        "fuzz regressions fail again:\n{}",
        failed.join("\n")
    );
}

/// The fuzzers' seeds pass the fuzzers' checks: a run starts from a sound corpus, and
/// each corpus is checked for the fuzzers' properties on every `cargo test`.
#[test]
fn the_fuzz_seeds_pass_the_fuzz_checks() {
    let failed = replay(CORPUS, checks::import_reader);
    assert!(
        failed.is_empty(),
        "import corpus fails the fuzz checks:\n{}",
        failed.join("\n")
    );
    let hostile: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/hostile.json"
        ))
        .expect("hostile.json"),
    )
    .expect("hostile.json");
    for entry in &hostile {
        checks::text(entry["text"].as_str().expect("a text"));
    }
}
