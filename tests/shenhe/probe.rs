//! The site probe against a real HTTP server on loopback serving fixture pages: a built
//! site, a mismatched ICP number, a parked domain, nginx's default page, 网站建设中, a
//! redirect chain ending on a Taobao shop, a 500, a server that never answers, a 50 MiB
//! body, and redirects to addresses the probe must refuse.
//!
//! The server listens on 127.0.0.2 (all of 127/8 is loopback on Linux); the probe is
//! told to allow that one address, so that its rule still refuses every other private
//! address, 127.0.0.1 included, the way it does for a real site.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use shenhe_probe::{Declared, Options, Probe, probe};

const BUILT: &str = "<!DOCTYPE html><html><head><meta charset=utf-8><title>示例商城</title></head>\
<body><h1>欢迎光临</h1><p>手机、电脑配件</p><footer>©2026 示例科技有限公司 \
<a href=\"https://beian.miit.gov.cn/\">京ICP备12345678号-1</a></footer></body></html>";

/// A fixture's status, headers and body.
type Fixture = (u16, Vec<(&'static str, String)>, String);

fn page(path: &str, port: u16) -> Option<Fixture> {
    let html = |s: &str| {
        Some((
            200,
            vec![("Content-Type", "text/html; charset=utf-8".to_string())],
            s.to_string(),
        ))
    };
    let redirect = |to: String| Some((302, vec![("Location", to)], String::new()));
    match path {
        "/built" => html(BUILT),
        "/mismatch" => html(&BUILT.replace("京ICP备12345678号-1", "京ICP备87654321号")),
        "/parked" => html(
            "<html><head><title>example.cn</title></head><body><h1>This domain is for sale!</h1>\
             <p>此域名出售，请联系</p></body></html>",
        ),
        "/nginx" => html(
            "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>\
             <h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is \
             successfully installed and working.</p></body></html>",
        ),
        "/building" => {
            html("<html><head><title>首页</title></head><body><h1>网站建设中……</h1></body></html>")
        }
        "/r1" => redirect("/r2".into()),
        "/r2" => redirect(format!("http://127.0.0.2:{port}/r3")),
        "/r3" => redirect("https://shop123456.taobao.com/".into()),
        "/error" => Some((500, vec![], "<h1>Internal Server Error</h1>".into())),
        "/to-loopback" => redirect(format!("http://127.0.0.1:{port}/built")),
        "/to-metadata" => redirect("http://169.254.169.254/latest/meta-data/".into()),
        "/to-file" => redirect("file:///etc/passwd".into()),
        "/loop" => redirect("/loop".into()),
        _ => None,
    }
}

fn answer(stream: TcpStream, port: u16) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let mut stream = stream;
    match path.as_str() {
        "/slow" => {
            // Headers, then a body that never comes: the probe's own deadline must end it.
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<html>");
            std::thread::sleep(Duration::from_secs(30));
        }
        "/huge" => {
            let size = 50u64 << 20;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {size}\r\n\r\n"
            );
            let chunk = vec![b'a'; 64 << 10];
            for _ in 0..(size / chunk.len() as u64) {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        _ => {
            let (status, headers, body) =
                page(&path, port).unwrap_or((404, vec![], "not found".into()));
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            let _ = stream.write_all(out.as_bytes());
        }
    }
}

/// The fixture server, started once for every test of this module.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || answer(stream, addr.port()));
            }
        });
        addr
    })
}

fn options() -> Options {
    Options {
        also_allow: vec![IpAddr::from([127, 0, 0, 2])],
        // The policy's own ports, and the fixture server's.
        ports: vec![80, 443, server().port()],
        ..Options::default()
    }
}

fn run(path: &str, declared: &Declared) -> Probe {
    let url = format!("http://{}{path}", server());
    probe(&url, declared, &options())
}

fn codes(p: &Probe) -> Vec<(&str, &str)> {
    p.findings
        .iter()
        .map(|f| (f.check.id(), f.finding))
        .collect()
}

