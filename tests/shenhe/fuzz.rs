//! No input makes the import panic. Property tests feed the parser arbitrary bytes,
//! mutated records and arbitrary JSON in every field; `tests/corpus/import/` keeps inputs
//! worth replaying for ever (every crash found goes there), and each is replayed both
//! through the parser and through the real binary.

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

fn corpus_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/import"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the import corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

#[test]
fn the_import_corpus_never_panics() {
    for file in corpus_files() {
        let bytes = std::fs::read(&file).expect("read");
        let result = std::panic::catch_unwind(|| read_all(&bytes).map(|apps| apps.len()));
        let Ok(result) = result else {
            panic!("{} panics the reader", file.display());
        };
        if let Ok(n) = result {
            assert!(n > 0, "{}", file.display());
        }
    }
}

#[test]
fn the_import_corpus_through_the_binary_imports_wholly_or_not_at_all() {
    for file in corpus_files() {
        let env = Env::new();
        env.ok(&["init"]);
        let out = env.run(&["import", file.to_str().expect("utf-8 path")]);
        let name = file.file_name().expect("name").to_string_lossy();
        let apps = count_rows(&env.db(), "applications");
        match out.status.code() {
            Some(0) => assert!(apps > 0, "{name}: imported nothing yet succeeded"),
            Some(1) => {
                assert_user_error(&out, &["import", &name]);
                assert_eq!(apps, 0, "{name}: refused but wrote {apps}");
                assert_eq!(count_rows(&env.db(), "audit"), 0, "{name}");
            }
            other => panic!("{name}: exit {other:?}: {}", stderr(&out)),
        }
    }
}
