//! Grapheme clusters whose width terminals disagree on (tests/corpus/ambiguous-width.txt)
//! never reach the terminal as they are: the CLI's columns line up whatever the merchant
//! is called, and so do the console's (pty.rs, `pty_clusters_of_disputed_width_keep_the_rows_aligned`).

use serde_json::{Value, json};

use crate::common::*;

pub struct Disputed {
    pub name: String,
    pub text: String,
}

/// The corpus, its `\u{…}` escapes made the characters they name.
pub fn corpus() -> Vec<Disputed> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/ambiguous-width.txt"
    );
    let text = std::fs::read_to_string(path).expect("read the corpus");
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, escaped) = l.split_once('\t').expect("name<TAB>text");
            Disputed {
                name: name.to_string(),
                text: unescape(escaped),
            }
        })
        .collect()
}

fn unescape(escaped: &str) -> String {
    let mut out = String::new();
    let mut rest = escaped;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("a closing brace") + at;
        let code = u32::from_str_radix(&rest[at + 3..end], 16).expect("hex");
        out.push(char::from_u32(code).expect("a char"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// One application a line of the corpus: its text in the merchant's name and the website
/// address, and nothing else unusual.
pub fn records() -> Vec<Value> {
    let mut records: Vec<Value> = corpus()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            with(
                record(&format!("W{i:03}")),
                &[
                    ("/applicant/name", json!(d.text)),
                    ("/website/url", json!(format!("https://{}.cn/", d.text))),
                ],
            )
        })
        .collect();
    records.push(with(
        record("W999"),
        &[("/applicant/name", json!("Plain Ltd"))],
    ));
    records
}

fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Characters that make a cluster's width depend on the terminal. Written out here, not
/// taken from `domain::text`.
fn disputed(c: char) -> bool {
    matches!(c as u32,
        0x1F1E6..=0x1F1FF          // regional indicators
        | 0x1F3FB..=0x1F3FF        // skin tones
        | 0x200D                   // ZWJ
        | 0xFE00..=0xFE0F          // variation selectors
        | 0xE0100..=0xE01EF
        | 0x20E3                   // keycap
        | 0x1100..=0x11FF          // conjoining jamo
        | 0xA960..=0xA97F
        | 0xD7B0..=0xD7FF
        | 0x0600..=0x0605          // prepended to what follows
        | 0x093E..=0x0940          // Devanagari spacing vowel signs
        | 0x0E33                   // Thai SARA AM
        | 0xFF9E..=0xFF9F) // halfwidth voiced marks
}

/// Text a terminal draws the same everywhere: no character of [`disputed`], no
/// zero-width character but on a base drawn before it in the same run of text, and at
/// most four on one base. Returns the first offence.
pub fn offence(run: &str) -> Option<String> {
    let mut marks_on_base: Option<usize> = None;
    for c in run.chars() {
        if disputed(c) {
            return Some(format!("U+{:04X}", c as u32));
        }
        if c == '\n' || c == '\r' {
            marks_on_base = None;
            continue;
        }
        if char_width(c) == 0 {
            match marks_on_base.as_mut() {
                Some(n) if *n < 4 => *n += 1,
                _ => return Some(format!("U+{:04X} with no base, or a fifth", c as u32)),
            }
        } else {
            marks_on_base = Some(0);
        }
    }
    None
}

/// The column where `needle` starts, counted character by character (as tmux does).
fn column_of(line: &str, needle: &str) -> usize {
    let byte = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {line}"));
    line[..byte].chars().map(char_width).sum()
}

#[test]
fn list_columns_line_up_whatever_the_merchant_is_called() {
    let env = Env::new();
    let records = records();
    env.import_records(&records);
    let list = env.ok(&["list", "--state", "all", "--limit", "500"]);
    let lines: Vec<&str> = list.lines().collect();
    if let Some(bad) = offence(&list) {
        panic!("{bad} printed by list:\n{list}");
    }
    let product = column_of(lines[0], "PRODUCT");
    let corpus = corpus();
    for (i, d) in corpus.iter().enumerate() {
        let id = format!("W{i:03}");
        let row = lines
            .iter()
            .find(|l| l.contains(&id))
            .unwrap_or_else(|| panic!("{id} listed"));
        assert_eq!(
            column_of(row, "平台商即时到帐收款"),
            product,
            "`{}`: the product column moved:\n{list}",
            d.name
        );
        // Counted as a cluster (ratatui, terminals that shape clusters) the same.
        let byte = row.find("平台商即时到帐收款").expect("product");
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(&row[..byte]),
            product,
            "`{}`: {row}",
            d.name
        );
    }
    assert_eq!(lines.len(), records.len() + 1, "one line a row:\n{list}");

    // The detail shows the name and the address, as safely.
    for (i, d) in corpus.iter().enumerate() {
        let shown = env.ok(&["show", &format!("W{i:03}")]);
        if let Some(bad) = offence(&shown) {
            panic!("{bad} printed by show of `{}`:\n{shown}", d.name);
        }
    }
}

#[test]
fn the_corpus_covers_every_disputed_class_and_json_keeps_the_text() {
    let corpus = corpus();
    let all: String = corpus.iter().map(|d| d.text.as_str()).collect();
    for (what, c) in [
        ("leading mark", '\u{301}'),
        ("Hangul vowel", '\u{1161}'),
        ("skin tone", '\u{1F3FB}'),
        ("ZWJ", '\u{200D}'),
        ("VS16", '\u{FE0F}'),
        ("VS15", '\u{FE0E}'),
        ("regional indicator", '\u{1F1E8}'),
        ("keycap", '\u{20E3}'),
    ] {
        assert!(all.contains(c), "the corpus has no {what}");
    }
    let env = Env::new();
    env.import_records(&records());
    let listed = env.json(&["list", "--state", "all", "--limit", "500", "--json"]);
    for (i, d) in corpus.iter().enumerate() {
        let row = listed["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == format!("W{i:03}"))
            .expect("listed");
        assert_eq!(row["merchant"], d.text, "--json keeps `{}` exactly", d.name);
    }
}
