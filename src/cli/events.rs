//! `shenhe events`: the published events as NDJSON, oldest first, for a consumer that
//! resumes with `--after` the last id it saw (docs/events.md).

use std::io::Write;
use std::time::Duration;

use super::{CliError, json};
use crate::review::Review;

/// How often `--follow` looks for new events: well within the second it promises.
const FOLLOW_POLL: Duration = Duration::from_millis(200);
/// Events read from the database at a time.
const CHUNK: u64 = 1_000;

pub fn run(
    review: &Review,
    after: i64,
    limit: Option<u64>,
    follow: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let mut last = after;
    let mut left = limit.unwrap_or(u64::MAX);
    while left > 0 {
        let events = review.events_after(last, left.min(CHUNK))?;
        for event in &events {
            json::print_line(out, event)?;
            last = event.id;
        }
        left -= events.len() as u64;
        if events.is_empty() {
            if !follow {
                break;
            }
            // Written as they come: a consumer reading a pipe sees each event at once.
            out.flush()?;
            std::thread::sleep(FOLLOW_POLL);
        }
    }
    out.flush()?;
    Ok(())
}