const DECLARED: Declared = Declared {
    icp: Some("京ICP备12345678号"),
    icp_required: true,
};

#[test]
fn a_built_site_with_its_footer_icp_has_no_findings() {
    let p = run("/built", &DECLARED);
    assert_eq!(p.error, None);
    assert_eq!(p.status, Some(200));
    assert_eq!(p.title.as_deref(), Some("示例商城"));
    assert_eq!(p.footer_icp.as_deref(), Some("京ICP备12345678号-1"));
    assert_eq!(p.tls_ok, None, "plain http");
    assert!(p.findings.is_empty(), "{:?}", p.findings);
}

#[test]
fn a_different_icp_on_the_page_is_flagged() {
    let p = run("/mismatch", &DECLARED);
    assert_eq!(codes(&p), [("icp_filing", "icp_mismatch")]);
    assert_eq!(p.footer_icp.as_deref(), Some("京ICP备87654321号"));
    assert!(p.findings[0].detail.en.contains("京ICP备87654321号"));
}

#[test]
fn parked_default_and_unfinished_pages_are_flagged_on_website_built() {
    let none = Declared::default();
    assert_eq!(
        codes(&run("/parked", &none)),
        [("website_built", "parked_domain")]
    );
    assert_eq!(
        codes(&run("/nginx", &none)),
        [("website_built", "server_default_page")]
    );
    assert_eq!(
        codes(&run("/building", &none)),
        [("website_built", "under_construction")]
    );
    let p = run("/error", &none);
    assert_eq!(p.status, Some(500));
    assert_eq!(codes(&p), [("website_built", "error_status")]);
    // Where the filing is required, a page without a number says so as well.
    assert!(codes(&run("/nginx", &DECLARED)).contains(&("icp_filing", "icp_not_on_page")));
}

#[test]
fn a_redirect_chain_to_a_taobao_shop_is_flagged_at_that_hop() {
    let p = run("/r1", &Declared::default());
    assert_eq!(codes(&p), [("not_taobao_shop", "redirect_to_taobao")]);
    assert_eq!(p.hops.len(), 3, "{:?}", p.hops);
    assert!(p.hops.iter().all(|(_, s)| *s == 302));
    assert_eq!(p.final_url, "https://shop123456.taobao.com/");
    assert!(
        p.findings[0]
            .detail
            .en
            .ends_with("/r3 redirects to a Taobao/Tmall shop: https://shop123456.taobao.com/")
    );
    assert_eq!(p.error, None, "the shop itself is not fetched");
}

#[test]
fn a_server_that_never_finishes_is_given_up_within_ten_seconds() {
    let started = Instant::now();
    let p = run("/slow", &Declared::default());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(12), "{took:?}");
    assert!(took >= Duration::from_secs(9), "{took:?}");
    let error = p.error.expect("a failed probe says why");
    assert!(
        error.en.contains("10 s") || error.en.contains("timed out") || error.en.contains("imeout"),
        "{error:?}"
    );
    assert!(p.findings.is_empty());
}

#[test]
fn a_fifty_mib_body_is_not_read_past_two_mib() {
    let started = Instant::now();
    let p = run("/huge", &Declared::default());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        p.error.expect("refused").en,
        "the page is longer than 2 MiB: not read"
    );
}

#[test]
fn redirects_to_private_addresses_and_other_schemes_are_refused_at_the_hop() {
    let none = Declared::default();
    let p = run("/to-loopback", &none);
    let error = p.error.expect("refused");
    assert!(
        error
            .en
            .starts_with("refused: 127.0.0.1 is at 127.0.0.1, a loopback address"),
        "{error:?}"
    );
    assert_eq!(
        p.final_url,
        format!("http://127.0.0.1:{}/built", server().port())
    );
    assert!(p.title.is_none(), "nothing fetched from the refused hop");
    let p = run("/to-metadata", &none);
    assert!(p.error.expect("refused").en.contains("169.254.169.254"));
    let p = run("/to-file", &none);
    assert!(p.error.expect("refused").en.contains("only http and https"));
    let p = run("/loop", &none);
    assert_eq!(p.error.expect("refused").en, "more than 5 redirects");
    assert_eq!(p.hops.len(), 6);
}

