//! `shenhe deliver`: the published events pushed to a webhook endpoint (crates/deliver
//! does it; docs/events.md says how), and `--status`, where each endpoint stands.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Args;

use super::{CliError, json};
use crate::domain::text::{display_safe, fit};
use crate::present::Lang;
use crate::present::time::china_seconds;
use crate::review::{DeliveryStatus, EventRecord, Review, identity};

/// Tests only: the backoff's base delay in milliseconds, honoured only on a database made
/// with `init --allow-reviewer-override` (like SHENHE_NOW's fellow SHENHE_REVIEWER), so
/// that it can never make a real deliverer hammer an endpoint.
pub const TEST_BACKOFF_VARIABLE: &str = "SHENHE_TEST_DELIVERY_BACKOFF_MS";

#[derive(Args, Debug)]
pub struct DeliverArgs {
    /// The endpoint: an http or https URL (its position is kept under this exact text)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// A file holding the signing secret, `whsec_` + base64, readable by its owner only
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// Send everything pending, then exit (non-zero if an event was refused)
    #[arg(long, conflicts_with = "status")]
    pub once: bool,
    /// Show each endpoint's position, pending count and refused events, and send nothing
    #[arg(long)]
    pub status: bool,
    /// With --status: as JSON
    #[arg(long, requires = "status")]
    pub json: bool,
    /// Forget the events --url refused (after reading them in --status), and send nothing
    #[arg(long, requires = "url", conflicts_with_all = ["once", "status"])]
    pub clear_failures: bool,
}

/// The request body of an event: the line `shenhe events` prints for it, without its
/// newline.
fn encode(event: &EventRecord) -> String {
    let mut line = Vec::new();
    json::print_line(&mut line, event).expect("writing to memory");
    line.pop();
    String::from_utf8(line).expect("JSON is UTF-8")
}

pub fn run(
    mut review: Review,
    args: DeliverArgs,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if args.status {
        let status = review.delivery_status(args.url.as_deref())?;
        if args.json {
            json::print(out, &serde_json::json!({ "endpoints": status }))?;
        } else {
            print_status(out, lang, &status)?;
        }
        return Ok(());
    }
    if args.clear_failures {
        let url = args.url.unwrap_or_default();
        let cleared = review.delivery_clear_failures(url.trim())?;
        writeln!(
            out,
            "{}",
            lang.deliver_cleared(cleared, &display_safe(url.trim()))
        )?;
        return Ok(());
    }
    let (Some(url), Some(secret_file)) = (args.url, args.secret_file) else {
        return Err(CliError::Usage(
            "deliver needs --url URL and --secret-file FILE (or --status to see where delivery stands)"
                .into(),
        ));
    };
    let url = url.trim().to_string();
    shenhe_deliver::check_url(&url)?;
    let secret = shenhe_deliver::Secret::read(&secret_file)?;
    let options = shenhe_deliver::Options {
        url,
        secret,
        once: args.once,
        backoff: backoff(&review)?,
        encode,
    };
    let stop = super::signals::stop_on_signals()?;
    deliver(&mut review, &options, &stop, lang, out)
}

/// The default backoff, or a test database's shorter one.
fn backoff(review: &Review) -> Result<shenhe_deliver::Backoff, CliError> {
    let Some(value) = std::env::var(TEST_BACKOFF_VARIABLE)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(shenhe_deliver::Backoff::default());
    };
    if review.store().meta(identity::OVERRIDE_META_KEY)?.as_deref() != Some("1") {
        return Err(CliError::Usage(format!(
            "{TEST_BACKOFF_VARIABLE} is honoured only on databases made for tests or training"
        )));
    }
    let ms: u64 = value.trim().parse().map_err(|_| {
        CliError::Usage(format!(
            "{TEST_BACKOFF_VARIABLE}=`{value}`: expected milliseconds"
        ))
    })?;
    Ok(shenhe_deliver::Backoff::scaled(Duration::from_millis(
        ms.max(1),
    )))
}

fn deliver(
    review: &mut Review,
    options: &shenhe_deliver::Options,
    stop: &AtomicBool,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    use shenhe_deliver::{Progress, Stopped};
    let url = display_safe(&options.url).into_owned();
    let mut err = std::io::stderr();
    let mut progress = |p: &Progress| {
        // What goes wrong is said as it happens; what goes right only in the summary.
        let _ = match p {
            Progress::Accepted { .. } => Ok(()),
            Progress::Retrying {
                event_id,
                attempt,
                error,
                delay,
            } => writeln!(
                err,
                "{}",
                lang.deliver_retrying(
                    *event_id,
                    &display_safe(&fit(error, 200)),
                    *attempt,
                    delay.as_secs_f64()
                )
            ),
            Progress::Refused {
                event_id,
                status,
                body,
            } => writeln!(
                err,
                "{}",
                lang.deliver_refused(*event_id, *status, &display_safe(&fit(body, 200)))
            ),
        };
    };
    let summary = match shenhe_deliver::run(review, options, stop, &mut progress) {
        Ok(summary) => summary,
        Err(shenhe_deliver::DeliverError::Review(e)) => return Err(e.into()),
        Err(e) => return Err(e.into()),
    };
    writeln!(
        out,
        "{}",
        lang.deliver_summary(
            summary.accepted,
            &url,
            summary.refused,
            summary.retries,
            summary.position
        )
    )?;
    match summary.stopped {
        Stopped::GaveUp { event_id, error } => Err(CliError::Usage(lang.deliver_gave_up(
            &url,
            shenhe_deliver::ONCE_ATTEMPTS,
            event_id,
            &display_safe(&fit(&error, 200)),
        ))),
        _ if options.once && summary.refused > 0 => Err(CliError::Usage(
            lang.deliver_some_refused(summary.refused, &url),
        )),
        Stopped::Done | Stopped::Signal => Ok(()),
    }
}

fn print_status(
    out: &mut impl Write,
    lang: Lang,
    status: &[DeliveryStatus],
) -> std::io::Result<()> {
    if status.is_empty() {
        return writeln!(out, "{}", lang.deliver_none_yet());
    }
    let [endpoint, position, state, failed] = lang.deliver_labels();
    for (i, s) in status.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let row = &s.row;
        writeln!(out, "{endpoint}{}", display_safe(&row.endpoint))?;
        writeln!(
            out,
            "{position}{}",
            lang.deliver_position(row.position, s.pending)
        )?;
        match (&row.failing_since, row.attempts) {
            (Some(since), attempts) if attempts > 0 => writeln!(
                out,
                "{state}{}",
                lang.deliver_failing(
                    &china_seconds(*since),
                    attempts,
                    &display_safe(&fit(row.last_error.as_deref().unwrap_or("?"), 200))
                )
            )?,
            _ if s.failed > 0 => writeln!(out, "{state}{}", lang.deliver_some_were_refused())?,
            _ => writeln!(out, "{state}{}", lang.deliver_healthy())?,
        }
        if s.failed > 0 {
            let shown = Some(s.failures.len()).filter(|n| s.failed > *n as u64);
            writeln!(
                out,
                "{failed}{}",
                lang.deliver_failed_heading(s.failed, shown)
            )?;
            for f in &s.failures {
                writeln!(
                    out,
                    "{}",
                    lang.deliver_failure(
                        f.event_id,
                        f.status,
                        &china_seconds(f.failed_at),
                        &display_safe(&f.body)
                    )
                )?;
            }
        }
    }
    Ok(())
}
