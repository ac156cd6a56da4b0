//! `shenhe probe ID` and `shenhe probe --pending [--follow]`: fetch applications' declared
//! websites (crates/probe) and keep what was seen as evidence on their checks. A few at a
//! time; the fetching runs on worker threads, the database is written from this thread
//! only. `--follow` is the background service: it probes each new or resubmitted
//! application as it arrives, until SIGTERM or SIGINT.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use super::{CliError, json};
use crate::domain::policy::ProbePolicy;
use crate::domain::probe::{ProbeFinding, ProbeRecord};
use crate::domain::text::{display_safe, fit};
use crate::present::Lang;
use crate::review::Review;
use crate::review::probe::ProbeTarget;

/// At most this many probes at a time, whatever --jobs asks.
const MAX_JOBS: usize = 8;
/// `--pending` looks at most at this many applications a run (`--follow`: a round).
const PENDING_LIMIT: u64 = 500;
/// How often `--follow` looks for applications to probe when it found none.
const FOLLOW_POLL: Duration = Duration::from_secs(2);

#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// The application whose website to probe
    #[arg(required_unless_present = "pending", conflicts_with = "pending")]
    pub id: Option<String>,
    /// Probe every application waiting for review whose current revision has not been probed
    #[arg(long)]
    pub pending: bool,
    /// With --pending: keep running, probing each new or resubmitted application as it
    /// arrives (the background service), until SIGTERM or SIGINT
    #[arg(long)]
    pub follow: bool,
    /// How many probes at a time (1-8)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=8))]
    pub jobs: u8,
    /// For tests only: let the probe reach loopback and private addresses, on any port
    #[arg(long)]
    pub allow_private: bool,
    /// Print what was seen as JSON
    #[arg(long)]
    pub json: bool,
}

/// Probes one target and says what it saw, as it is kept. `fetched_at` is a placeholder:
/// `Review::record_probe` stamps the review clock's time.
pub fn probe_one(target: &ProbeTarget, options: &shenhe_probe::Options) -> ProbeRecord {
    let declared = shenhe_probe::Declared {
        icp: target.declared_icp.as_deref(),
        icp_required: target.icp_required,
    };
    let seen = shenhe_probe::probe(&target.url, &declared, options);
    ProbeRecord {
        application_id: target.id.clone(),
        revision: target.revision,
        fetched_at: chrono::Utc::now().fixed_offset(),
        url: seen.url,
        status: seen.status,
        final_url: seen.final_url,
        tls_ok: seen.tls_ok,
        elapsed_ms: seen.elapsed_ms,
        title: seen.title,
        footer_icp: seen.footer_icp,
        error: seen.error,
        findings: seen
            .findings
            .into_iter()
            .map(|f| ProbeFinding {
                check: f.check,
                finding: f.finding.to_string(),
                detail: f.detail,
            })
            .collect(),
    }
}

