//! The real binary on PostgreSQL (a throwaway server of the tests' own, see
//! shenhe_pg::testing): the same commands work the same, `shenhe migrate` copies an SQLite
//! database whole and verified, and a password never reaches argv or a message.
//! Where PostgreSQL is not installed these tests say so and pass.

use std::process::Output;

use shenhe_pg::testing::TestServer;

use crate::common::*;

/// A test directory (for files) and a new PostgreSQL database that SHENHE_DB names.
pub struct PgEnv {
    pub env: Env,
    pub url: String,
}

impl PgEnv {
    /// None (and a line saying why) where no server can be started here.
    pub fn new() -> Option<PgEnv> {
        let server = match TestServer::shared() {
            Ok(server) => server,
            Err(why) => {
                eprintln!("PostgreSQL test skipped: {why}");
                return None;
            }
        };
        Some(PgEnv {
            env: Env::fresh(),
            url: server.new_database().expect("a new database"),
        })
    }

    /// `init --allow-reviewer-override` done, as `Env::new` does for SQLite.
    pub fn initialised() -> Option<PgEnv> {
        let pg = PgEnv::new()?;
        pg.ok(&["init", "--allow-reviewer-override"]);
        Some(pg)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.env
            .command()
            .env("SHENHE_DB", &self.url)
            .args(args)
            .output()
            .expect("run shenhe")
    }

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

    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_user_error(&out, args);
        stderr(&out)
    }

    pub fn import_records(&self, records: &[serde_json::Value]) -> String {
        let file = self.env.path("records.ndjson");
        write_ndjson(&file, records);
        self.ok(&["import", file.to_str().expect("utf-8 path")])
    }
}

#[test]
fn the_commands_work_the_same_on_postgresql() {
    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    let out = pg.import_records(&[record("SQ1"), record("SQ2"), record("SQ3")]);
    assert!(out.contains("imported 3 new"), "{out}");
    let list = pg.ok(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&list).expect("json");
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(3), "{list}");
    pg.ok(&["approve", "SQ1", "--note", "ok"]);
    let show: serde_json::Value =
        serde_json::from_str(&pg.ok(&["show", "SQ1", "--json"])).expect("json");
    assert_eq!(show["state"], "pending_integration", "{show}");
    // A second decision at the version the first one changed is refused.
    let err = pg.fails(&["approve", "SQ1"]);
    assert!(err.contains("SQ1"), "{err}");
    pg.ok(&[
        "return",
        "SQ2",
        "--reason",
        "icp_missing",
        "--message",
        "请补充",
    ]);
    let verify = pg.ok(&["audit", "verify"]);
    assert!(
        verify.contains("audit chain intact: 5 entries verified"),
        "{verify}"
    );
    let events = pg.ok(&["events"]);
    assert_eq!(events.lines().count(), 5, "{events}");
    // Re-importing the same records changes nothing.
    let file = pg.env.path("records.ndjson");
    let again = pg.ok(&["import", file.to_str().expect("path")]);
    assert!(
        again.contains("3 unchanged") || again.contains("unchanged"),
        "{again}"
    );
    // init again on a database that exists keeps it.
    pg.ok(&["init"]);
    let list = pg.ok(&["list", "--state", "all", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&list).expect("json");
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(3), "{list}");
}

#[test]
fn a_database_without_the_schema_is_not_made_by_a_command_that_reads() {
    let Some(pg) = PgEnv::new() else { return };
    let err = pg.fails(&["list"]);
    assert!(err.contains("shenhe init"), "{err}");
    pg.ok(&["init", "--allow-reviewer-override"]);
    pg.ok(&["list"]);
}

