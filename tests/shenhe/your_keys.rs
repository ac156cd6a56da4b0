//! Issue 15, "your keys": the reviewer's config file (database, language, theme, mouse,
//! key bindings) through the real binary and the real console in a pty, and the README
//! held to the keymap: its key table lists every default key where it works and nothing
//! else, its "Your keys" section every action name, and its example file loads.

use std::collections::BTreeSet;
use std::path::Path;

use shenhe::cli::config;
use shenhe::console::keys::{Key, Keymap, Mode};

use crate::common::*;
use crate::console::queue_records;
use crate::pty::*;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The text of a README section, from its `## ` heading to the next.
fn section(readme: &str, heading: &str) -> String {
    let start = readme
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("README has no section `{heading}`"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_string()
}

/// The backticked spans of `text`.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

/// The keys a backticked span names: `/` alone is the key; otherwise each word (`f o` is
/// `f` then `o`), and a word with a slash is several keys (`Home/End`).
fn keys_in(span: &str) -> Vec<String> {
    if span == "/" {
        return vec!["/".into()];
    }
    span.split_whitespace()
        .flat_map(|w| {
            if w.len() > 1 && w.contains('/') && Key::parse(w).is_none() {
                w.split('/').map(str::to_string).collect::<Vec<_>>()
            } else {
                vec![w.to_string()]
            }
        })
        .collect()
}

/// The keys of a mode, by the name the footer and the README write.
fn names(map: &Keymap, mode: Mode) -> BTreeSet<String> {
    let help = &shenhe::present::UI_EN.key_help;
    map.bindings(mode, help)
        .into_iter()
        .flat_map(|l| l.keys)
        .collect()
}

const DIALOGS: [Mode; 9] = [
    Mode::Search,
    Mode::Menu,
    Mode::Confirm,
    Mode::ConfirmText,
    Mode::ReturnReasons,
    Mode::ReturnText,
    Mode::JudgeList,
    Mode::JudgeText,
    Mode::GoTo,
];

/// Item 4 of the brief: the README's key table against the default keymap, both ways.
/// Each row names where its keys work: `queue` and `detail` their screen, `both` and
/// `copy` the two, `anywhere` the keys every mode knows (Ctrl-c, Ctrl-l, both listed by
/// `bindings` after each mode's own), `mouse` no key. A row may also name the keys of the
/// dialogs it opens (`r`'s `Space`, `m`'s `p`/`f`). Strict: every backticked word of a row
/// must be a key bound there or in a dialog, every key of the queue and the detail must be
/// in a row of its screen, and every key of a dialog somewhere in the table. Not brittle:
/// the prose around the keys, their order, and how they are grouped are free.
#[test]
fn readme_key_table_matches_the_keymap() {
    let readme = readme();
    let console = section(&readme, "The console");
    let map = Keymap::defaults();
    let dialog_keys: BTreeSet<String> = DIALOGS.iter().flat_map(|m| names(&map, *m)).collect();
    let mut by_where: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut problems = Vec::new();
    for row in console.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let place = cells[0].trim_start_matches("| ").trim().to_string();
        if place == "where" {
            continue;
        }
        let modes: &[Mode] = match place.as_str() {
            "queue" => &[Mode::Queue],
            "detail" => &[Mode::Detail],
            "both" | "copy" => &[Mode::Queue, Mode::Detail],
            // Help: the keys every mode knows; `?` in both screens.
            "anywhere" => &[Mode::Help, Mode::Queue, Mode::Detail],
            "mouse" => continue,
            other => {
                problems.push(format!("a row `{other}`: say here which modes it is about"));
                continue;
            }
        };
        let here: BTreeSet<String> = modes.iter().flat_map(|m| names(&map, *m)).collect();
        let mut listed = BTreeSet::new();
        for span in backticked(&cells[1..].join(" | ")) {
            for key in keys_in(&span) {
                match Key::parse(&key) {
                    None => problems.push(format!("{place}: `{key}` (in `{span}`) is not a key")),
                    Some(k) if !here.contains(&k.name()) && !dialog_keys.contains(&k.name()) => {
                        problems.push(format!(
                            "{place}: `{key}` is in the README but not bound there"
                        ))
                    }
                    Some(k) => {
                        listed.insert(k.name());
                    }
                }
            }
        }
        by_where.push((place, listed));
    }
    let listed_in = |places: &[&str]| -> BTreeSet<String> {
        by_where
            .iter()
            .filter(|(p, _)| places.contains(&p.as_str()))
            .flat_map(|(_, keys)| keys.iter().cloned())
            .collect()
    };
    for (mode, places) in [
        (Mode::Queue, &["queue", "both", "copy", "anywhere"][..]),
        (Mode::Detail, &["detail", "both", "copy", "anywhere"][..]),
        // Help lists only the keys every mode knows.
        (Mode::Help, &["anywhere"][..]),
    ] {
        let listed = listed_in(places);
        for key in names(&map, mode) {
            if !listed.contains(&key) {
                problems.push(format!(
                    "{mode:?}: `{key}` is bound but not in the README's rows {places:?}"
                ));
            }
        }
    }
    let anywhere: BTreeSet<String> = by_where.iter().flat_map(|(_, k)| k.clone()).collect();
    for mode in DIALOGS {
        for key in names(&map, mode) {
            if !anywhere.contains(&key) {
                problems.push(format!(
                    "{mode:?}: `{key}` is bound but nowhere in the README"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "README.md's key table and the keymap disagree:\n{}",
        problems.join("\n")
    );
}

/// The README's "Your keys" lists every section and action name the file may set (and
/// no other), and its example file loads as it says.
#[test]
fn readme_names_every_rebindable_action_and_its_example_loads() {
    let readme = readme();
    let yours = section(&readme, "Your keys");
    let mut documented: Vec<(String, BTreeSet<String>)> = Vec::new();
    for row in yours.lines().filter(|l| l.starts_with("| `[keys.")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let mode = cells[0]
            .trim_start_matches("| `[keys.")
            .trim_end_matches("]`")
            .to_string();
        let actions = backticked(cells.last().expect("cells"))
            .into_iter()
            .collect();
        documented.push((mode, actions));
    }
    let actual: Vec<(String, BTreeSet<String>)> = Keymap::defaults()
        .names()
        .into_iter()
        .map(|(m, n)| (m, n.into_iter().collect()))
        .collect();
    assert_eq!(documented, actual, "README's table of modes and actions");

    let example = yours
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("an example file");
    let c = config::parse(Path::new("/home/li/.config/shenhe/config.toml"), example)
        .unwrap_or_else(|e| panic!("the README's example: {e}"));
    assert_eq!(c.lang, Some(shenhe::present::Lang::Zh));
    assert!(!c.mouse);
}

fn write_config(env: &Env, text: &str) -> std::path::PathBuf {
    let dir = env.path("config").join("shenhe");
    std::fs::create_dir_all(&dir).expect("config dir");
    let file = dir.join("config.toml");
    std::fs::write(&file, text).expect("config file");
    file
}

/// A bad file stops every command, naming the file and the line, and changes nothing.
#[test]
fn a_bad_config_file_names_its_line_and_stops_every_command() {
    let env = Env::new();
    env.import_records(&queue_records());
    for (text, line, says) in [
        (
            "[keys.queue]\napprove = \"r\"\n",
            2,
            "`r` is bound to both `approve` and `return`",
        ),
        (
            "lang = \"en\"\n[keys.detail]\nfly = \"F\"\n",
            3,
            "unknown action `fly`",
        ),
        (
            "\n[keys.queue]\napprove = \"Meta-a\"\n",
            3,
            "`Meta-a` is not a key",
        ),
        ("theme = \"dark\"\n", 1, "not a theme"),
        ("mouse = yes\n", 1, ""),
    ] {
        let file = write_config(&env, text);
        for args in [&["list"][..], &["approve", "SQ0001"][..]] {
            let out = env.run(args);
            assert!(!out.status.success(), "{text:?}: {args:?} ran");
            let err = stderr(&out);
            let place = format!("{}:{line}: ", file.display());
            assert!(err.contains(&place), "{text:?}: {err}");
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }
    std::fs::remove_file(env.path("config/shenhe/config.toml")).expect("remove");
    assert_eq!(env.state_of("SQ0001"), "pending_review");
    // There but unreadable (a directory here; root reads any file): said, not skipped.
    std::fs::create_dir(env.path("config/shenhe/config.toml")).expect("mkdir");
    let err = env.fails(&["list"]);
    assert!(err.contains("config.toml: cannot read"), "{err}");
    std::fs::remove_dir(env.path("config/shenhe/config.toml")).expect("rmdir");
    write_config(&env, "mouse = yes\n");
    // A relative XDG_CONFIG_HOME is ignored (the XDG spec): the bad file there is not read.
    let out = env
        .command()
        .current_dir(env.dir.path())
        .env("XDG_CONFIG_HOME", "config")
        .env("HOME", env.path("home"))
        .arg("list")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The file's database is used when neither --db nor SHENHE_DB says one; they win.
#[test]
fn the_config_database_and_language_give_way_to_flags_and_environment() {
    let env = Env::new();
    env.import_records(&queue_records());
    let other = Env::new();
    write_config(
        &env,
        &format!(
            "database = {:?}\nlang = \"zh\"\n",
            env.db().display().to_string()
        ),
    );
    let listed = |cmd: &mut std::process::Command| {
        let out = cmd.output().expect("run");
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    // No SHENHE_DB: the file's database.
    let from_file = listed(env.command().env_remove("SHENHE_DB").arg("list"));
    assert!(from_file.contains("SQ0001"), "{from_file}");
    // SHENHE_DB wins, and --db wins over both.
    let from_env = listed(env.command().env("SHENHE_DB", other.db()).arg("list"));
    assert!(!from_env.contains("SQ0001"), "{from_env}");
    let from_flag = listed(env.command().env_remove("SHENHE_DB").args([
        "--db",
        other.db().to_str().unwrap(),
        "list",
    ]));
    assert!(!from_flag.contains("SQ0001"), "{from_flag}");
    // The file's language is the command line's --lang: its refusals in Chinese...
    let zh = env
        .command()
        .env_remove("SHENHE_DB")
        .args(["show", "NOPE"])
        .output()
        .unwrap();
    assert!(stderr(&zh).contains("没有订单号为"), "{}", stderr(&zh));
    // ...unless --lang says otherwise.
    let en = env
        .command()
        .env_remove("SHENHE_DB")
        .args(["--lang", "en", "show", "NOPE"])
        .output()
        .unwrap();
    assert!(!stderr(&en).contains("没有订单号为"), "{}", stderr(&en));
}

/// Rebound keys work in the console, and its footer and help show them, not the defaults.
#[test]
fn pty_rebound_keys_work_and_the_footer_and_help_show_them() {
    let env = env_with(&queue_records());
    write_config(
        &env,
        "[keys.queue]\napprove = \"W\"\nreturn = \"R\"\nhelp = \"F1\"\n\n[keys.confirm]\nback = [\"Esc\", \"N\"]\n",
    );
    let mut c = Console::start(
        &env,
        Opts {
            cols: 120,
            ..Opts::default()
        },
    );
    let rows = c.wait_footer("1/5");
    let footer = rows.last().expect("footer").clone();
    assert!(
        footer.contains("W approve") && footer.contains("R return"),
        "{footer}"
    );
    assert!(!footer.contains("a approve"), "{footer}");
    // The old key does nothing now; the new one approves (the second row: under review).
    c.send("j");
    c.wait_footer("2/5");
    c.send("a");
    c.send("W");
    c.wait_text("Enter confirm");
    c.send("N");
    c.wait_for("the dialog closed by the rebound N", |rows| {
        !rows.iter().any(|r| r.contains("Enter confirm"))
    });
    assert_eq!(
        env.state_of("SQ0002"),
        "pending_review",
        "`a` approved nothing"
    );
    // F1 is help, and the help lists the keys in force.
    c.send("\x1bOP");
    let help = c.wait_text("┌ Keys ").join("\n");
    assert!(help.contains("F1"), "{help}");
    assert!(
        help.lines()
            .any(|l| l.contains(" W ") && l.contains("approve")),
        "{help}"
    );
    c.send("x");
    c.wait_for("the help closed", |rows| {
        !rows.iter().any(|r| r.contains("┌ Keys "))
    });
    assert_restored(&quit(c), "q");
    assert_eq!(env.state_of("SQ0001"), "pending_review");
}

/// A bad file: the console never starts (the terminal is not touched) and says where.
#[test]
fn pty_a_bad_config_file_leaves_the_terminal_alone() {
    let env = env_with(&queue_records());
    write_config(&env, "[keys.queue]\napprove = \"Esc\"\n");
    let c = Console::start(&env, Opts::default());
    let done = c.finish();
    assert!(!done.status.success());
    let text = String::from_utf8_lossy(&done.raw);
    assert!(
        text.contains("config.toml:2: `Esc` is bound to both"),
        "{text}"
    );
    assert!(
        find(&done.raw, b"\x1b[?1049h").is_none(),
        "the alternate screen was entered"
    );
    assert_eq!(done.cooked, (true, true));
}

/// The theme: high-contrast draws in bright colours; NO_COLOR still wins over it; the
/// config file's language and `mouse = false` are honoured.
#[test]
fn pty_theme_language_and_mouse_from_the_file() {
    let env = env_with(&queue_records());
    write_config(
        &env,
        "theme = \"high-contrast\"\nlang = \"zh\"\nmouse = false\n",
    );
    let c = Console::start(&env, Opts::default());
    c.wait_footer("1/5");
    c.wait_text("待审核");
    let done = quit(c);
    assert_restored(&done, "q");
    let raw = String::from_utf8_lossy(&done.raw);
    // Bright red (91) for the overdue row.
    assert!(
        raw.contains(";91m") || raw.contains("[91m") || raw.contains("[91;"),
        "no bright colour"
    );
    assert!(
        find(&done.raw, b"\x1b[?1000h").is_none(),
        "mouse capture asked for"
    );

    let c = Console::start(
        &env,
        Opts {
            env: &[("NO_COLOR", "1")],
            ..Opts::default()
        },
    );
    c.wait_footer("1/5");
    let done = quit(c);
    let raw = String::from_utf8_lossy(&done.raw);
    for colour in ["[91m", ";91m", "[31m", ";31m", "[96m", ";96m"] {
        assert!(
            !raw.contains(colour),
            "NO_COLOR lost to the theme: {colour}"
        );
    }
}