#[test]
fn loopback_is_refused_without_the_switch_and_fetched_with_it() {
    let url = format!("http://127.0.0.1:{}/built", server().port());
    // The default options: the port is refused before any lookup.
    let p = probe(&url, &DECLARED, &Options::default());
    assert!(p.error.expect("refused").en.contains("port"));
    // The port policy allows, but the address rule: refused for being loopback, nothing sent.
    let any_port = Options {
        ports: vec![server().port()],
        ..Options::default()
    };
    let p = probe(&url.replace("127.0.0.1", "127.0.0.2"), &DECLARED, &any_port);
    assert!(p.error.expect("refused").en.contains("loopback"));
    let p = probe(
        &format!("http://localhost:{}/built", server().port()),
        &DECLARED,
        &any_port,
    );
    assert!(p.error.expect("refused").en.contains("loopback"));
    // --allow-private lifts the rule.
    let allow = Options {
        allow_private: true,
        ..Options::default()
    };
    let p = probe(&url.replace("127.0.0.1", "127.0.0.2"), &DECLARED, &allow);
    assert_eq!(p.error, None);
    assert_eq!(p.title.as_deref(), Some("示例商城"));
}

/// The command line: `shenhe probe ID`, `--pending`, and what `show` then says.
mod command {
    use super::server;
    use crate::common::Env;
    use crate::fixtures::{record, with};
    use serde_json::json;

    fn site(id: &str, path: &str) -> serde_json::Value {
        with(
            record(id),
            &[
                ("/website/url", json!(format!("http://{}{path}", server()))),
                ("/website/icp", json!("浙ICP备12345678号-1")),
            ],
        )
    }

