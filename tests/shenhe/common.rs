//! What the integration tests share: a temporary database and the real binary on it
//! (`Env`), and small readers of outputs and files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// The clock every test runs at: Tuesday 24 November 2026, 10:00 in China.
pub const NOW: &str = "2026-11-24T10:00:00+08:00";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub now: String,
}

impl Env {
    /// A database made for tests (`init --allow-reviewer-override`): the clock is fixed at
    /// NOW and SHENHE_REVIEWER may name the reviewer.
    pub fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("temp dir"),
            now: NOW.to_string(),
        };
        env.ok(&["init", "--allow-reviewer-override"]);
        env
    }

    /// No database yet, and the tests' clock: for a test that makes its database itself
    /// (`init --allow-reviewer-override` as someone, whose first lead it then is).
    pub fn fresh() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            now: NOW.to_string(),
        }
    }

    /// No database yet, and the system's clock: what a real team's first command meets.
    pub fn real() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            now: String::new(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("shenhe.db")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shenhe"));
        if self.now.is_empty() {
            cmd.env_remove("SHENHE_NOW");
        } else {
            cmd.env("SHENHE_NOW", &self.now);
        }
        cmd.env("SHENHE_DB", self.db())
            // The runner's own config file (~/.config/shenhe) stays out of the tests.
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env_remove("SHENHE_DATA")
            .env_remove("SHENHE_REVIEWER")
            .env_remove("SHENHE_TEST_PAUSE")
            // The command line speaks the locale's language: English here, whatever the
            // runner's locale (a test of Chinese says so with --lang or LANG).
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C.UTF-8")
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run shenhe")
    }

    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }

    /// Runs and insists on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "shenhe {args:?} failed: {}\n{}",
            stderr(&out),
            stdout(&out)
        );
        stdout(&out)
    }

    /// Runs and insists on a user error: exit 1, one clear line, no backtrace.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_user_error(&out, args);
        stderr(&out)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("valid JSON")
    }

    pub fn import_records(&self, records: &[Value]) -> String {
        let file = self.path("records.ndjson");
        write_ndjson(&file, records);
        self.ok(&["import", file.to_str().expect("utf-8 path")])
    }

    /// A copy of the built-in policy directory (data/), to edit in a test.
    pub fn policy_copy(&self) -> PathBuf {
        let data = self.path("data");
        std::fs::create_dir(&data).expect("mkdir");
        for (name, text) in shenhe::domain::policy::FILES {
            std::fs::write(data.join(name), text).expect("write policy file");
        }
        data
    }

    pub fn state_of(&self, id: &str) -> String {
        self.json(&["show", id, "--json"])["state"]
            .as_str()
            .expect("state")
            .to_string()
    }
}

pub fn assert_user_error(out: &Output, args: &[&str]) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "shenhe {args:?} should fail with 1: {err}\n{}",
        stdout(out)
    );
    assert!(err.starts_with("shenhe: error: "), "one clear line: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn write_ndjson(path: &Path, records: &[Value]) {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).expect("write records");
}

pub use crate::fixtures::{record, with};

/// What `PRAGMA integrity_check` says of a database file ("ok" when sound).
pub fn integrity_check(conn: &rusqlite::Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

/// Count of rows in a table, read directly with SQLite. A missing file or table is a
/// failure, not 0: "nothing was written" must not pass on a database that cannot be read.
pub fn count_rows(db: &Path, table: &str) -> i64 {
    assert!(db.exists(), "no database at {}", db.display());
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("cannot count {table} in {}: {e}", db.display()))
}

/// A review session of `actor` on the test database, at the tests' clock.
pub fn review_as(env: &Env, actor: &str) -> shenhe::review::Review {
    use std::sync::Arc;
    let store = shenhe::store::sqlite::SqliteStore::open(&env.db()).expect("open");
    let clock =
        shenhe::review::Clock::Fixed(chrono::DateTime::parse_from_rfc3339(NOW).expect("now"));
    shenhe::review::Review::new(
        Box::new(store),
        Arc::new(shenhe::domain::policy::Policy::builtin()),
        actor.to_string(),
        clock,
    )
    .expect("review")
}

/// `count` clean applications submitted over two weeks: a queue longer than a screen.
pub fn long_queue(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            with(
                record(&format!("M{i:03}")),
                &[(
                    "/submitted_at",
                    json!(format!("2026-11-{:02}T09:00:00+08:00", 10 + i % 14)),
                )],
            )
        })
        .collect()
}

/// The operating-system account running the tests, as `id -un` names it.
pub fn whoami() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
