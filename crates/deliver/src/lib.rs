//! `shenhe deliver`: the published events, pushed to a webhook endpoint as Standard
//! Webhooks 1.0 describes (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! At least once and in order: the next event is sent only after the endpoint accepted
//! (2xx) the one before, or refused it for good. Connection errors, timeouts, 408, 429 and
//! 5xx are retried with exponential backoff and full jitter; any other status (3xx, since
//! redirects are not followed, and 4xx) stops that event as failed, recorded with its
//! status and the first 200 bytes of the body, and delivery goes on. The position (the
//! last event done with) is written to the database after each event, through the review
//! layer, so a restart after a crash re-sends at most the event that was in flight.
//!
//! The HTTP is ureq's (rustls): no redirects, no proxy, 10 s for each request.

mod backoff;
mod secret;
mod sign;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use shenhe_review::{EventRecord, Review, ReviewError};

pub use backoff::{Backoff, parse_retry_after};
pub use secret::{ParseError, Secret, SecretError};
pub use sign::signature;

/// Each request's limit, from connecting to the end of the response's body.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What of a refusing response's body is kept for a person to read.
pub const BODY_KEPT: usize = 200;

/// Events read from the database at a time.
const CHUNK: u64 = 500;

/// How often a deliverer without `--once` looks for new events.
pub const POLL: Duration = Duration::from_millis(500);

/// With `--once`, how many attempts at one event before giving up for this run (the
/// event is not marked failed: the next run sends it again). About two minutes with the
/// default backoff.
pub const ONCE_ATTEMPTS: u32 = 8;

/// How a deliverer is set up.
pub struct Options {
    /// The endpoint (checked by [`check_url`]); also the key of its position.
    pub url: String,
    pub secret: Secret,
    /// Send what is pending, then stop.
    pub once: bool,
    pub backoff: Backoff,
    /// The body of an event's request: the CLI gives `shenhe events`' own line.
    pub encode: fn(&EventRecord) -> String,
}

/// What happened, as it happens, for the command line to say.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Accepted {
        event_id: i64,
    },
    /// The attempt failed and will be retried after `delay`.
    Retrying {
        event_id: i64,
        attempt: u32,
        error: String,
        delay: Duration,
    },
    /// The endpoint refused the event for good.
    Refused {
        event_id: i64,
        status: u16,
        body: String,
    },
}