    #[test]
    fn probe_keeps_what_it_saw_and_show_tells_it() {
        let env = Env::new();
        env.import_records(&[site("PB1", "/mismatch"), site("PB2", "/building")]);
        // Without the switch the fixture server's address and port are refused, and the
        // failed probe is kept with its reason.
        let said = env.ok(&["probe", "PB1"]);
        assert!(
            said.starts_with("PB1: probe failed: refused: port"),
            "{said}"
        );
        let shown = env.json(&["show", "PB1", "--json"]);
        assert!(
            shown["probe"]["error"]
                .as_str()
                .is_some_and(|e| e.contains("port")),
            "{}",
            shown["probe"]
        );
        let said = env.ok(&["probe", "PB1", "--allow-private"]);
        assert!(
            said.contains("HTTP 200") && said.contains("1 finding(s)"),
            "{said}"
        );
        let shown = env.json(&["show", "PB1", "--json"]);
        let probe = &shown["probe"];
        assert_eq!(probe["status"], 200, "{probe}");
        assert_eq!(probe["title"], "示例商城");
        assert_eq!(probe["footer_icp"], "京ICP备87654321号");
        assert_eq!(probe["fetched_at"], shown["now"], "the review clock's time");
        assert_eq!(probe["findings"][0]["check"], "icp_filing");
        assert_eq!(probe["findings"][0]["finding"], "icp_mismatch");
        // And on the check itself, as evidence: the outcome stays the computed one.
        let icp = shown["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "icp_filing")
            .unwrap()
            .clone();
        assert_eq!(icp["outcome"], "pass", "{icp}");
        assert!(
            icp["detail"]
                .as_str()
                .unwrap()
                .ends_with("; the site probe saw: the page shows 京ICP备87654321号, not the declared 浙ICP备12345678号-1"),
            "{icp}"
        );
        let text = env.ok(&["show", "PB1"]);
        assert!(text.contains("京ICP备87654321号"), "{text}");
        assert!(text.contains("! icp_filing"), "{text}");

        // --pending: PB2 only (PB1's revision is probed already), then nothing.
        let said = env.ok(&["probe", "--pending", "--allow-private"]);
        assert!(
            said.contains("PB2: HTTP 200") && said.ends_with("1 probed\n"),
            "{said}"
        );
        let shown = env.json(&["show", "PB2", "--json"]);
        assert_eq!(
            shown["probe"]["findings"][0]["finding"],
            "under_construction"
        );
        assert!(env.ok(&["probe", "--pending"]).ends_with("0 probed\n"));
    }

    /// `probe.toml`: `enabled = false` turns the probe off; `ports` are the only ports.
    #[test]
    fn policy_turns_the_probe_off_or_limits_its_ports() {
        let env = Env::new();
        env.import_records(&[site("PP1", "/built")]);
        let data = env.policy_copy();
        let probe_toml = data.join("probe.toml");
        let text = std::fs::read_to_string(&probe_toml).expect("read");
        std::fs::write(
            &probe_toml,
            text.replace("ports = [80, 443]", "ports = [8080]"),
        )
        .expect("write");
        let data = data.to_str().expect("utf-8 path");
        let said = env.ok(&["--data", data, "probe", "PP1"]);
        assert!(
            said.contains(&format!(
                "refused: port {} (only 8080 are fetched)",
                server().port()
            )),
            "{said}"
        );
        std::fs::write(
            &probe_toml,
            text.replace("enabled = true", "enabled = false"),
        )
        .expect("write");
        for args in [
            &["probe", "PP1"][..],
            &["probe", "--pending"],
            &["probe", "--pending", "--follow"],
        ] {
            let err = env.fails(&[&["--data", data][..], args].concat());
            assert!(err.contains("turned off by policy"), "{args:?}: {err}");
        }
        std::fs::write(
            &probe_toml,
            text.replace("ports = [80, 443]", "ports = [0]"),
        )
        .expect("write");
        let err = env.fails(&["--data", data, "list"]);
        assert!(
            err.contains("probe.toml:") && err.contains("`0` is not a TCP port"),
            "a broken probe.toml names its line: {err}"
        );
    }

    /// `probe --pending --follow`, the background service: each new application, and each
    /// one that comes back, is probed as it arrives, until SIGTERM.
    #[test]
    fn follow_probes_new_and_resubmitted_applications_as_they_arrive() {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        use std::time::{Duration, Instant};

        let env = Env::new();
        env.import_records(&[site("PF0", "/built")]);
        let mut service = env
            .command()
            .args([
                "probe",
                "--pending",
                "--follow",
                "--allow-private",
                "--json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the service");
        let mut lines = BufReader::new(service.stdout.take().expect("stdout")).lines();
        let mut next = || -> serde_json::Value {
            let line = lines.next().expect("a line").expect("read");
            serde_json::from_str(&line).expect("one JSON object a line")
        };
        // What was waiting when it started.
        let first = next();
        assert_eq!(first["id"], "PF0");
        assert_eq!(first["probe"]["status"], 200);

        // A new application: probed without anyone asking.
        env.import_records(&[site("PF1", "/built")]);
        let arrived = Instant::now();
        let seen = next();
        assert_eq!(
            (seen["id"].as_str(), seen["probe"]["revision"].as_u64()),
            (Some("PF1"), Some(1))
        );
        // Generous for a loaded machine: the service looks every 2 s.
        assert!(
            arrived.elapsed() < Duration::from_secs(20),
            "{:?}",
            arrived.elapsed()
        );

        // Returned, then resubmitted with another site: its new revision is probed.
        env.ok(&[
            "return",
            "PF1",
            "--reason",
            "website_not_built",
            "--message",
            "未建成",
        ]);
        let resubmitted = with(
            site("PF1", "/building"),
            &[("/submitted_at", json!("2026-11-23T10:00:00+08:00"))],
        );
        let out = env.import_records(&[resubmitted]);
        assert!(out.contains("1 resubmitted"), "{out}");
        let seen = next();
        assert_eq!(
            (seen["id"].as_str(), seen["probe"]["revision"].as_u64()),
            (Some("PF1"), Some(2))
        );
        assert_eq!(
            seen["probe"]["findings"][0]["finding"],
            "under_construction"
        );
        let shown = env.json(&["show", "PF1", "--json"]);
        assert_eq!(shown["probe"]["revision"], 2, "kept, and shown");

        // SIGTERM: it stops, successfully, after the work in flight.
        let pid = service.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = service.wait().expect("wait");
        assert!(status.success(), "{status:?}");
        assert!(lines.next().is_none(), "nothing after the stop");
    }

    #[test]
    fn follow_needs_pending() {
        let env = Env::new();
        let err = env.fails(&["probe", "SQ1", "--follow"]);
        assert!(err.contains("--pending"), "{err}");
    }

    #[test]
    fn an_application_without_a_website_or_id_is_refused() {
        let env = Env::new();
        let mut r = record("NOSITE");
        r.as_object_mut().unwrap().remove("website");
        r["product"] = json!("large_transfer");
        r.as_object_mut().unwrap().remove("plan");
        env.import_records(&[r]);
        let err = env.fails(&["probe", "NOSITE"]);
        assert!(err.contains("declares no website"), "{err}");
        let err = env.fails(&["probe", "MISSING"]);
        assert!(err.contains("MISSING"), "{err}");
        assert!(env.json(&["show", "NOSITE", "--json"])["probe"].is_null());
    }
}

/// The console's detail at 80×24 shows what the probe saw under the website.
mod console {
    use super::server;
    use crate::common::Env;
    use crate::console::Harness;
    use crate::fixtures::{record, with};
    use ratatui::crossterm::event::KeyCode;
    use serde_json::json;
    use shenhe::present::Lang;

    #[test]
    fn the_detail_shows_the_findings_under_the_website() {
        let env = Env::new();
        env.import_records(&[with(
            record("PBC"),
            &[(
                "/website/url",
                json!(format!("http://{}/building", server())),
            )],
        )]);
        env.ok(&["probe", "PBC", "--allow-private"]);
        let mut h = Harness::on(env, "alice", Lang::Zh, 80, 24);
        h.select("PBC");
        h.press(KeyCode::Enter);
        let mut seen = String::new();
        for _ in 0..40 {
            seen = h.text();
            if seen.contains("页面显示网站建设中") {
                break;
            }
            h.press(KeyCode::Char('j'));
        }
        assert!(seen.contains("网站探测"), "{seen}");
        assert!(seen.contains("HTTP 200"), "{seen}");
        assert!(
            seen.contains("! 探测发现     网站已建成：页面显示网站建设中"),
            "{seen}"
        );
        assert!(seen.contains("页面显示网站建设中"), "{seen}");
        assert!(seen.contains("页面备案号"), "{seen}");
        assert!(seen.contains("未找到"), "{seen}");
        for line in seen.lines() {
            assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
        }
    }
}

/// The detail's P key probes on demand: on a thread of its own, the worker answering
/// meanwhile, and the detail shows what was seen when it is kept.
mod on_demand {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::{options, server};
    use crate::common::Env;
    use crate::console::Harness;
    use crate::fixtures::{record, with};
    use ratatui::crossterm::event::KeyCode;
    use serde_json::json;
    use shenhe::present::Lang;

    #[test]
    fn p_in_the_detail_probes_and_the_findings_appear() {
        let env = Env::new();
        let url = format!("http://{}/nginx", server());
        env.import_records(&[with(record("PBK"), &[("/website/url", json!(url))])]);
        let mut h = Harness::on(env, "alice", Lang::En, 80, 24);
        h.set_prober(Arc::new(|target| {
            shenhe::cli::probe::probe_one(target, &options())
        }));
        h.select("PBK");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('P'));
        let status = |h: &Harness| h.app.status.as_ref().map(|s| s.text.clone());
        assert_eq!(status(&h).as_deref(), Some("probing the website…"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while status(&h).as_deref() != Some("website probed") {
            assert!(
                Instant::now() < deadline,
                "no probe result: {:?}",
                status(&h)
            );
            std::thread::sleep(Duration::from_millis(20));
            h.collect_probes();
        }
        let view = h.app.detail.as_ref().expect("detail");
        let probe = view.probe.as_ref().expect("the detail was shown again");
        assert_eq!(probe.findings[0].finding, "server_default_page");
        let mut seen = String::new();
        for _ in 0..40 {
            seen = h.text();
            if seen.contains("web server's default page") {
                break;
            }
            h.press(KeyCode::Char('j'));
        }
        // The label column's width is the layout's: the finding's line, whatever its gap.
        assert!(
            seen.lines().any(|l| l.trim_start().starts_with("! finding")
                && l.contains("Website built: the page is a web server's")),
            "{seen}"
        );
        // Kept in the database as the command line's probe would be.
        assert_eq!(
            h.env.json(&["show", "PBK", "--json"])["probe"]["findings"][0]["finding"],
            "server_default_page"
        );
    }

    #[test]
    fn without_a_prober_or_a_website_p_says_so() {
        let env = Env::new();
        let mut r = record("NOWEB");
        r.as_object_mut().unwrap().remove("website");
        r["product"] = json!("large_transfer");
        r.as_object_mut().unwrap().remove("plan");
        env.import_records(&[r, record("PBN")]);
        let mut h = Harness::on(env, "alice", Lang::Zh, 80, 24);
        h.select("PBN");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('P'));
        let text = h.app.status.as_ref().map(|s| s.text.clone());
        assert_eq!(text.as_deref(), Some("网站探测已关闭（策略 probe.toml）"));
        h.set_prober(Arc::new(|target| {
            shenhe::cli::probe::probe_one(target, &options())
        }));
        h.press(KeyCode::Char('h'));
        h.select("NOWEB");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('P'));
        let text = h.app.status.as_ref().map(|s| s.text.clone());
        assert_eq!(text.as_deref(), Some("该申请未提供网站"));
    }
}

/// An HTTPS site whose certificate no client trusts (self-signed, tests/shenhe/probe-tls/):
/// the probe says so, as `tls_ok: false` and why, and fetches nothing from it.
mod tls {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{SocketAddr, TcpListener};
    use std::sync::{Arc, OnceLock};

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use shenhe_probe::probe;

