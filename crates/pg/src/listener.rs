//! The connection that LISTENs for `shenhe_changes`: how many commits of other sessions
//! this store has heard of ([`Store::data_version`](shenhe_store::Store::data_version)).
//!
//! It only ever receives, so a link that died without a word (a NAT or firewall dropping
//! an idle connection, an address moved by a failover) would look alive and hear nothing:
//! after [`QUIET_CHECK`] without a note it asks the server once. A lost listener is
//! replaced, tried again at most every [`RETRY`] after a failure and with a short connect timeout, because it is
//! asked on the console worker's thread; the replacement counts one change (notes may
//! have been missed) and closes the pool's idle connections (after a restart, another
//! session's server process may carry one of their numbers).

use std::time::{Duration, Instant};

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;

use crate::db_error;
use crate::pool::Pool;
use shenhe_store::StoreResult;

/// Quiet for this long, the listener is asked whether the server is still there.
const QUIET_CHECK: Duration = Duration::from_secs(30);
/// A lost listener is connected again at most this often.
const RETRY: Duration = Duration::from_secs(5);
/// The longest a reconnect may take (the worker waits for it).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(crate) struct Listener {
    client: Option<Client>,
    /// When the server was last heard from on it (a note, or an answer to a check).
    heard: Option<Instant>,
    /// When a connect last failed.
    failed: Option<Instant>,
    /// Whether there was one before: a new one then counts a change.
    lost: bool,
    changes: i64,
}

impl Listener {
    /// Commits of other sessions heard so far.
    pub(crate) fn poll(&mut self, pool: &Pool) -> StoreResult<i64> {
        if let Some(client) = &mut self.client {
            let quiet = self.heard.is_none_or(|at| at.elapsed() >= QUIET_CHECK);
            if client.is_closed() || (quiet && client.is_valid(Duration::from_secs(2)).is_err()) {
                self.client = None;
                self.lost = true;
            } else if quiet {
                self.heard = Some(Instant::now());
            }
        }
        if self.client.is_none() {
            if self.failed.is_some_and(|at| at.elapsed() < RETRY) {
                return Ok(self.changes);
            }
            let mut settings = pool.settings().clone();
            settings.connect_timeout = Some(
                settings
                    .connect_timeout
                    .map_or(CONNECT_TIMEOUT, |t| t.min(CONNECT_TIMEOUT)),
            );
            let client = settings.connect().and_then(|mut c| {
                c.batch_execute("LISTEN shenhe_changes")
                    .map_err(db_error)
                    .map(|()| c)
            });
            self.failed = client.is_err().then(Instant::now);
            self.client = Some(client?);
            self.heard = Some(Instant::now());
            if self.lost {
                self.changes += 1;
                pool.close_idle();
            }
        }
        let client = self.client.as_mut().expect("connected above");
        let mut notifications = client.notifications();
        // A millisecond's wait lets the client's runtime read the socket: a plain
        // `iter()` returns before the reactor has seen data that arrived since the last
        // query, so it would see nothing until the next one.
        let mut pending = notifications.timeout_iter(Duration::from_millis(1));
        while let Some(note) = pending.next().map_err(db_error)? {
            self.heard = Some(Instant::now());
            if !pool.is_own(note.process_id()) {
                self.changes += 1;
            }
        }
        Ok(self.changes)
    }
}
