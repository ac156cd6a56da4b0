//! `shenhe demo`: a fresh database of realistic applications to try the console on.

use std::path::Path;
use std::sync::Arc;

use crate::cli::CliError;
use crate::domain::policy::Policy;
use crate::review::{Clock, Review, identity};
use chrono::{DateTime, Duration, FixedOffset};

use crate::domain::calendar::china;
use crate::domain::state::State;
use crate::store::Store;
use crate::store::sqlite::SqliteStore;

/// Replaces whatever is at `db` with `count` generated applications (seeded), imported
/// the way any file is. A demo database lets `SHENHE_REVIEWER` name the reviewer.
pub fn create(db: &Path, policy: &Arc<Policy>, count: u64, seed: u64) -> Result<(), CliError> {
    refuse_unless_demo(db)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "cannot replace {}: {e}",
                    Path::new(&path).display()
                )));
            }
        }
    }
    let clock = Clock::from_env().map_err(CliError::Usage)?;
    let mut store = SqliteStore::open(db).map_err(CliError::context(format!(
        "cannot open the database {}",
        db.display()
    )))?;
    store.set_meta(identity::OVERRIDE_META_KEY, "1")?;
    store.set_meta("demo", "1")?;
    let mut ndjson = Vec::new();
    crate::generate::write_ndjson(policy, seed, clock.now(), count, &mut ndjson)?;
    let importer = identity::reviewer(true);
    let mut review = Review::new(Box::new(store), Arc::clone(policy), importer.clone(), clock)?;
    let (imported, decided) = replay_the_past(&mut review, &ndjson, &importer, seed)?;
    review.act_as(&importer, clock);
    // Whoever opens the demo is its lead: reopening can be tried too.
    review.make_first_lead(true, true)?;
    eprintln!(
        "demo database {} with {imported} applications ({decided} already decided by the demo team)",
        db.display(),
    );
    Ok(())
}

/// The demo team: who decided the applications that came in before today.
const DEMO_REVIEWERS: [&str; 4] = ["lina", "wangwei", "zhaomin", "chenjie"];

/// What happened, in the order it happened: a day's applications arrive together (at the
/// last one's submission), and decisions follow them. The audit trail never goes back in
/// time, so the past must be written in its own order.
enum Step {
    Import(usize),
    Decide {
        id: String,
        reviewer: &'static str,
    },
    /// The second approval of a four-eyes one, if the first asked for it.
    Second {
        id: String,
        reviewer: &'static str,
    },
}

