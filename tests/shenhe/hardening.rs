//! What an attacker and a faulty machine found (issue 12): an import that keeps others
//! waiting while it reads, an input without end, an array held whole in memory.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

fn ndjson(records: &[serde_json::Value]) -> Vec<u8> {
    records
        .iter()
        .map(|r| format!("{r}\n"))
        .collect::<String>()
        .into_bytes()
}

/// `shenhe import -` started, reading a pipe the test writes.
fn import_from_pipe(env: &Env) -> std::process::Child {
    env.command()
        .args(["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn import")
}

#[test]
fn an_import_reading_a_slow_pipe_keeps_no_one_waiting() {
    let env = Env::new();
    env.import_records(&[record("SQ1"), record("SQ2")]);
    let mut import = import_from_pipe(&env);
    let mut stdin = import.stdin.take().expect("stdin");
    // More than a batch of good records has come, and more is still to come: a decision
    // made now must not wait for the import (it would fail after 10 s if the import held
    // the write lock while reading).
    let first: Vec<_> = (0..700).map(|i| record(&format!("P{i}"))).collect();
    stdin.write_all(&ndjson(&first)).expect("write");
    stdin.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let out = env
        .command()
        .args(["approve", "SQ1"])
        .env("SHENHE_BUSY_STATS", "1")
        .output()
        .expect("approve");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("busy retries: 0"),
        "the decision waited: {}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let rest: Vec<_> = (700..800).map(|i| record(&format!("P{i}"))).collect();
    stdin.write_all(&ndjson(&rest)).expect("write");
    drop(stdin);
    let out = import.wait_with_output().expect("import");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 800 new"),
        "{}",
        stdout(&out)
    );
    assert_eq!(env.state_of("SQ1"), "pending_integration");
}

#[test]
fn an_input_without_end_is_stopped_at_the_file_limit() {
    let env = Env::new();
    let out = env
        .command()
        .args(["import", "/dev/zero"])
        .output()
        .expect("import /dev/zero");
    assert_user_error(&out, &["import", "/dev/zero"]);
    assert!(
        stderr(&out).contains("larger than the limit of 4 GiB"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}

/// Runs `shenhe import -` on what `input` makes and returns its output and peak resident
/// memory (KiB), read from /proc as it runs: the kernel's high-water mark starts again at
/// exec, so what the test process holds (a fork shares it) is not counted.
#[cfg(target_os = "linux")]
fn import_measured(
    env: &Env,
    input: impl FnOnce() -> Vec<u8> + Send + 'static,
) -> (std::process::Output, i64) {
    let mut child = import_from_pipe(env);
    let status_file = format!("/proc/{}/status", child.id());
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input());
    });
    let watcher = std::thread::spawn(move || {
        let mut peak = 0i64;
        // Until the process is gone (or a zombie, whose status has no VmHWM line).
        while let Ok(status) = std::fs::read_to_string(&status_file) {
            let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            else {
                break;
            };
            peak = peak.max(kib);
            std::thread::sleep(Duration::from_millis(5));
        }
        peak
    });
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    (output, watcher.join().expect("watcher"))
}