#[test]
fn migrate_copies_a_whole_sqlite_database_and_verifies_it() {
    let Some(pg) = PgEnv::new() else { return };
    let sqlite = Env::new();
    // SQ4's merchant holds a NUL, which a PostgreSQL TEXT column cannot: kept as ␀ there.
    let nul = with(
        record("SQ4"),
        &[("/applicant/name", serde_json::json!("nul\u{0}byte"))],
    );
    sqlite.import_records(&[record("SQ1"), record("SQ2"), record("SQ3"), nul]);
    sqlite.ok(&["approve", "SQ1"]);
    sqlite.ok(&["return", "SQ2", "--reason", "icp_missing"]);
    let db = sqlite.db();
    let db = db.to_str().expect("path");
    let out = pg.ok(&["migrate", "--from", db]);
    assert!(out.contains("applications: 4 rows"), "{out}");
    assert!(
        out.contains("audit chain: 6 entries verified on both sides"),
        "{out}"
    );
    assert!(out.contains("done:"), "{out}");
    // The same history, the same chain head, the same queue.
    let head = |json: String| -> serde_json::Value { serde_json::from_str(&json).expect("json") };
    assert_eq!(
        head(pg.ok(&["audit", "head", "--json"])),
        head(sqlite.ok(&["audit", "head", "--json"]))
    );
    assert_eq!(
        pg.ok(&["list", "--state", "all", "--json"]),
        sqlite
            .ok(&["list", "--state", "all", "--json"])
            .replace("\\u0000", "␀")
    );
    assert_eq!(
        pg.ok(&["show", "SQ4", "--json"]),
        sqlite.ok(&["show", "SQ4", "--json"]),
        "the application itself is kept exactly"
    );
    assert_eq!(pg.ok(&["events"]), sqlite.ok(&["events"]));
    // And it goes on from there: the next entry chains from the copied head.
    pg.ok(&["approve", "SQ3"]);
    pg.ok(&["audit", "verify"]);
    // A target that holds data is refused, and nothing changes.
    let err = pg.fails(&["migrate", "--from", db]);
    assert!(err.contains("holds data already"), "{err}");
    assert!(err.contains("nothing was copied"), "{err}");
    // A missing source says so.
    let missing = pg.env.path("nope.db");
    let err = pg.fails(&["migrate", "--from", missing.to_str().expect("path")]);
    assert!(err.contains("no SQLite database"), "{err}");
    assert!(!missing.exists(), "nothing was created");
}

/// A NUL outside the applicant's record (where it is kept as written, the audit hash
/// over it) cannot be stored by PostgreSQL: migrate names where, and copies nothing.
#[test]
fn migrate_names_a_nul_it_cannot_copy_and_copies_nothing() {
    let Some(pg) = PgEnv::new() else { return };
    let sqlite = Env::new();
    sqlite.import_records(&[record("SQ1")]);
    let db = sqlite.db();
    let shell = rusqlite::Connection::open(&db).expect("the sqlite3 shell");
    shell
        .execute(
            "INSERT INTO saved_views (reviewer, name, position, filter) VALUES ('tester', 'a' || char(0) || 'b', 1, 'overdue')",
            [],
        )
        .expect("a NUL written by hand");
    let refused = pg.run(&["migrate", "--from", db.to_str().expect("path")]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("saved_views where reviewer = tester: `name` holds a NUL character"),
        "{err}"
    );
    assert!(err.contains("nothing was copied"), "{err}");
    shell
        .execute("UPDATE saved_views SET name = CAST(x'61ff62' AS TEXT)", [])
        .expect("invalid UTF-8 written by hand");
    let refused = pg.run(&["migrate", "--from", db.to_str().expect("path")]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("saved_views where reviewer = tester: `name` is not valid UTF-8 text"),
        "{err}"
    );
    shell
        .execute("DELETE FROM saved_views", [])
        .expect("mended");
    let out = pg.ok(&["migrate", "--from", db.to_str().expect("path")]);
    assert!(
        out.contains("applications: 1 rows"),
        "the target was left empty: {out}"
    );
}

#[test]
fn a_password_never_reaches_argv_or_a_message() {
    let Some(pg) = PgEnv::new() else { return };
    let with_password = pg
        .url
        .replace("postgres://postgres@", "postgres://postgres:Sup3rSecret@");
    // On the command line: refused before anything is done.
    let out = pg
        .env
        .command()
        .args(["--db", &with_password, "list"])
        .output()
        .expect("run");
    assert_user_error(&out, &["--db", "…", "list"]);
    let err = stderr(&out);
    assert!(
        err.contains("pgpass") && !err.contains("Sup3rSecret"),
        "{err}"
    );
    // In SHENHE_DB it is used, and a failure names the server without it.
    let missing_db = with_password.replace(
        &format!(
            "/{}?",
            pg.url
                .split('/')
                .nth(3)
                .and_then(|p| p.split('?').next())
                .expect("db")
        ),
        "/no_such_db?",
    );
    let out = pg
        .env
        .command()
        .env("SHENHE_DB", &missing_db)
        .args(["list"])
        .output()
        .expect("run");
    assert_user_error(&out, &["list"]);
    let err = stderr(&out);
    assert!(
        err.contains("no_such_db") && !err.contains("Sup3rSecret"),
        "{err}"
    );
}

