//! Deliver: how many events a second `shenhe deliver --once` pushes to a local endpoint.
//!
//! ```sh
//! cargo bench --bench deliver                          # 10,000 events
//! cargo bench --bench deliver -- --count 50000 --delay-ms 1
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. It builds a database
//! the way a reviewer would (`shenhe generate --count N`, then `shenhe import`: one
//! `application.received` event each), starts an HTTP/1.1 endpoint on 127.0.0.1 in this
//! process that accepts every request with 204 (keep-alive; `--delay-ms` holds each answer
//! back, as a real consumer's work would), and times the release binary's
//! `shenhe deliver --once` from start to exit: every event signed, sent, answered, and its
//! position written to the database before the next one, as in production. It checks that
//! the endpoint received every event, once, in order.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use support::{build, load, place, shenhe};

struct Options {
    count: u64,
    delay: Duration,
}

fn options() -> Options {
    let mut o = Options {
        count: 10_000,
        delay: Duration::ZERO,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => o.count = value().parse().expect("--count N"),
            "--delay-ms" => {
                o.delay = Duration::from_millis(value().parse().expect("--delay-ms MS"))
            }
            // `cargo bench` passes --bench to every benchmark.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// Requests received, and the last webhook-id seen, to check order.
#[derive(Default)]
struct Seen {
    requests: AtomicU64,
    last_id: AtomicU64,
    out_of_order: AtomicU64,
}

fn serve(stream: TcpStream, seen: &Seen, delay: Duration) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        let mut id = 0u64;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let h = line.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("webhook-id") {
                    id = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        seen.requests.fetch_add(1, Ordering::Relaxed);
        if seen.last_id.swap(id, Ordering::Relaxed) + 1 != id {
            seen.out_of_order.fetch_add(1, Ordering::Relaxed);
        }
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        if stream
            .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

fn main() {
    let o = options();
    println!(
        "deliver: {} events, endpoint delay {:?}; {}",
        o.count,
        o.delay,
        load()
    );
    let (db, _dir) = place(None, false);
    let built = build(&db, o.count);
    println!(
        "  database built: generate {:.1} s, import {:.1} s",
        built.generate.as_secs_f64(),
        built.import.as_secs_f64()
    );

    let secret = db.with_file_name("hook.secret");
    // 32 bytes of key: "shenhe-deliver-bench-key-32bytes" in base64.
    std::fs::write(
        &secret,
        "whsec_c2hlbmhlLWRlbGl2ZXItYmVuY2gta2V5LTMyYnl0ZXM=\n",
    )
    .expect("write the secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600))
            .expect("chmod 600");
    }

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let seen = Arc::new(Seen::default());
    {
        let seen = Arc::clone(&seen);
        let delay = o.delay;
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || serve(stream, &seen, delay));
            }
        });
    }

    let started = Instant::now();
    let out = shenhe()
        .arg("--db")
        .arg(&db)
        .args(["deliver", "--once", "--url", &url, "--secret-file"])
        .arg(&secret)
        .output()
        .expect("run shenhe deliver");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "shenhe deliver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = seen.requests.load(Ordering::Relaxed);
    let out_of_order = seen.out_of_order.load(Ordering::Relaxed);
    println!("  {}", String::from_utf8_lossy(&out.stdout).trim());
    println!(
        "  {requests} requests in {:.2} s: {:.0} events/s, {:.3} ms an event (process start to exit)",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / requests.max(1) as f64
    );
    println!(
        "  out of order: {out_of_order}; missing or repeated: {}",
        o.count.abs_diff(requests)
    );
    assert_eq!(requests, o.count, "every event once");
    assert_eq!(out_of_order, 0, "in order");
}