/// Runs the probes of `targets`, `jobs` at a time, records each as it comes in, and hands
/// it, as kept, to `done`.
fn probe_all(
    review: &mut Review,
    targets: Vec<ProbeTarget>,
    jobs: usize,
    options: &shenhe_probe::Options,
    done: &mut dyn FnMut(&ProbeRecord) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let queue = Arc::new(Mutex::new(targets.into_iter().rev().collect::<Vec<_>>()));
    let (tx, rx) = mpsc::channel();
    let mut workers = Vec::new();
    for _ in 0..jobs.clamp(1, MAX_JOBS) {
        let queue = Arc::clone(&queue);
        let tx = tx.clone();
        let options = options.clone();
        workers.push(std::thread::spawn(move || {
            loop {
                let next = queue.lock().expect("probe queue").pop();
                let Some(target) = next else { break };
                if tx.send(probe_one(&target, &options)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    for r in rx {
        review.record_probe(r.clone())?;
        // As kept: at the review clock's time.
        done(&review.latest_probe(&r.application_id)?.unwrap_or(r))?;
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

/// The probe's options under the policy, or why it may not run at all.
fn options(policy: &ProbePolicy, allow_private: bool) -> Result<shenhe_probe::Options, CliError> {
    if !policy.enabled {
        return Err(CliError::Usage(
            "the site probe is turned off by policy (`enabled = false` in probe.toml)".into(),
        ));
    }
    Ok(shenhe_probe::Options {
        allow_private,
        ports: policy.ports.clone(),
        ..shenhe_probe::Options::default()
    })
}

pub fn run(
    review: &mut Review,
    args: ProbeArgs,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    // Checked here: clap counts a flag's default as present, so `requires` cannot say it.
    if args.follow && !args.pending {
        return Err(CliError::Usage(
            "--follow goes with --pending: it probes applications as they arrive".into(),
        ));
    }
    let options = options(&review.policy().probe, args.allow_private)?;
    if args.follow {
        return follow(review, &args, &options, lang, out);
    }
    let targets = match &args.id {
        Some(id) => match review.probe_target(id)? {
            Some(t) => vec![t],
            None => {
                return Err(CliError::Usage(
                    lang.probe_no_website(&display_safe(&fit(id, 60))),
                ));
            }
        },
        None => review.unprobed(PENDING_LIMIT)?,
    };
    let mut done = Vec::new();
    probe_all(review, targets, args.jobs as usize, &options, &mut |r| {
        done.push(r.clone());
        Ok(())
    })?;
    if args.json {
        let items: Vec<_> = done
            .iter()
            .map(|r| json!({"id": r.application_id, "probe": json::probe(r)}))
            .collect();
        json::print(out, &json!({ "probed": items }))?;
        return Ok(());
    }
    for r in &done {
        say(r, lang, out)?;
    }
    if args.pending {
        writeln!(out, "{}", lang.probed(done.len() as u64, false))?;
    }
    Ok(())
}

/// What one probe saw, in a line and a line per finding.
fn say(r: &ProbeRecord, lang: Lang, out: &mut dyn Write) -> Result<(), CliError> {
    writeln!(out, "{}", summary(r, lang))?;
    for f in &r.findings {
        writeln!(
            out,
            "  {}: {}",
            f.check.id(),
            display_safe(&fit(lang.pick(&f.detail.zh, &f.detail.en), 200))
        )?;
    }
    Ok(())
}

/// `--pending --follow`: a round of probes, then a look every [`FOLLOW_POLL`] for
/// applications that arrived or came back, until a signal. Each probe is said (or, with
/// `--json`, printed as one line) as it is kept, so a log shows it at once.
fn follow(
    review: &mut Review,
    args: &ProbeArgs,
    options: &shenhe_probe::Options,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let stop = super::signals::stop_on_signals()?;
    let mut total = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let targets = review.unprobed(PENDING_LIMIT)?;
        if targets.is_empty() {
            let until = Instant::now() + FOLLOW_POLL;
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
            }
            continue;
        }
        probe_all(review, targets, args.jobs as usize, options, &mut |r| {
            total += 1;
            if args.json {
                json::print_line(
                    &mut *out,
                    &json!({"id": r.application_id, "probe": json::probe(r)}),
                )?;
            } else {
                say(r, lang, &mut *out)?;
            }
            Ok(out.flush()?)
        })?;
    }
    if !args.json {
        writeln!(out, "{}", lang.probed(total, true))?;
    }
    Ok(())
}

/// The console's P key: the probe under the policy, the address rule on (no
/// --allow-private there); none when policy turns the probe off.
pub fn console_prober(policy: &ProbePolicy) -> Option<crate::console::worker::Prober> {
    let options = options(policy, false).ok()?;
    Some(std::sync::Arc::new(move |target: &ProbeTarget| {
        probe_one(target, &options)
    }))
}

/// One line: the id, then what answered, or why nothing did.
pub fn summary(r: &ProbeRecord, lang: Lang) -> String {
    let id = display_safe(&r.application_id).into_owned();
    if let Some(e) = &r.error {
        return lang.probe_failed(&id, &display_safe(&fit(lang.pick(&e.zh, &e.en), 200)));
    }
    let status = r.status.map_or("-".to_string(), |s| s.to_string());
    let title = r
        .title
        .as_deref()
        .map(|t| format!(" \"{}\"", display_safe(&fit(t, 60))))
        .unwrap_or_default();
    let icp = r
        .footer_icp
        .as_deref()
        .map(|i| format!(", ICP {}", display_safe(&fit(i, 40))))
        .unwrap_or_default();
    let answered = format!(
        "HTTP {status} {}{title}{icp}",
        display_safe(&fit(&r.final_url, 120))
    );
    lang.probe_line(&id, &answered, r.elapsed_ms, r.findings.len())
}
