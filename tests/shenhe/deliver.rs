//! `shenhe deliver`, the real binary against a real HTTP server on 127.0.0.1 written here
//! (test code may speak HTTP by hand; shenhe itself uses ureq). Signatures are checked
//! with an HMAC-SHA256 written below over the sha2 crate, not the hmac crate shenhe signs
//! with.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{Env, long_queue, stderr, stdout};

/// 32 bytes of key, as `whsec_` + base64.
const SECRET_KEY: &[u8; 32] = b"shenhe-deliver-test-key-32-bytes";
const BACKOFF_VARIABLE: &str = "SHENHE_TEST_DELIVERY_BACKOFF_MS";

fn secret_text() -> String {
    format!("whsec_{}", STANDARD.encode(SECRET_KEY))
}

// ---- HMAC-SHA256 (RFC 2104), by hand over sha2 ----

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[test]
fn the_tests_own_hmac_matches_rfc_4231() {
    // RFC 4231, test case 2.
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

// ---- a webhook endpoint ----

/// One request as the endpoint received it.
#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn id(&self) -> i64 {
        self.header("webhook-id")
            .expect("webhook-id")
            .parse()
            .expect("a numeric id")
    }

    /// The signature checks out, by the test's own HMAC, over id.timestamp.body.
    fn signed(&self) -> bool {
        let (Some(id), Some(ts), Some(sig)) = (
            self.header("webhook-id"),
            self.header("webhook-timestamp"),
            self.header("webhook-signature"),
        ) else {
            return false;
        };
        let mut signed = format!("{id}.{ts}.").into_bytes();
        signed.extend_from_slice(&self.body);
        let expected = format!("v1,{}", STANDARD.encode(hmac_sha256(SECRET_KEY, &signed)));
        sig.split(' ').any(|s| s == expected)
    }
}

