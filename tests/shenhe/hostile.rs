//! Hostile applicant text through the real binary's output: nothing a terminal could
//! interpret, and nothing invisible, reaches it; `--json` keeps the text exactly.
//!
//! The corpus is `tests/corpus/hostile.json`, shared with the console's tests.

use std::process::Output;

use serde_json::{Value, json};

use crate::common::*;

pub struct Hostile {
    pub name: String,
    pub text: String,
}

pub fn corpus() -> Vec<Hostile> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/hostile.json");
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read the corpus"))
            .expect("the corpus is JSON");
    entries
        .into_iter()
        .map(|e| Hostile {
            name: e["name"].as_str().expect("name").to_string(),
            text: e["text"].as_str().expect("text").to_string(),
        })
        .collect()
}

/// Characters that must never reach a terminal as themselves. Written out here rather than
/// taken from `domain::text`, so that the test does not share a mistake with the code.
pub fn forbidden(c: char) -> bool {
    let u = c as u32;
    (u < 0x20 && c != '\n')
        || u == 0x7F
        || (0x80..=0x9F).contains(&u)
        // bidirectional marks, embeddings, overrides and isolates
        || matches!(u, 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
        // zero-width and invisible formatting
        || matches!(
            u,
            0x00AD
                | 0x034F
                | 0x115F
                | 0x1160
                | 0x180E
                | 0x200B..=0x200D
                | 0x2028
                | 0x2029
                | 0x2060..=0x2064
                | 0x3164
                | 0xFEFF
                | 0xFFA0
                | 0xFFF9..=0xFFFB
                | 0xE0000..=0xE007F
        )
}

/// The bytes are UTF-8 and hold nothing forbidden; returns the text.
pub fn assert_inert(bytes: &[u8], what: &str) -> String {
    let text = std::str::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{what}: output is not UTF-8: {e}"))
        .to_string();
    if let Some((i, c)) = text.char_indices().find(|(_, c)| forbidden(*c)) {
        let from = text[..i]
            .char_indices()
            .rev()
            .nth(40)
            .map(|(j, _)| j)
            .unwrap_or(0);
        panic!(
            "{what}: U+{:04X} reaches the terminal at byte {i}, after {:?}",
            c as u32,
            &text[from..i]
        );
    }
    text
}

fn inert_output(out: &Output, what: &str) -> String {
    assert_inert(&out.stderr, &format!("{what} (stderr)"));
    assert_inert(&out.stdout, what)
}

/// A command that must succeed and print something: its standard output, checked inert.
/// (Inert is easy for a command that failed and printed nothing.)
fn inert_success(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: exit {:?}: {}",
        out.status.code(),
        stderr(out)
    );
    let text = inert_output(out, what);
    assert!(!text.trim().is_empty(), "{what}: printed nothing");
    text
}

/// A command that must be refused: exit 1 and one clear line; its standard error,
/// checked inert.
fn inert_refusal(out: &Output, what: &str) -> String {
    assert_user_error(out, &[what]);
    inert_output(out, what);
    stderr(out)
}

/// The first `max` characters; a required field that would be blank gets a letter.
fn cut(text: &str, max: usize, required: bool) -> String {
    let cut: String = text.chars().take(max).collect();
    if required && cut.trim().is_empty() {
        format!("x{}", cut.chars().take(max - 1).collect::<String>())
    } else {
        cut
    }
}

pub fn hostile_record(id: &str, text: &str) -> Value {
    with(
        record(id),
        &[
            ("/applicant/name", json!(cut(text, 100, true))),
            ("/applicant/account", json!(cut(text, 100, true))),
            ("/applicant/contact", json!(cut(text, 50, true))),
            (
                "/applicant/legal_representative",
                json!(cut(text, 50, false)),
            ),
            ("/materials/0/reference", json!(cut(text, 200, false))),
            (
                "/website/url",
                json!(format!("https://{}", cut(text, 2000, false))),
            ),
            ("/website/icp", json!(cut(text, 50, false))),
            ("/website/test_account", json!(cut(text, 100, false))),
            ("/website/test_password", json!(cut(text, 100, false))),
        ],
    )
}

