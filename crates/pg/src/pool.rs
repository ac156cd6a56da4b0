//! A small pool of connections, one per process and store: a connection is taken for one
//! call of the store (a query, or a transaction from BEGIN to COMMIT) and given back.
//!
//! Why not r2d2: it retries a failed connect in the background until its timeout (a
//! wrong password would be reported after 30 s, as a string), and it cannot adopt the
//! first connection, the one that checked and migrated the schema. This one connects in
//! the caller's thread, so a connect error is the store's own error at once.
//!
//! What it is for: a server that restarts or fails over to its standby, a proxy that
//! drops idle connections. A connection the client saw close is never handed out again;
//! one idle for longer than [`IDLE_CHECK`] is asked first (an empty query, one round
//! trip) and replaced when it does not answer, so a console left open over lunch works
//! on the next key after the server came back.

use std::collections::HashSet;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use postgres::Client;

use crate::config::ConnectionSettings;
use shenhe_store::{StoreError, StoreResult};

/// How many connections one store may hold at once.
pub const MAX_CONNECTIONS: usize = 4;

/// A connection idle for longer than this is checked before it is handed out.
pub(crate) const IDLE_CHECK: Duration = Duration::from_secs(1);

/// How long a caller waits for a connection when all are taken.
const WAIT: Duration = Duration::from_secs(30);

pub(crate) struct Pool {
    settings: ConnectionSettings,
    state: Mutex<State>,
    returned: Condvar,
}

struct State {
    idle: Vec<(Client, i32, Instant)>,
    /// Connections open now, idle or taken.
    open: usize,
    /// The server processes of this pool's connections: their notifications are this
    /// process's own writes, not another's.
    pids: HashSet<i32>,
}

/// A connection taken from the pool; given back when dropped, unless it closed.
pub struct Conn<'a> {
    pool: &'a Pool,
    client: Option<Client>,
    pid: i32,
    /// Not to be given back (its state is unknown): closed when dropped.
    forgotten: bool,
}

fn backend_pid(client: &mut Client) -> StoreResult<i32> {
    Ok(client
        .query_one("SELECT pg_backend_pid()", &[])
        .map_err(crate::db_error)?
        .get(0))
}

impl Pool {
    /// A pool holding `first` (already connected with `settings`) idle.
    pub(crate) fn new(settings: ConnectionSettings, mut first: Client) -> StoreResult<Pool> {
        let pid = backend_pid(&mut first)?;
        Ok(Pool {
            settings,
            state: Mutex::new(State {
                idle: vec![(first, pid, Instant::now())],
                open: 1,
                pids: HashSet::from([pid]),
            }),
            returned: Condvar::new(),
        })
    }

    pub(crate) fn settings(&self) -> &ConnectionSettings {
        &self.settings
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding it leaves counts that are still right.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `pid` is one of this pool's connections.
    pub(crate) fn is_own(&self, pid: i32) -> bool {
        self.lock().pids.contains(&pid)
    }

    /// Connections open now (for tests and the benchmark).
    pub fn open_connections(&self) -> usize {
        self.lock().open
    }

    /// A connection: an idle one that still answers, else a new one while fewer than
    /// [`MAX_CONNECTIONS`] are open, else the first one given back.
    pub(crate) fn get(&self) -> StoreResult<Conn<'_>> {
        let deadline = Instant::now() + WAIT;
        let mut state = self.lock();
        loop {
            if let Some((mut client, pid, since)) = state.idle.pop() {
                // Checked without the lock: an answer may take a round trip, or seconds.
                drop(state);
                if !client.is_closed()
                    && (since.elapsed() < IDLE_CHECK || client.is_valid(IDLE_CHECK * 5).is_ok())
                {
                    return Ok(Conn {
                        pool: self,
                        client: Some(client),
                        pid,
                        forgotten: false,
                    });
                }
                drop(client);
                state = self.lock();
                state.open -= 1;
                state.pids.remove(&pid);
                continue;
            }
            if state.open < MAX_CONNECTIONS {
                state.open += 1;
                drop(state);
                let connected = self
                    .settings
                    .connect()
                    .and_then(|mut c| backend_pid(&mut c).map(|pid| (c, pid)));
                let mut state = self.lock();
                return match connected {
                    Ok((client, pid)) => {
                        state.pids.insert(pid);
                        Ok(Conn {
                            pool: self,
                            client: Some(client),
                            pid,
                            forgotten: false,
                        })
                    }
                    Err(e) => {
                        state.open -= 1;
                        drop(state);
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Database(format!(
                    "all {MAX_CONNECTIONS} connections to {} stayed busy for {} s",
                    self.settings.display(),
                    WAIT.as_secs()
                )));
            }
            state = self
                .returned
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Closes every idle connection: after the server restarted, a server process of
    /// another session may carry the number one of them had, and its notes would be
    /// taken for this process's own.
    pub(crate) fn close_idle(&self) {
        let idle = {
            let mut state = self.lock();
            let idle = std::mem::take(&mut state.idle);
            state.open -= idle.len();
            for (_, pid, _) in &idle {
                state.pids.remove(pid);
            }
            idle
        };
        drop(idle);
        self.returned.notify_all();
    }
}

impl Conn<'_> {
    /// Closes this connection when it is dropped instead of giving it back: a ROLLBACK
    /// that failed leaves a transaction (and its locks) that no next caller may inherit.
    pub(crate) fn forget(&mut self) {
        self.forgotten = true;
    }

    /// This connection's server process.
    pub fn pid(&self) -> i32 {
        self.pid
    }
}

impl Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("a taken connection")
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("a taken connection")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut state = self.pool.lock();
        if self.forgotten || client.is_closed() {
            state.open -= 1;
            state.pids.remove(&self.pid);
        } else {
            state.idle.push((client, self.pid, Instant::now()));
        }
        drop(state);
        self.pool.returned.notify_one();
    }
}
