//! Waiting for other writers: SQLite's busy schedule, counted, and the error when it
//! runs out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Transaction, TransactionBehavior};

use super::SqliteStore;
use crate::{StoreError, StoreResult};

/// How long a writer waits for another before the database counts as busy. Reviewers
/// never see "database is locked": writes are short, and this is far longer.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Times this process waited for another writer, counted across every connection. The
/// stress benchmark prints it; nothing else depends on it.
static BUSY_RETRIES: AtomicU64 = AtomicU64::new(0);

/// How many times this process has waited on a busy database and tried again.
pub fn busy_retries() -> u64 {
    BUSY_RETRIES.load(Ordering::Relaxed)
}

/// The wait before the `attempt`-th retry of one busy lock, and the total waited before it.
/// SQLite's own schedule (sqliteDefaultBusyCallback), reproduced so that retries can be
/// counted: short waits first, since most writes finish in a millisecond or two.
fn busy_delay(attempt: u32) -> (Duration, Duration) {
    const DELAYS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    let i = attempt as usize;
    let (delay, before) = if i < DELAYS_MS.len() {
        (DELAYS_MS[i], DELAYS_MS[..i].iter().sum())
    } else {
        let head: u64 = DELAYS_MS.iter().sum();
        (100, head + 100 * (i - DELAYS_MS.len()) as u64)
    };
    (Duration::from_millis(delay), Duration::from_millis(before))
}

/// The busy handler of every connection: wait and retry until [`BUSY_TIMEOUT`] is spent.
pub(super) fn on_busy(attempt: i32) -> bool {
    let (delay, waited) = busy_delay(attempt.max(0) as u32);
    if waited >= BUSY_TIMEOUT {
        return false;
    }
    BUSY_RETRIES.fetch_add(1, Ordering::Relaxed);
    std::thread::sleep(delay.min(BUSY_TIMEOUT - waited));
    true
}

pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked
    )
}

/// Every SQLite failure becomes a store error here, in one place: `?` on a rusqlite
/// result does the rest.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if is_busy(&e) {
            return busy_error();
        }
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly,
            _ => StoreError::Database(e.to_string()),
        }
    }
}

/// The error [`SqliteStore::immediate`] gives when the write lock stayed taken.
pub(super) fn is_busy_error(e: &StoreError) -> bool {
    matches!((e, busy_error()), (StoreError::Database(a), StoreError::Database(b)) if *a == b)
}

fn busy_error() -> StoreError {
    StoreError::Database(format!(
        "the database stayed busy for more than {} s (another shenhe is writing a long import?); nothing was written, try again",
        BUSY_TIMEOUT.as_secs()
    ))
}

impl SqliteStore {
    /// A write transaction, taken at once so that it can never deadlock with another
    /// writer. The busy handler already waits for the lock; a few BUSY results reach here
    /// without it being asked (a WAL being recovered by another process), and those are
    /// retried too, within the same timeout.
    pub(super) fn immediate(&self) -> StoreResult<Transaction<'_>> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut attempt = 0;
        loop {
            match Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate) {
                Ok(tx) => return Ok(tx),
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    BUSY_RETRIES.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(busy_delay(attempt).0);
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_busy_schedule_is_sqlite_s_then_100_ms_until_the_timeout() {
        assert_eq!(busy_delay(0), (ms(1), ms(0)));
        assert_eq!(busy_delay(3), (ms(10), ms(8)));
        assert_eq!(busy_delay(11), (ms(100), ms(228)));
        // Past SQLite's table: 100 ms each, the total growing by 100 ms.
        assert_eq!(busy_delay(12), (ms(100), ms(328)));
        assert_eq!(busy_delay(13), (ms(100), ms(428)));
        assert_eq!(busy_delay(20), (ms(100), ms(1128)));
        assert_eq!(busy_delay(24), (ms(100), ms(1528)));
        // The last attempt before the timeout, and the first one past it.
        let last = (0..200)
            .take_while(|a| busy_delay(*a).1 < BUSY_TIMEOUT)
            .last();
        assert_eq!(last, Some(108));
        assert_eq!(busy_delay(108).1, ms(9928));
        assert_eq!(busy_delay(109).1, ms(10028));
    }

    #[test]
    fn the_busy_handler_waits_and_retries_until_the_timeout_is_spent() {
        let before = busy_retries();
        let started = Instant::now();
        assert!(on_busy(0), "the first busy result is waited for");
        assert!(on_busy(-1), "a negative count is the first attempt");
        assert!(busy_retries() >= before + 2);
        assert!(started.elapsed() >= ms(2));
        assert!(!on_busy(109), "past the timeout the handler gives up");
        assert!(!on_busy(500));
    }
}