/// A queue where every application of the past four weeks still waits would be a
/// strange one: most older applications were decided long ago, within a day or two of
/// coming in, and only a few slipped past their due time. Decide those the way a
/// reviewer would: return with the reasons the failed checks offer, else approve.
fn replay_the_past(
    review: &mut Review,
    ndjson: &[u8],
    importer: &str,
    seed: u64,
) -> Result<(u64, u64), CliError> {
    let now = review.now();
    let mut records: Vec<(DateTime<FixedOffset>, String, &[u8])> = Vec::new();
    for line in ndjson.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let value: serde_json::Value = serde_json::from_slice(line)
            .map_err(|e| CliError::Usage(format!("the demo generator wrote bad JSON: {e}")))?;
        let submitted = value["submitted_at"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .ok_or_else(|| CliError::Usage("a demo record without its submission time".into()))?;
        let id = value["id"].as_str().unwrap_or_default().to_string();
        records.push((submitted, id, line));
    }
    records.sort_by_key(|(at, _, _)| *at);
    // One import a day, at the time of that day's last submission.
    let mut batches: Vec<(DateTime<FixedOffset>, Vec<u8>)> = Vec::new();
    let mut batch_of = Vec::with_capacity(records.len());
    for (at, _, line) in &records {
        let day = at.with_timezone(&china()).date_naive();
        match batches.last_mut() {
            Some((last, body)) if last.with_timezone(&china()).date_naive() == day => {
                *last = *at;
                body.extend_from_slice(line);
                body.push(b'\n');
            }
            _ => batches.push((*at, [*line, b"\n"].concat())),
        }
        batch_of.push(batches.len() - 1);
    }
    let mut steps: Vec<(DateTime<FixedOffset>, Step)> = batches
        .iter()
        .enumerate()
        .map(|(i, (at, _))| (*at, Step::Import(i)))
        .collect();
    for (i, (submitted, id, _)) in records.iter().enumerate() {
        if *submitted >= now - Duration::days(2) {
            continue;
        }
        let roll = crate::generate::rng::Rng::for_index(seed, i as u64).next_u64();
        // One in thirty is still waiting: those are the overdue ones on the screen.
        if roll.is_multiple_of(30) {
            continue;
        }
        let reviewer = DEMO_REVIEWERS[(roll >> 8) as usize % DEMO_REVIEWERS.len()];
        let hours = 2 + (roll >> 16) % 30;
        let arrived = batches[batch_of[i]].0;
        let at = (*submitted + Duration::hours(hours as i64))
            .min(now)
            .max(arrived);
        steps.push((
            at,
            Step::Decide {
                id: id.clone(),
                reviewer,
            },
        ));
        // Four eyes (restricted goods): another of the team approves it again, an hour
        // on; one in four still waits for them (待复核 in the queue).
        if !(roll >> 24).is_multiple_of(4) {
            let second = DEMO_REVIEWERS[((roll >> 8) as usize + 1) % DEMO_REVIEWERS.len()];
            steps.push((
                (at + Duration::hours(1)).min(now),
                Step::Second {
                    id: id.clone(),
                    reviewer: second,
                },
            ));
        }
    }
    // Arrivals before decisions of the same instant: a decision needs its application.
    steps.sort_by_key(|(at, step)| (*at, !matches!(step, Step::Import(_))));
    let (mut imported, mut decided) = (0, 0);
    for (at, step) in steps {
        match step {
            Step::Import(i) => {
                review.act_as(importer, Clock::Fixed(at));
                let body = std::mem::take(&mut batches[i].1);
                imported += review.import(std::io::Cursor::new(body))?.inserted;
            }
            Step::Decide { id, reviewer } => {
                review.act_as(reviewer, Clock::Fixed(at));
                let view = review.show(&id)?;
                // Still waiting on real-name verification: nobody can decide it yet.
                if view.stored.state != State::PendingReview {
                    continue;
                }
                let version = view.stored.version;
                if view.failed().is_empty() {
                    review.approve(&id, version, None)?;
                } else {
                    let message = "请根据退回原因修改后重新提交。".to_string();
                    review.return_application(
                        &id,
                        version,
                        &view.suggested_reasons,
                        Some(message),
                        None,
                    )?;
                }
                decided += 1;
            }
            Step::Second { id, reviewer } => {
                review.act_as(reviewer, Clock::Fixed(at));
                let view = review.show(&id)?;
                if view.stored.state == State::PendingSecondApproval {
                    review.approve(&id, view.stored.version, None)?;
                }
            }
        }
    }
    Ok((imported, decided))
}

/// `demo --db` pointed at the team's database would delete it, and the fresh one would let
/// anyone name the reviewer: only a demo database (or nothing) may be replaced.
fn refuse_unless_demo(db: &Path) -> Result<(), CliError> {
    let is_empty_file = std::fs::metadata(db).map(|m| m.len() == 0);
    match is_empty_file {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Ok(true) => return Ok(()),
        _ => {}
    }
    let demo = SqliteStore::open(db)
        .and_then(|store| store.meta("demo"))
        .map(|v| v.as_deref() == Some("1"))
        .unwrap_or(false);
    if demo {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "{} exists and is not a demo database; `shenhe demo` replaces only its own (choose another --db)",
            db.display()
        )))
    }
}