    use super::{DECLARED, options};

    fn server() -> SocketAddr {
        static ADDR: OnceLock<SocketAddr> = OnceLock::new();
        *ADDR.get_or_init(|| {
            let cert = CertificateDer::from(
                include_bytes!("probe-tls/self-signed.cert.der").to_vec(),
            );
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                include_bytes!("probe-tls/self-signed.key.der").to_vec(),
            ));
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_single_cert(vec![cert], key)
                .expect("the fixture certificate");
            let config = Arc::new(config);
            let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
            let addr = listener.local_addr().unwrap();
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let config = Arc::clone(&config);
                    std::thread::spawn(move || {
                        let conn = rustls::ServerConnection::new(config).expect("session");
                        let mut tls = rustls::StreamOwned::new(conn, stream);
                        // A client that trusted it would get a page; the probe must not.
                        let mut line = String::new();
                        if BufReader::new(&mut tls).read_line(&mut line).is_ok() {
                            let _ = tls.write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Length: 45\r\n\r\n<html><title>served over TLS</title></html>",
                            );
                        }
                    });
                }
            });
            addr
        })
    }

    #[test]
    fn a_self_signed_certificate_is_not_valid_and_nothing_is_read() {
        let url = format!("https://{}/", server());
        let mut opts = options();
        opts.ports.push(server().port());
        let p = probe(&url, &DECLARED, &opts);
        assert_eq!(p.tls_ok, Some(false), "{p:?}");
        let error = p.error.expect("a probe that failed says why");
        assert!(
            error.en.starts_with("TLS failed:") && error.zh.starts_with("TLS 证书校验失败"),
            "{error:?}"
        );
        assert!(
            error.en.to_lowercase().contains("certificate"),
            "says it is the certificate: {error:?}"
        );
        assert_eq!((p.status, p.title), (None, None));
    }
}
