//! `shenhe demo`: a fresh database of realistic applications to try the console on.

use std::path::Path;
use std::sync::Arc;

use crate::cli::CliError;
use crate::domain::policy::Policy;
use crate::review::{Clock, Review, identity};
use chrono::Duration;

use crate::domain::state::State;
use crate::store::sqlite::SqliteStore;
use crate::store::{QueueQuery, Store};

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
    let actor = identity::reviewer(true);
    let mut review = Review::new(Box::new(store), Arc::clone(policy), actor, clock)?;
    let report = review.import(std::io::Cursor::new(ndjson))?;
    let decided = decide_the_past(&mut review, seed)?;
    review.act_as(&identity::reviewer(true), clock);
    eprintln!(
        "demo database {} with {} applications ({decided} already decided by the demo team)",
        db.display(),
        report.inserted
    );
    Ok(())
}

/// The demo team: who decided the applications that came in before today.
const DEMO_REVIEWERS: [&str; 4] = ["lina", "wangwei", "zhaomin", "chenjie"];

/// A queue where every application of the past four weeks still waits would be a
/// strange one: most older applications were decided long ago, within a day or two of
/// coming in, and only a few slipped past their due time. Decide those the way a
/// reviewer would: return with the reasons the failed checks offer, else approve.
fn decide_the_past(review: &mut Review, seed: u64) -> Result<u64, CliError> {
    let now = review.now();
    let query = QueueQuery {
        states: vec![State::PendingReview],
        submitted_before: Some(now - Duration::days(2)),
        ..Default::default()
    };
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let rows = review.page(&query, offset, 1000)?;
        if rows.is_empty() {
            break;
        }
        offset += rows.len() as u64;
        ids.extend(rows.into_iter().map(|r| (r.id, r.submitted_at, r.version)));
    }
    let mut decided = 0;
    for (i, (id, submitted_at, version)) in ids.into_iter().enumerate() {
        let roll = crate::generate::rng::Rng::for_index(seed, i as u64).next_u64();
        // One in thirty is still waiting: those are the overdue ones on the screen.
        if roll.is_multiple_of(30) {
            continue;
        }
        let reviewer = DEMO_REVIEWERS[(roll >> 8) as usize % DEMO_REVIEWERS.len()];
        let hours = 2 + (roll >> 16) % 30;
        let at = (submitted_at + Duration::hours(hours as i64)).min(now);
        review.act_as(reviewer, Clock::Fixed(at));
        let view = review.show(&id)?;
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
    Ok(decided)
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