enum Reply {
    Status(u16, &'static str),
    /// Close the connection without answering.
    Reset,
    Redirect(&'static str),
    /// This status with `Retry-After: seconds`.
    RetryAfter(u16, u32),
}

type Script = dyn Fn(usize, &Received) -> Reply + Send + Sync;

/// An HTTP/1.1 endpoint on 127.0.0.1 that records every request and answers each as its
/// script says (given the request's number, from 0). `delay` holds each answer back.
struct Hook {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    /// (webhook-id, status) of each answer, in the order they were given.
    answers: Arc<Mutex<Vec<(i64, u16)>>>,
}

impl Hook {
    fn start(
        delay: Duration,
        script: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static,
    ) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let log = Arc::clone(&received);
        let answered = Arc::clone(&answers);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = Arc::clone(&log);
                let answered = Arc::clone(&answered);
                let script = Arc::clone(&script);
                std::thread::spawn(move || serve(stream, &log, &answered, &*script, delay));
            }
        });
        Hook {
            url,
            received,
            answers,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    fn answers(&self) -> Vec<(i64, u16)> {
        self.answers.lock().expect("lock").clone()
    }

    fn ids(&self) -> Vec<i64> {
        self.received().iter().map(Received::id).collect()
    }

    fn wait_for(&self, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.received.lock().expect("lock").len() < count {
            assert!(
                Instant::now() < deadline,
                "the endpoint got {} requests, not {count}",
                self.received().len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn serve(
    stream: TcpStream,
    log: &Mutex<Vec<Received>>,
    answered: &Mutex<Vec<(i64, u16)>>,
    script: &Script,
    delay: Duration,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Received {
            at: Instant::now(),
            path,
            headers,
            body,
        };
        let n = {
            let mut log = log.lock().expect("lock");
            log.push(request.clone());
            log.len() - 1
        };
        std::thread::sleep(delay);
        let (status, extra, text) = match script(n, &request) {
            Reply::Reset => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
            Reply::Status(status, text) => (status, String::new(), text),
            Reply::Redirect(to) => (302, format!("Location: {to}\r\n"), ""),
            Reply::RetryAfter(status, seconds) => {
                (status, format!("Retry-After: {seconds}\r\n"), "later")
            }
        };
        let id = request
            .header("webhook-id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        answered.lock().expect("lock").push((id, status));
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n{extra}\r\n{text}",
            text.len()
        );
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

// ---- helpers ----

/// A test database (the backoff override needs one) with `count` events, and a secret file.
fn setup(count: usize) -> Env {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(&long_queue(count));
    write_secret(&env, "secret", &secret_text(), 0o600);
    env
}

fn write_secret(env: &Env, name: &str, text: &str, mode: u32) -> String {
    let path = env.path(name);
    std::fs::write(&path, text).expect("write secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    #[cfg(not(unix))]
    let _ = mode;
    path.to_str().expect("utf-8").to_string()
}

fn deliver_command(env: &Env, url: &str, once: bool) -> std::process::Command {
    let mut cmd = env.command();
    cmd.env(BACKOFF_VARIABLE, "2").args([
        "deliver",
        "--url",
        url,
        "--secret-file",
        env.path("secret").to_str().expect("utf-8"),
    ]);
    if once {
        cmd.arg("--once");
    }
    cmd
}

fn deliver_once(env: &Env, url: &str) -> std::process::Output {
    deliver_command(env, url, true).output().expect("run")
}

fn status_json(env: &Env, url: &str) -> Value {
    env.json(&["deliver", "--status", "--url", url, "--json"])["endpoints"][0].clone()
}

/// The lines `shenhe events` prints: what each request's body must be, byte for byte.
fn event_lines(env: &Env) -> Vec<String> {
    env.ok(&["events"]).lines().map(str::to_string).collect()
}

fn assert_secret_hidden(text: &str) {
    let secret = secret_text();
    assert!(!text.contains(&secret[6..]), "the secret shows: {text}");
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the deliverer did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---- the tests ----

#[test]
fn events_arrive_in_order_signed_with_an_id_that_stays_the_same_across_retries() {
    let env = setup(4);
    // Two 500s and a dropped connection, then everything is accepted.
    let hook = Hook::start(Duration::ZERO, |n, _| match n {
        0 | 1 => Reply::Status(500, "busy"),
        2 => Reply::Reset,
        _ => Reply::Status(204, ""),
    });
    let out = deliver_once(&env, &hook.url);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("delivered 4 events") && stdout(&out).contains("3 retries"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("HTTP 500; retry 1"),
        "{}",
        stderr(&out)
    );

    let received = hook.received();
    assert_eq!(
        hook.ids(),
        [1, 1, 1, 1, 2, 3, 4],
        "in order; the id kept on retries"
    );
    let lines = event_lines(&env);
    assert_eq!(lines.len(), 4);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    for r in &received {
        assert!(r.signed(), "a valid signature: {r:?}");
        assert_eq!(r.path, "/hook");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let ts: i64 = r
            .header("webhook-timestamp")
            .expect("ts")
            .parse()
            .expect("seconds");
        assert!((now - ts).abs() < 300, "a fresh Unix time: {ts}");
        let line = &lines[(r.id() - 1) as usize];
        assert_eq!(
            std::str::from_utf8(&r.body).expect("utf-8"),
            line,
            "the events line"
        );
        let event: Value = serde_json::from_slice(&r.body).expect("JSON");
        assert_eq!(event["id"], r.id());
    }
    // A tampered body does not verify: the check above can fail.
    let mut tampered = received[4].clone();
    tampered.body.push(b' ');
    assert!(!tampered.signed());

    let status = status_json(&env, &hook.url);
    assert_eq!(status["position"], 4);
    assert_eq!(status["pending"], 0);
    assert_eq!(status["failing"], false);
    assert_eq!(status["attempts"], 0);
    let text = env.ok(&["deliver", "--status"]);
    assert!(
        text.contains("position  4 (last event done with), 0 pending"),
        "{text}"
    );
    assert!(text.contains("state     healthy"), "{text}");

    // Nothing pending: a second run sends nothing.
    let again = deliver_once(&env, &hook.url);
    assert!(again.status.success());
    assert_eq!(hook.received().len(), received.len());
}

#[test]
fn a_refused_event_is_kept_for_a_person_and_the_later_ones_still_go() {
    let env = setup(4);
    let hook = Hook::start(Duration::ZERO, |_, r| match r.id() {
        2 => Reply::Status(400, "unknown merchant \u{1b}[31mRED"),
        3 => Reply::Redirect("http://127.0.0.1:9/elsewhere"),
        _ => Reply::Status(200, "ok"),
    });
    let out = deliver_once(&env, &hook.url);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("event 2 refused with HTTP 400"), "{err}");
    assert!(err.contains("2 events were refused"), "{err}");
    assert!(!err.contains('\u{1b}'), "display-safe: {err:?}");
    // Each event once: neither refusal is retried, the redirect is not followed.
    assert_eq!(hook.ids(), [1, 2, 3, 4]);
    assert!(hook.received().iter().all(|r| r.path == "/hook"));

    let status = status_json(&env, &hook.url);
    assert_eq!(status["position"], 4);
    assert_eq!(status["failed"], 2);
    assert_eq!(status["failing"], true);
    let failures = status["failures"].as_array().expect("failures");
    assert_eq!(failures[0]["event_id"], 3);
    assert_eq!(failures[0]["status"], 302);
    assert!(
        failures[0]["body"]
            .as_str()
            .expect("body")
            .contains("redirect to http://127.0.0.1:9/elsewhere"),
        "{failures:?}"
    );
    assert_eq!(failures[1]["event_id"], 2);
    assert_eq!(failures[1]["status"], 400);
    let text = env.ok(&["deliver", "--status", "--url", &hook.url]);
    assert!(text.contains("failed    2 events refused"), "{text}");
    assert!(text.contains("event 2  HTTP 400"), "{text}");
    assert!(text.contains("unknown merchant"), "{text}");
    assert!(!text.contains('\u{1b}'), "display-safe: {text:?}");

    // Read by a person: forgotten, and the endpoint is no longer failing.
    let cleared = env.ok(&["deliver", "--url", &hook.url, "--clear-failures"]);
    assert!(cleared.contains("cleared 2 refused events"), "{cleared}");
    let status = status_json(&env, &hook.url);
    assert_eq!(
        (status["failed"].clone(), status["failing"].clone()),
        (0.into(), false.into())
    );
    assert_eq!(status["position"], 4, "the position stays");
}

#[test]
fn the_first_bytes_of_a_refusal_are_kept_and_no_more() {
    let env = setup(1);
    const LONG: &str = "这是一个很长的错误说明。这是一个很长的错误说明。这是一个很长的错误说明。这是一个很长的错误说明。这是一个很长的错误说明。这是一个很长的错误说明。这是一个很长的错误说明。";
    let hook = Hook::start(Duration::ZERO, |_, _| Reply::Status(422, LONG));
    let out = deliver_once(&env, &hook.url);
    assert_eq!(out.status.code(), Some(1));
    let body = status_json(&env, &hook.url)["failures"][0]["body"]
        .as_str()
        .expect("body")
        .to_string();
    // 200 bytes: 66 characters of three bytes and a cut one, replaced.
    assert!(LONG.len() > 200);
    assert!(body.starts_with(&LONG[..198]), "{body}");
    assert!(body.len() <= 200 + 3, "{} bytes", body.len());
}

#[test]
fn an_endpoint_that_keeps_failing_is_given_up_by_once_and_shown_failing() {
    let env = setup(2);
    let hook = Hook::start(Duration::ZERO, |_, _| Reply::Status(503, "down"));
    let out = deliver_once(&env, &hook.url);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("still failing after 8 attempts at event 1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(hook.ids(), [1; 8], "only the first event, again and again");
    let status = status_json(&env, &hook.url);
    assert_eq!(status["position"], 0, "nothing given up for good");
    assert_eq!(status["pending"], 2);
    assert_eq!(status["attempts"], 8);
    assert_eq!(status["failing"], true);
    assert_eq!(status["last_error"], "HTTP 503");
    assert!(status["failing_since"].is_string());
    let text = env.ok(&["deliver", "--status"]);
    assert!(text.contains("FAILING since"), "{text}");
    assert!(text.contains("8 attempts, last error: HTTP 503"), "{text}");
}

#[test]
fn a_deliverer_killed_mid_stream_resumes_and_every_event_arrives_in_order() {
    const EVENTS: usize = 30;
    // The ninth request is held until the deliverer has been killed, then answered 503:
    // that event was never accepted, and the restart must send it again.
    const HELD: usize = 8;
    let env = setup(EVENTS);
    let killed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&killed);
    let hook = Hook::start(Duration::from_millis(5), move |n, _| {
        if n == HELD {
            while !flag.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            return Reply::Status(503, "too late");
        }
        Reply::Status(200, "")
    });
    let mut child = deliver_command(&env, &hook.url, false)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    hook.wait_for(HELD + 1, Duration::from_secs(30));
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    killed.store(true, Ordering::SeqCst);
    let before = hook.ids();
    assert_eq!(
        before.len(),
        HELD + 1,
        "nothing after the request in flight"
    );
    let in_flight = before[HELD];
    assert_eq!(
        status_json(&env, &hook.url)["position"],
        in_flight - 1,
        "the event in flight is not done with"
    );

    let out = deliver_once(&env, &hook.url);
    assert!(out.status.success(), "{}", stderr(&out));
    let all: Vec<i64> = (1..=EVENTS as i64).collect();
    // What the endpoint accepted (answered 2xx): every event, in order, at most one twice.
    let accepted: Vec<i64> = hook
        .answers()
        .into_iter()
        .filter(|(_, status)| (200..300).contains(status))
        .map(|(id, _)| id)
        .collect();
    let mut unique = accepted.clone();
    unique.dedup();
    assert_eq!(unique, all, "every event accepted, in order: {accepted:?}");
    assert!(accepted.len() - unique.len() <= 1, "{accepted:?}");
    // What it received: in order, and only the one in flight sent twice.
    let ids = hook.ids();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "in order: {ids:?}");
    assert_eq!(ids.len(), EVENTS + 1, "{ids:?}");
    assert_eq!(ids[HELD..HELD + 2], [in_flight, in_flight]);
    assert!(hook.received().iter().all(Received::signed));
    assert_eq!(status_json(&env, &hook.url)["position"], EVENTS);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_a_running_deliverer_cleanly_and_it_goes_on_from_there() {
    let env = setup(3);
    let hook = Hook::start(Duration::ZERO, |_, _| Reply::Status(202, ""));
    let mut child = deliver_command(&env, &hook.url, false)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    hook.wait_for(3, Duration::from_secs(30));
    // SAFETY: a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    assert!(out.contains("delivered 3 events"), "{out}");
    assert_eq!(status_json(&env, &hook.url)["position"], 3);

    // New events later: only they are sent.
    env.ok(&["approve", "M000"]);
    let again = deliver_once(&env, &hook.url);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(hook.ids(), [1, 2, 3, 4]);
}

#[test]
fn bad_secret_files_and_urls_are_refused_and_the_secret_never_shows() {
    let env = setup(1);
    let hook = Hook::start(Duration::ZERO, |_, _| Reply::Status(200, ""));
    let secret = env.path("secret").to_str().expect("utf-8").to_string();
    let cases: Vec<(String, &str)> = vec![
        (
            env.path("missing").to_str().expect("utf-8").into(),
            "cannot read the secret file",
        ),
        (write_secret(&env, "empty", "\n", 0o600), "is empty"),
        (
            write_secret(&env, "raw", &STANDARD.encode(SECRET_KEY), 0o600),
            "does not hold a `whsec_` secret",
        ),
        (
            write_secret(&env, "garbled", "whsec_!!!not-base64!!!", 0o600),
            "not valid base64",
        ),
        (
            write_secret(&env, "short", "whsec_c2hvcnQ=", 0o600),
            "at least 24",
        ),
        #[cfg(unix)]
        (
            write_secret(&env, "open", &secret_text(), 0o644),
            "accessible by group or others (mode 0644)",
        ),
    ];
    for (file, why) in &cases {
        let err = env.fails(&[
            "deliver",
            "--url",
            &hook.url,
            "--secret-file",
            file,
            "--once",
        ]);
        assert!(err.contains(why), "{file}: {err}");
        assert_secret_hidden(&err);
    }
    for (url, why) in [
        ("ftp://127.0.0.1/hook", "only http and https"),
        ("127.0.0.1/hook", "not an absolute URL"),
    ] {
        let err = env.fails(&["deliver", "--url", url, "--secret-file", &secret, "--once"]);
        assert!(err.contains(why), "{url}: {err}");
    }
    let err = env.fails(&["deliver", "--url", &hook.url]);
    assert!(err.contains("--secret-file"), "{err}");
    assert!(hook.received().is_empty(), "nothing sent by a refused run");

    // A good run says nothing of the secret either.
    let out = deliver_once(&env, &hook.url);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_secret_hidden(&stdout(&out));
    assert_secret_hidden(&stderr(&out));
    assert_secret_hidden(&env.ok(&["deliver", "--status"]));
    assert_secret_hidden(&serde_json::to_string(&status_json(&env, &hook.url)).expect("json"));
    let db = std::fs::read(env.db()).expect("database");
    assert!(
        !db.windows(20)
            .any(|w| w == &secret_text().as_bytes()[6..26]),
        "the database keeps no secret"
    );
}

#[test]
fn the_test_backoff_is_refused_on_a_real_database() {
    let env = Env::real();
    env.ok(&["init"]);
    write_secret(&env, "secret", &secret_text(), 0o600);
    let out = deliver_command(&env, "http://127.0.0.1:9/hook", true)
        .output()
        .expect("run");
    crate::common::assert_user_error(&out, &["deliver"]);
    assert!(
        stderr(&out).contains(
            "SHENHE_TEST_DELIVERY_BACKOFF_MS is honoured only on databases made for tests"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_console_header_marks_a_failing_delivery_until_it_is_healthy() {
    use crate::console::{Harness, queue_records};
    use shenhe::present::Lang;

    let mut h = Harness::new(&queue_records(), Lang::Zh, 80, 24);
    let header = |h: &mut Harness| h.screen()[0].clone();
    assert!(!header(&mut h).contains("推送失败"), "{}", header(&mut h));
    write_secret(&h.env, "secret", &secret_text(), 0o600);
    let hook = Hook::start(Duration::ZERO, |_, _| Reply::Status(410, "gone"));
    // The real deliverer, on the console's database, while the console runs.
    let out = h
        .env
        .command()
        .args(["deliver", "--once", "--url", &hook.url, "--secret-file"])
        .arg(h.env.path("secret"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The worker notices another process's write and asks for the counts again.
    h.poll();
    let screen = h.text();
    assert!(
        screen.lines().next().expect("header").contains("推送失败"),
        "{screen}"
    );
    insta::assert_snapshot!("zh_80x24_queue_delivery_failing", screen);

    let mut en = Harness::new(&queue_records(), Lang::En, 160, 45);
    en.app.delivery = shenhe::review::DeliveryHealth {
        retrying: 1,
        failed: 0,
    };
    assert!(
        header(&mut en).contains("webhook failing"),
        "{}",
        header(&mut en)
    );
    en.app.delivery = Default::default();
    assert!(!header(&mut en).contains("webhook failing"));
}

#[cfg(unix)]
#[test]
fn retry_after_is_honoured_and_a_silent_endpoint_times_out_after_ten_seconds() {
    let env = setup(2);
    // 429 asking for a second: the test backoff alone would come back within milliseconds.
    let hook = Hook::start(Duration::ZERO, |n, _| match n {
        0 => Reply::RetryAfter(429, 1),
        _ => Reply::Status(200, ""),
    });
    let out = deliver_once(&env, &hook.url);
    assert!(out.status.success(), "{}", stderr(&out));
    let received = hook.received();
    assert_eq!(hook.ids(), [1, 1, 2]);
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");

    // An endpoint that never answers: the request gives up after 10 s and is retried.
    let silent = Hook::start(Duration::from_secs(60), |_, _| Reply::Status(200, ""));
    let started = Instant::now();
    let mut child = deliver_command(&env, &silent.url, false)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        let status = status_json(&env, &silent.url);
        if status["attempts"].as_u64().unwrap_or(0) >= 1 {
            break status;
        }
        assert!(Instant::now() < deadline, "no timeout recorded: {status}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(30),
        "timed out after {took:?}"
    );
    assert!(
        status["last_error"]
            .as_str()
            .expect("error")
            .contains("timeout"),
        "{status}"
    );
    assert_eq!(status["position"], 0);
    // SAFETY: a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let exit = wait_exit(&mut child, Duration::from_secs(15));
    assert!(exit.success(), "{exit:?}");
}