#[cfg(target_os = "linux")]
#[test]
fn a_json_array_is_read_one_record_at_a_time() {
    let env = Env::new();
    // 100 MB in one array: a record padded far past the limit, then good ones.
    let (out, peak_kib) = import_measured(&env, || {
        let mut input = b"[{\"id\": \"PAD\", \"pad\": \"".to_vec();
        input.resize(input.len() + 100_000_000, b'x');
        input.extend_from_slice(b"\"},\n");
        let good: Vec<String> = (0..3)
            .map(|i| record(&format!("A{i}")).to_string())
            .collect();
        input.extend_from_slice(good.join(",\n").as_bytes());
        input.extend_from_slice(b"]");
        input
    });
    assert_user_error(&out, &["import"]);
    assert!(
        stderr(&out).contains("record 0: the record is longer than the limit of 64 KiB"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 bad record"),
        "the good ones are read too: {}",
        stderr(&out)
    );
    // The array is 100 MB; a reader that held it would need at least that.
    assert!(
        (1024..50 * 1024).contains(&peak_kib),
        "peak memory {peak_kib} KiB (0: never seen running)"
    );

    let records: Vec<String> = (0..3)
        .map(|i| record(&format!("A{i}")).to_string())
        .collect();
    let array = format!("[\n{}\n]", records.join(" ,\n"));
    let (out, _) = import_measured(&env, move || array.into_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("imported 3 new"));
}

#[test]
fn a_json_array_that_is_broken_between_records_says_where() {
    let env = Env::new();
    let one = record("A1").to_string();
    for (input, said) in [
        (
            format!("[{one}\n{one}]"),
            "a , is missing between two records at line 2",
        ),
        (
            format!("[{one},\n,{one}]"),
            "an element is missing at line 2",
        ),
        (
            format!("[{one}] trailing"),
            "something follows its closing ]",
        ),
        (format!("[{one},\n{one}"), "it ends before its closing ]"),
        ("[".to_string(), "it ends before its closing ]"),
    ] {
        let file = env.path("broken.json");
        std::fs::write(&file, &input).expect("write");
        let err = env.fails(&["import", file.to_str().expect("utf-8")]);
        assert!(err.contains(said), "{said}: {err}");
        assert_eq!(count_rows(&env.db(), "applications"), 0);
    }
}

#[test]
fn a_foreign_sqlite_file_is_refused_before_anything_in_it_changes() {
    let env = Env::real();
    let foreign = env.path("invoices.db");
    {
        let conn = rusqlite::Connection::open(&foreign).expect("open");
        conn.execute_batch(
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (7);",
        )
        .expect("a foreign database");
    }
    let before = std::fs::read(&foreign).expect("read");
    let err = env.fails(&["--db", foreign.to_str().expect("utf-8"), "list"]);
    assert!(
        err.contains("an SQLite database, but not a shenhe one"),
        "{err}"
    );
    assert!(
        std::fs::read(&foreign).expect("read") == before,
        "the file changed (its journal mode?)"
    );
    assert!(!env.path("invoices.db-wal").exists());
}

#[cfg(unix)]
#[test]
fn init_on_an_empty_file_gives_it_the_mode_of_a_new_database() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::real();
    let db = env.path("team.db");
    std::fs::write(&db, b"").expect("touch");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    env.ok(&["--db", db.to_str().expect("utf-8"), "init"]);
    let mode = std::fs::metadata(&db).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o660, "{mode:o}");
}

