//! The properties the fuzz targets assert, shared word for word with the replay of the
//! regression corpus in the main test suite (`tests/shenhe/fuzz.rs` includes this file
//! with `#[path]`), so that an input kept in `fuzz/regressions/` is checked by `cargo
//! test` exactly as the fuzzer checked it. It panics on the first property that fails.

use std::borrow::Cow;
use std::io::Cursor;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use shenhe_domain::application::Application;
use shenhe_domain::policy::Policy;
use shenhe_domain::text::{
    MAX_MARKS, display_safe, display_safe_bytes, fit, needs_placeholder, pad, pad_left, width,
};
use shenhe_review::import::{ImportError, RecordReader, limits, parse_record};

static POLICY: LazyLock<Policy> = LazyLock::new(Policy::builtin);

/// The clock the import is read against (the test suite's `NOW`).
fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").expect("now")
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

/// Text that reaches a terminal: nothing `display_safe` would replace (no ESC, no C0 or
/// C1 control, no bidirectional or invisible character) in any of its `lines`.
fn assert_inert<'t>(what: &str, lines: impl Iterator<Item = &'t str>) {
    for line in lines {
        if let Some(c) = line
            .chars()
            .find(|&c| needs_placeholder(c) || c.is_control())
        {
            panic!(
                "{what}: U+{:04X} reaches the terminal in {line:?}",
                c as u32
            );
        }
    }
}

/// The import reader on any bytes: it does not panic; what it accepts is sound and reads
/// back the same, record by record (`parse_record`), as NDJSON and as a JSON array; what
/// it refuses is reported in words a terminal shows as they are.
pub fn import_reader(bytes: &[u8]) {
    match read_all(bytes) {
        Ok(apps) => {
            assert!(!apps.is_empty(), "accepted an import of no records");
            for app in &apps {
                assert_sound(app);
            }
            let ndjson: String = apps
                .iter()
                .map(|a| serde_json::to_string(a).expect("serialise") + "\n")
                .collect();
            let again = read_all(ndjson.as_bytes())
                .unwrap_or_else(|e| panic!("accepted records refused as NDJSON: {e}"));
            assert_eq!(
                again, apps,
                "accepted records read back differently as NDJSON"
            );
            let array = serde_json::to_string(&apps).expect("serialise");
            let again = read_all(array.as_bytes())
                .unwrap_or_else(|e| panic!("accepted records refused as an array: {e}"));
            assert_eq!(
                again, apps,
                "accepted records read back differently as an array"
            );
        }
        Err(e) => {
            if let ImportError::Records { errors, total } = &e {
                assert!(!errors.is_empty() && errors.len() <= limits::REPORTED);
                assert!(*total >= errors.len() as u64);
            }
            assert_inert("the import error", e.to_string().split('\n'));
        }
    }
    // One record on one line is read as `parse_record` reads it, alone or in an array.
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(app) = parse_record(text, &POLICY, now())
    {
        assert_sound(&app);
        let alone = !text.contains('\n')
            && !text.starts_with('\u{feff}')
            && text.len() <= limits::RECORD_BYTES;
        if alone {
            let read = read_all(bytes);
            assert!(
                matches!(&read, Ok(apps) if apps == std::slice::from_ref(&app)),
                "parse_record accepts the line, the reader gives {read:?}"
            );
        }
        if text.len() <= limits::RECORD_BYTES {
            let read = read_all(format!("[{text}]").as_bytes());
            assert!(
                matches!(&read, Ok(apps) if apps == std::slice::from_ref(&app)),
                "parse_record accepts the record, the reader of [record] gives {read:?}"
            );
        }
    }
}