/// Why a deliverer stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// `--once`: nothing is pending any more.
    Done,
    /// SIGTERM or SIGINT: the position is kept.
    Signal,
    /// `--once`: the endpoint kept failing; the event after the position is still pending.
    GaveUp { event_id: i64, error: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub accepted: u64,
    pub refused: u64,
    pub retries: u64,
    pub position: i64,
    pub stopped: Stopped,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("--url `{url}`: {why}")]
    BadUrl { url: String, why: &'static str },
    #[error("cannot send to {url}: {error}")]
    Request { url: String, error: String },
    #[error(transparent)]
    Review(#[from] ReviewError),
}

/// Refuses anything but an absolute http or https URL with a host and no credentials.
pub fn check_url(url: &str) -> Result<(), DeliverError> {
    let bad = |why| {
        Err(DeliverError::BadUrl {
            url: url.to_string(),
            why,
        })
    };
    match url.split_once(':') {
        Some((scheme, _)) if ["http", "https"].contains(&scheme.to_ascii_lowercase().as_str()) => {}
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            return bad("only http and https endpoints are supported");
        }
        _ => return bad("not an absolute URL (expected http:// or https://)"),
    }
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return bad("not a URL");
    };
    let Some(authority) = uri.authority() else {
        return bad("no host");
    };
    if authority.host().is_empty() {
        return bad("no host");
    }
    if authority.as_str().contains('@') {
        return bad("credentials in the URL are refused (the signature authenticates)");
    }
    Ok(())
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq)]
enum Attempt {
    Accepted,
    Refused {
        status: u16,
        body: String,
    },
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .proxy(None)
        .user_agent(concat!("shenhe/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

fn send(
    agent: &ureq::Agent,
    options: &Options,
    event_id: i64,
    body: &str,
) -> Result<Attempt, DeliverError> {
    let id = event_id.to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let signature = signature(&options.secret, &id, timestamp, body.as_bytes());
    let result = agent
        .post(&options.url)
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .content_type("application/json")
        .send(body);
    let mut response = match result {
        Ok(response) => response,
        Err(
            e @ (ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::InvalidProxyUrl),
        ) => {
            return Err(DeliverError::Request {
                url: options.url.clone(),
                error: e.to_string(),
            });
        }
        Err(e) => {
            return Ok(Attempt::Retry {
                error: e.to_string(),
                retry_after: None,
            });
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    let mut kept = Vec::new();
    let limit = if (200..300).contains(&status) {
        64 * 1024
    } else {
        BODY_KEPT as u64
    };
    // Read what matters of the body (a 2xx's whole, within reason, so that the connection
    // can be used again); a body that breaks off changes nothing of the status.
    let _ = response
        .body_mut()
        .as_reader()
        .take(limit)
        .read_to_end(&mut kept);
    Ok(match status {
        200..=299 => Attempt::Accepted,
        408 | 429 | 500..=599 => Attempt::Retry {
            error: format!("HTTP {status}"),
            retry_after: retry_after.filter(|_| matches!(status, 429 | 503)),
        },
        _ => {
            kept.truncate(BODY_KEPT);
            let mut body = String::from_utf8_lossy(&kept).into_owned();
            if (300..400).contains(&status)
                && let Some(location) = response.headers().get("location")
            {
                let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
                if body.trim().is_empty() {
                    body = format!("redirect to {location} (not followed)");
                }
            }
            Attempt::Refused { status, body }
        }
    })
}

/// Sleeps `delay`, or less if asked to stop; says whether it was asked.
fn pause(delay: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + delay;
    loop {
        if stop.load(Ordering::Relaxed) {
            return true;
        }
        let now = Instant::now();
        if now >= until {
            return false;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

/// Delivers events after the endpoint's position, in order, until there are none
/// (`once`) or `stop` is set. Every outcome is written through `review` before the next
/// event is sent.
pub fn run(
    review: &mut Review,
    options: &Options,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Summary, DeliverError> {
    check_url(&options.url)?;
    let agent = agent();
    let url = options.url.as_str();
    let mut summary = Summary {
        accepted: 0,
        refused: 0,
        retries: 0,
        position: review.delivery_position(url)?,
        stopped: Stopped::Done,
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            summary.stopped = Stopped::Signal;
            return Ok(summary);
        }
        let events = review.events_after(summary.position, CHUNK)?;
        if events.is_empty() {
            if options.once {
                return Ok(summary);
            }
            pause(POLL, stop);
            continue;
        }
        for event in &events {
            let body = (options.encode)(event);
            let mut attempt = 0;
            loop {
                match send(&agent, options, event.id, &body)? {
                    Attempt::Accepted => {
                        review.delivery_accepted(url, event.id)?;
                        summary.accepted += 1;
                        progress(&Progress::Accepted { event_id: event.id });
                        break;
                    }
                    Attempt::Refused { status, body } => {
                        review.delivery_refused(url, event.id, Some(status), &body)?;
                        summary.refused += 1;
                        progress(&Progress::Refused {
                            event_id: event.id,
                            status,
                            body,
                        });
                        break;
                    }
                    Attempt::Retry { error, retry_after } => {
                        attempt += 1;
                        summary.retries += 1;
                        review.delivery_retrying(url, summary.position, &error)?;
                        if options.once && attempt >= ONCE_ATTEMPTS {
                            summary.stopped = Stopped::GaveUp {
                                event_id: event.id,
                                error,
                            };
                            return Ok(summary);
                        }
                        let delay = options.backoff.delay(attempt, fastrand::f64(), retry_after);
                        progress(&Progress::Retrying {
                            event_id: event.id,
                            attempt,
                            error,
                            delay,
                        });
                        if pause(delay, stop) {
                            summary.stopped = Stopped::Signal;
                            return Ok(summary);
                        }
                    }
                }
            }
            summary.position = event.id;
            if stop.load(Ordering::Relaxed) {
                summary.stopped = Stopped::Signal;
                return Ok(summary);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host_are_accepted() {
        for good in [
            "http://127.0.0.1:8080/hook",
            "https://hooks.example.com/shenhe?x=1",
        ] {
            check_url(good).expect(good);
        }
        for (bad, why) in [
            ("ftp://example.com/hook", "only http and https"),
            ("file:///etc/passwd", "only http and https"),
            ("example.com/hook", "not an absolute URL"),
            ("http:/nohost", "not a URL"),
            ("https://user:pw@example.com/", "credentials"),
            ("http://exa mple.com/", "not a URL"),
        ] {
            let err = check_url(bad).expect_err(bad).to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