#[test]
fn a_decision_from_the_command_line_on_an_application_open_elsewhere_warns_and_is_recorded() {
    let env = Env::new();
    env.import_records(&[record("SQ1"), record("SQ2")]);
    let mut lina = review_as(&env, "lina");
    assert!(lina.claim("SQ1").expect("claim").is_none());
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "bob")
        .args(["approve", "SQ1"])
        .output()
        .expect("approve");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: lina had SQ1 open in their console"),
        "{}",
        stderr(&out)
    );
    let history = env.json(&["history", "SQ1", "--json"]);
    let actions: Vec<&str> = history
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, ["submit", "approve", "claim_override"]);
    assert!(
        history[2]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("claimed by lina"))
    );
    // Not claimed: no warning, no entry; and a refused decision records nothing either.
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "bob")
        .args(["approve", "SQ2"])
        .output()
        .expect("approve");
    assert!(
        out.status.success() && !stderr(&out).contains("warning"),
        "{}",
        stderr(&out)
    );
    assert!(lina.claim("SQ2").expect("claim").is_none());
    env.fails(&["expire", "SQ2"]);
    assert_eq!(
        env.json(&["history", "SQ2", "--json"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn an_offset_past_the_end_is_an_empty_page_however_large() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    for offset in [
        "1",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
    ] {
        let page = env.json(&["list", "--json", "--offset", offset]);
        assert_eq!(
            page["rows"].as_array().map(Vec::len),
            Some(0),
            "--offset {offset}: {page}"
        );
    }
}

#[test]
fn a_relative_xdg_data_home_is_ignored() {
    let env = Env::real();
    let home = env.path("home");
    std::fs::create_dir(&home).expect("mkdir");
    let out = env
        .command()
        .env_remove("SHENHE_DB")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", "relative/data")
        .current_dir(env.dir.path())
        .args(["init"])
        .output()
        .expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(home.join(".local/share/shenhe/shenhe.db").is_file());
    assert!(!env.path("relative").exists());
}

/// A copy of a database on storage this account cannot write: made read-only by mode, and
/// the commands run as `nobody` when the tests run as root (root writes whatever the mode).
#[cfg(target_os = "linux")]
#[test]
fn a_read_only_copy_can_be_listed_shown_and_verified_but_not_written() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.import_records(&[record("SQ1"), record("SQ2")]);
    env.ok(&["approve", "SQ1"]);
    let shelf = env.path("shelf");
    std::fs::create_dir(&shelf).expect("mkdir");
    let copy = shelf.join("backup.db");
    std::fs::copy(env.db(), &copy).expect("copy");
    assert!(
        !env.path("shenhe.db-wal").exists(),
        "the WAL was checkpointed into the file"
    );
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let before = std::fs::read(&copy).expect("read");
    let as_reader = |args: &[&str]| {
        let mut cmd = if unsafe { libc::geteuid() } == 0 {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_shenhe"));
            c
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_shenhe"))
        };
        cmd.env("SHENHE_NOW", NOW)
            .env_remove("SHENHE_DATA")
            .env_remove("SHENHE_REVIEWER")
            .arg("--db")
            .arg(&copy)
            .args(args)
            .output()
            .expect("run")
    };
    for args in [
        &["list", "--json"][..],
        &["show", "SQ1", "--json"],
        &["history", "SQ1"],
        &["events"],
        &["audit", "verify"],
    ] {
        let out = as_reader(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    assert!(stdout(&as_reader(&["list", "--json"])).contains("SQ2"));
    let out = as_reader(&["approve", "SQ2"]);
    assert_user_error(&out, &["approve"]);
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
    assert!(
        std::fs::read(&copy).expect("read") == before,
        "the copy changed"
    );
    std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
}

/// A small filesystem of its own, unmounted when dropped.
#[cfg(target_os = "linux")]
struct SmallDisk(std::path::PathBuf);

#[cfg(target_os = "linux")]
impl SmallDisk {
    /// Needs root (mount); None where the tests cannot mount.
    fn mount(at: std::path::PathBuf, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(&at).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk(at))
    }
}

#[cfg(target_os = "linux")]
impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_said_as_such_and_nothing_is_half_written() {
    let env = Env::new();
    let Some(disk) = SmallDisk::mount(env.path("small"), "400k") else {
        eprintln!("a_full_disk…: cannot mount a small filesystem here (not root?); not tested");
        return;
    };
    let db = disk.0.join("team.db");
    let db_arg = db.to_str().expect("utf-8");
    env.ok(&["--db", db_arg, "init", "--allow-reviewer-override"]);
    env.ok(&[
        "--db",
        db_arg,
        "import",
        write_records(&env, "few", 3).as_str(),
    ]);
    let err = env.fails(&[
        "--db",
        db_arg,
        "import",
        write_records(&env, "many", 2000).as_str(),
    ]);
    assert!(
        err.contains("the disk holding the database is full"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        err.contains(&format!("hint: the database is {db_arg}")),
        "{err}"
    );
    let listed = env.json(&["--db", db_arg, "list", "--json"]);
    assert_eq!(listed["total"], 3, "all or nothing: {listed}");
    assert!(
        env.ok(&["--db", db_arg, "audit", "verify"])
            .contains("intact")
    );
}

#[cfg(target_os = "linux")]
fn write_records(env: &Env, name: &str, count: usize) -> String {
    let file = env.path(&format!("{name}.ndjson"));
    let records: Vec<_> = (0..count).map(|i| record(&format!("{name}{i}"))).collect();
    write_ndjson(&file, &records);
    file.to_str().expect("utf-8").to_string()
}

#[test]
fn a_piped_import_that_cannot_be_kept_in_the_temporary_directory_says_why() {
    let env = Env::new();
    let missing = env.path("no-such-tmp");
    let mut child = env
        .command()
        .env("TMPDIR", &missing)
        .args(["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn import");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&ndjson(&[record("SQ1")])).expect("write");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert_user_error(&out, &["import", "-"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "cannot keep standard input in {}",
            missing.display()
        )) && err.contains("No such file or directory"),
        "{err}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}