/// What an accepted record satisfies, whatever it was made from.
fn assert_sound(app: &Application) {
    assert!(
        !app.id.is_empty() && app.id.len() <= limits::ID_CHARS,
        "{:?}",
        app.id
    );
    assert!(
        app.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{:?}",
        app.id
    );
    assert!(app.applicant.name.chars().count() <= limits::NAME_CHARS);
    assert!(app.materials.len() <= limits::MATERIALS);
    assert!(app.goods.len() <= limits::GOODS);
    assert!(POLICY.product(&app.product).is_some());
    let text = serde_json::to_string(app).expect("serialise");
    match parse_record(&text, &POLICY, now()) {
        Ok(again) => assert_eq!(&again, app, "an accepted record reads back differently"),
        Err(e) => panic!("an accepted record is refused when written out: {e:?}\n{text}"),
    }
}

/// `display_safe` and the functions built on it, on any text (bytes that are not UTF-8
/// go through `display_safe_bytes`).
pub fn display_safe_bytes_and_text(bytes: &[u8]) {
    let lossy = String::from_utf8_lossy(bytes);
    assert_eq!(display_safe_bytes(bytes), display_safe(&lossy));
    text(&lossy);
}

/// The properties of the display-safe text of `text`.
pub fn text(text: &str) {
    let safe = display_safe(text);
    assert_eq!(
        matches!(safe, Cow::Borrowed(_)),
        safe == text,
        "borrowed exactly when unchanged: {text:?} → {safe:?}"
    );
    // Nothing a terminal would interpret or hide.
    assert_inert("display_safe", std::iter::once(safe.as_ref()));
    // The same again when made safe a second time.
    let again = display_safe(&safe);
    assert!(
        matches!(again, Cow::Borrowed(_)) && again == safe,
        "not idempotent: {text:?} → {safe:?} → {again:?}"
    );
    // Its width, however it is counted: by `width`, character by character (tmux,
    // xterm), as a string (unicode-width's clusters), and cluster by cluster.
    let chars: usize = safe
        .chars()
        .map(|c| UnicodeWidthChar::width(c).unwrap_or(0))
        .sum();
    assert_eq!(width(&safe), chars, "width of {safe:?}");
    assert_eq!(UnicodeWidthStr::width(safe.as_ref()), chars, "{safe:?}");
    for cluster in safe.graphemes(true) {
        let mut cs = cluster.chars();
        let first = cs.next().expect("a cluster has a character");
        let marks: Vec<char> = cs.collect();
        let w = UnicodeWidthChar::width(first).unwrap_or(0);
        assert!(
            (1..=2).contains(&w)
                && marks.len() <= MAX_MARKS
                && marks.iter().all(|&m| UnicodeWidthChar::width(m) == Some(0))
                && UnicodeWidthStr::width(cluster) == w,
            "cluster {cluster:?} of {safe:?} (from {text:?}) is not one character of \
             one or two columns with at most {MAX_MARKS} zero-width marks"
        );
    }
    // Cut and padded to a few widths around its own (each call makes the text safe
    // again: few enough to keep the fuzzer's executions a second up).
    let w = chars;
    for columns in [0, 1, 2, w / 2, w.saturating_sub(1), w] {
        let cut = fit(text, columns);
        assert!(width(&cut) <= columns, "fit({text:?}, {columns}) = {cut:?}");
        if w <= columns {
            assert_eq!(cut, safe, "fit({text:?}, {columns}) cut text that fits");
        } else if columns > 0 {
            let kept = cut.strip_suffix('…').expect("a cut ends with …");
            assert!(safe.starts_with(kept), "fit({text:?}, {columns}) = {cut:?}");
            assert!(
                width(&cut) + 2 > columns,
                "fit({text:?}, {columns}) cut too much"
            );
        }
        assert_eq!(
            display_safe(&cut),
            cut,
            "fit({text:?}, {columns}) is not safe"
        );
    }
    for columns in [w / 2, w + 1] {
        assert_eq!(
            width(&pad(text, columns)),
            columns,
            "pad({text:?}, {columns})"
        );
        assert_eq!(
            width(&pad_left(text, columns)),
            columns,
            "pad_left({text:?})"
        );
    }
}