#[test]
fn hostile_text_is_inert_in_plain_output_and_exact_in_json() {
    let env = Env::new();
    let corpus = corpus();
    let records: Vec<Value> = corpus
        .iter()
        .enumerate()
        .map(|(i, h)| hostile_record(&format!("H{i:03}"), &h.text))
        .collect();
    env.import_records(&records);

    let list = env.run(&["list", "--state", "all", "--limit", "500"]);
    let text = inert_success(&list, "list");
    assert!(
        !text.lines().any(|l| l.starts_with("FORGED")),
        "a newline in a name forged a row:\n{text}"
    );
    let long = corpus
        .iter()
        .position(|h| h.name == "very long CJK")
        .expect("in the corpus");
    let row = text
        .lines()
        .find(|l| l.contains(&format!("H{long:03}")))
        .expect("listed");
    assert!(row.contains('…'), "an over-long name is cut: {row}");

    let listed = env.run(&["list", "--state", "all", "--limit", "500", "--json"]);
    let listed: Value = serde_json::from_str(&inert_success(&listed, "list --json")).expect("JSON");
    for (i, h) in corpus.iter().enumerate() {
        let row = listed["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == format!("H{i:03}"))
            .unwrap_or_else(|| panic!("{} listed", h.name));
        assert_eq!(row["merchant"], cut(&h.text, 100, true), "{}", h.name);
    }

    for (i, h) in corpus.iter().enumerate() {
        let id = format!("H{i:03}");
        let what = |cmd: &str| format!("{cmd} of `{}`", h.name);
        let shown = inert_success(&env.run(&["show", &id]), &what("show"));
        assert!(
            !shown.lines().any(|l| l.starts_with("FORGED")),
            "{}",
            what("show")
        );
        inert_success(&env.run(&["show", &id, "--reveal"]), &what("show --reveal"));

        let json_out = env.run(&["show", &id, "--json", "--reveal"]);
        let shown: Value =
            serde_json::from_str(&inert_success(&json_out, &what("show --json"))).expect("JSON");
        let app = &shown["application"];
        assert_eq!(app["applicant"]["name"], cut(&h.text, 100, true));
        assert_eq!(app["applicant"]["contact"], cut(&h.text, 50, true));
        assert_eq!(app["materials"][0]["reference"], cut(&h.text, 200, false));
        assert_eq!(app["website"]["icp"], cut(&h.text, 50, false));
        assert_eq!(app["website"]["test_password"], cut(&h.text, 100, false));

        // The reviewer's own words come back in the history: a message pasted from the
        // application is as hostile as the application. (An argument cannot hold NUL.)
        // Control characters but line breaks and tabs are refused, in an inert error.
        let words = h.text.replace('\0', "");
        let kept = words.replace("\r\n", "\n");
        let kept = kept.trim();
        if shenhe::review::refused_character(&words).is_some() {
            let refused = env.run(&["return", &id, "--reason", "other", "--message", &words]);
            assert!(!refused.status.success(), "{}", what("return"));
            let said = inert_output(&refused, &what("return"));
            assert!(said.is_empty(), "{}: {said}", what("return"));
            assert!(
                stderr(&refused).contains("holds an invisible or control character"),
                "{}: {}",
                what("return"),
                stderr(&refused)
            );
            continue;
        }
        let returned = env.run(&[
            "return",
            &id,
            "--reason",
            "other",
            "--message",
            &words,
            "--note",
            &words,
        ]);
        inert_success(&returned, &what("return"));
        let told = inert_success(&env.run(&["history", &id]), &what("history"));
        assert!(told.contains("return"), "{}: {told}", what("history"));
        let history = env.run(&["history", &id, "--json"]);
        let history: Value =
            serde_json::from_str(&inert_success(&history, &what("history --json"))).expect("JSON");
        let entry = history
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| e["action"] == "return")
            .expect("the return");
        assert_eq!(entry["message"], kept, "{}", h.name);
        assert_eq!(entry["note"], kept, "{}", h.name);
    }

    // The escapes are shown, visibly, not dropped.
    let osc = corpus
        .iter()
        .position(|h| h.name == "OSC 52 clipboard write")
        .expect("in the corpus");
    let shown = env.ok(&["show", &format!("H{osc:03}")]);
    assert!(shown.contains("␛]52;c;"), "{shown}");
}

#[test]
fn hostile_text_in_error_messages_is_inert() {
    let env = Env::new();
    for h in corpus() {
        // An unknown field's name and an unknown value are quoted by the error.
        let mut bad = record("E1");
        bad["applicant"][h.text.as_str()] = json!(1);
        let file = env.path("bad.ndjson");
        write_ndjson(&file, &[bad]);
        let out = env.run(&["import", file.to_str().expect("utf-8")]);
        let err = inert_refusal(
            &out,
            &format!("import error for a field named `{}`", h.name),
        );
        assert!(err.contains("unknown field"), "{}: {err}", h.name);

        let bad = with(record("E1"), &[("/applicant/kind", json!(h.text))]);
        write_ndjson(&file, &[bad]);
        let out = env.run(&["import", file.to_str().expect("utf-8")]);
        let err = inert_refusal(&out, &format!("import error for a kind `{}`", h.name));
        assert!(err.contains("applicant.kind"), "{}: {err}", h.name);

        let out = env.run(&["show", &h.text.replace('\0', "")]);
        let err = inert_refusal(&out, &format!("show of an id `{}`", h.name));
        assert!(err.contains("no application with id"), "{}: {err}", h.name);
    }
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}

#[test]
fn invalid_utf8_in_a_tampered_database_never_reaches_the_screen() {
    let env = Env::new();
    env.import_records(&[record("U1"), record("U2")]);
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    // Applications are not append-only: someone with write access could do this.
    conn.execute(
        "UPDATE applications SET merchant = CAST(X'41FF1B5B324A9B42' AS TEXT), body = replace(body, '杭州', CAST(X'FF1B5D35323B633B' AS TEXT)) WHERE id = 'U1'",
        [],
    )
    .expect("tamper");
    drop(conn);
    // One application's text is not UTF-8 any more: whatever reads it refuses, with one
    // clear line and no panic, rather than print what it cannot vouch for.
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show", "U1"],
        &["show", "U1", "--json"],
        &["history", "U1"],
    ] {
        let out = env.run(args);
        let err = inert_refusal(&out, &format!("{args:?}"));
        assert!(err.contains("database error"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", stdout(&out));
    }
    // The untouched application is still shown.
    let shown = inert_success(&env.run(&["show", "U2"]), "show U2");
    assert!(shown.contains("U2"), "{shown}");
}