#[test]
fn a_demo_is_never_made_in_a_postgresql_database() {
    let env = Env::fresh();
    let out = env
        .command()
        .args([
            "--db",
            "postgres://nobody@/nowhere?host=/nonexistent",
            "demo",
        ])
        .output()
        .expect("run");
    assert_user_error(&out, &["demo"]);
    assert!(
        stderr(&out).contains("a demo is an SQLite file"),
        "{}",
        stderr(&out)
    );
    assert!(
        !std::path::Path::new("postgres:").exists(),
        "no file named after the URL"
    );
}

/// A console on PostgreSQL in a pseudo-terminal refreshes when another reviewer commits:
/// the server's NOTIFY reaches its worker, with no key pressed.
#[test]
fn a_console_on_postgresql_sees_another_reviewers_decision_without_a_key() {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use portable_pty::{CommandBuilder, PtySize, native_pty_system};

    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    pg.import_records(&[record("SQ1"), record("SQ2"), record("SQ3")]);
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 100,
            ..PtySize::default()
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_shenhe"));
    for var in crate::fixtures::CONSOLE_ENV_TO_CLEAR {
        cmd.env_remove(var);
    }
    cmd.env("SHENHE_DB", &pg.url);
    cmd.env("SHENHE_NOW", NOW);
    cmd.env("SHENHE_REVIEWER", "alice");
    cmd.env("LANG", "en_US.UTF-8");
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).expect("spawn");
    drop(pair.slave);
    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZeroU16::new(24).expect("rows"),
        std::num::NonZeroU16::new(100).expect("cols"),
        0,
    )));
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let sink = Arc::clone(&parser);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().expect("lock").process(&buf[..n]);
        }
    });
    let footer_total = || -> Option<u64> {
        let screen = parser.lock().expect("lock").screen().contents();
        let last = screen
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())?
            .to_string();
        let word = last.split_whitespace().last()?;
        word.split_once('/')?.1.parse().ok()
    };
    let wait = |total: u64, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while footer_total() != Some(total) {
            assert!(
                Instant::now() < deadline,
                "{what}: the footer never showed {total}:\n{}",
                parser.lock().expect("lock").screen().contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait(3, "the first frame");
    // Another reviewer, another process: the open queue loses SQ2.
    let out = pg
        .env
        .command()
        .env("SHENHE_DB", &pg.url)
        .env("SHENHE_REVIEWER", "bob")
        .args(["return", "SQ2", "--reason", "icp_missing"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    wait(2, "after bob's decision");
    let _ = child.kill();
    let _ = child.wait();
}

fn superuser(pg: &PgEnv) -> postgres::Client {
    shenhe_pg::ConnectionSettings::from_url(&pg.url)
        .expect("settings")
        .connect()
        .expect("connect")
}

#[test]
fn tampering_on_postgresql_is_refused_by_the_triggers_and_found_by_verify() {
    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    pg.import_records(&[record("SQ1"), record("SQ2"), record("SQ3")]);
    pg.ok(&["approve", "SQ2"]);
    let ok = pg.ok(&["audit", "verify"]);
    assert!(ok.contains("intact: 4 entries"), "{ok}");
    let mut db = superuser(&pg);
    for sql in [
        "UPDATE audit SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit WHERE seq = 2",
        "TRUNCATE audit",
        "TRUNCATE events",
    ] {
        let err = db.batch_execute(sql).expect_err(sql);
        let text = err
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(text.contains("append-only"), "{sql}: {text}");
    }
    // The owner can switch the triggers off: what they then change, verify names.
    db.batch_execute(
        "ALTER TABLE audit DISABLE TRIGGER audit_append_only;
         UPDATE audit SET actor = 'mallory' WHERE seq = 2;
         ALTER TABLE audit ENABLE TRIGGER audit_append_only;",
    )
    .expect("tamper");
    let err = pg.fails(&["audit", "verify"]);
    assert!(
        err.contains("broken at entry 2") && err.contains("edited"),
        "{err}"
    );
}

#[test]
fn a_removed_entry_on_postgresql_breaks_the_chain() {
    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    pg.import_records(&[record("SQ1"), record("SQ2"), record("SQ3")]);
    superuser(&pg)
        .batch_execute(
            "ALTER TABLE audit DISABLE TRIGGER audit_append_only;
             DELETE FROM audit WHERE seq = 2;
             ALTER TABLE audit ENABLE TRIGGER audit_append_only;",
        )
        .expect("tamper");
    let err = pg.fails(&["audit", "verify"]);
    assert!(
        err.contains("broken at entry 3") && err.contains("removed or inserted"),
        "{err}"
    );
}

/// Six `shenhe init` on one new database at once: the schema is made once (the migration
/// takes its own advisory lock), and every one of them succeeds.
#[test]
fn inits_on_one_new_postgresql_database_at_once_all_succeed() {
    let Some(pg) = PgEnv::new() else { return };
    let children: Vec<_> = (0..6)
        .map(|_| {
            pg.env
                .command()
                .env("SHENHE_DB", &pg.url)
                .env_remove("SHENHE_NOW")
                .args(["init"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let version: String = superuser(&pg)
        .query_one("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .expect("meta")
        .get(0);
    assert_eq!(version, shenhe_pg::SCHEMA_VERSION.to_string());
    let out = pg
        .env
        .command()
        .env("SHENHE_DB", &pg.url)
        .env_remove("SHENHE_NOW")
        .args(["list"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A NUL in applicant text (which TEXT columns cannot hold): imported, shown exactly from
/// the kept application, listed as ␀ as every display shows it.
#[test]
fn applicant_text_with_nul_is_kept_on_postgresql() {
    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    let hostile = with(
        record("SQ1"),
        &[
            ("/applicant/name", serde_json::json!("nul\u{0}byte 公司")),
            ("/applicant/contact", serde_json::json!("x\u{0}y")),
        ],
    );
    pg.import_records(&[hostile]);
    let shown: serde_json::Value =
        serde_json::from_str(&pg.ok(&["show", "SQ1", "--json"])).expect("json");
    assert_eq!(
        shown["application"]["applicant"]["name"],
        "nul\u{0}byte 公司"
    );
    let list = pg.ok(&["list"]);
    assert!(list.contains("nul␀byte"), "{list}");
    let found = pg.ok(&["list", "--search", "byte 公司", "--json"]);
    assert!(found.contains("SQ1"), "{found}");
}

/// `list --search` on PostgreSQL finds what it finds on SQLite (tests/shenhe/search.rs):
/// a two-character Chinese name, a longer one, an id by its start in either case, a
/// website's address in either case. A database of schema 5 (before the search's
/// indexes) gets them built from the rows already there when it is next opened.
#[test]
fn a_search_on_postgresql_finds_names_ids_and_addresses_through_its_indexes() {
    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    let names = [
        "上海华盛贸易有限公司",
        "北京锦聚科技",
        "黄山茶业",
        "Apple 商店",
        "西安华盛",
    ];
    let records: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            with(
                record(&format!("SQ{i}")),
                &[
                    ("/applicant/name", serde_json::json!(n)),
                    (
                        "/website/url",
                        serde_json::json!(format!("https://www.Site{i}-HuaSheng.cn")),
                    ),
                ],
            )
        })
        .collect();
    pg.import_records(&records);
    let found = |text: &str| -> Vec<String> {
        let list: serde_json::Value =
            serde_json::from_str(&pg.ok(&["list", "--search", text, "--json"])).expect("json");
        list["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect()
    };
    let expect = |when: &str| {
        assert_eq!(found("华盛"), ["SQ0", "SQ4"], "{when}");
        assert_eq!(found("华盛贸易"), ["SQ0"], "{when}");
        assert_eq!(found("锦"), ["SQ1"], "{when}");
        assert_eq!(found("sq3"), ["SQ3"], "{when}: an id, either case");
        assert_eq!(found("site2-hUASHENG"), ["SQ2"], "{when}: an address");
        assert_eq!(found("apple 商"), ["SQ3"], "{when}");
        assert_eq!(found("huasheng").len(), 5, "{when}: every address");
        assert!(found("hu").is_empty(), "{when}: two characters, names only");
    };
    expect("schema 6");
    // Back to schema 5, as a database from before the search's indexes is.
    superuser(&pg)
        .batch_execute(
            "DROP INDEX applications_search_name, applications_search_text, applications_id_lower;
             DROP FUNCTION shenhe_name_grams(text), shenhe_text_grams(text, text, text);
             UPDATE meta SET value = '5' WHERE key = 'schema_version';",
        )
        .expect("back to schema 5");
    expect("upgraded from schema 5");
    let indexes: i64 = superuser(&pg)
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE indexname IN
                ('applications_search_name', 'applications_search_text', 'applications_id_lower')",
            &[],
        )
        .expect("indexes")
        .get(0);
    assert_eq!(indexes, 3, "built again by the upgrade");
}
