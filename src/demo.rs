//! `shenhe demo`: a fresh database of realistic applications to try the console on.

use std::path::Path;
use std::sync::Arc;

use crate::cli::UserError;
use crate::domain::policy::Policy;
use crate::review::{Clock, Review, identity};
use crate::store::Store;
use crate::store::sqlite::SqliteStore;

/// Replaces whatever is at `db` with `count` generated applications (seeded), imported
/// the way any file is. A demo database lets `SHENHE_REVIEWER` name the reviewer.
pub fn create(db: &Path, policy: &Arc<Policy>, count: u64, seed: u64) -> Result<(), UserError> {
    refuse_unless_demo(db)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(UserError(format!(
                    "cannot replace {}: {e}",
                    Path::new(&path).display()
                )));
            }
        }
    }
    let clock = Clock::from_env()?;
    let mut store =
        SqliteStore::open(db).map_err(|e| UserError(format!("{}: {e}", db.display())))?;
    store.set_meta(identity::OVERRIDE_META_KEY, "1")?;
    store.set_meta("demo", "1")?;
    let mut ndjson = Vec::new();
    crate::generate::write_ndjson(policy, seed, clock.now(), count, &mut ndjson)?;
    let actor = identity::reviewer(true);
    let mut review = Review::new(Box::new(store), Arc::clone(policy), actor, clock)?;
    let report = review.import(std::io::Cursor::new(ndjson))?;
    eprintln!(
        "demo database {} with {} applications",
        db.display(),
        report.inserted
    );
    Ok(())
}

/// `demo --db` pointed at the team's database would delete it, and the fresh one would let
/// anyone name the reviewer: only a demo database (or nothing) may be replaced.
fn refuse_unless_demo(db: &Path) -> Result<(), UserError> {
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
        Err(UserError(format!(
            "{} exists and is not a demo database; `shenhe demo` replaces only its own (choose another --db)",
            db.display()
        )))
    }
}
