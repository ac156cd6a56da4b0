//! Webhook delivery's bookkeeping (`shenhe deliver`): each endpoint's position in the
//! published events, its retries and the events it refused, and a summary for the
//! console's header. The deliverer (crates/deliver) does the HTTP; this is what it
//! remembers, in the database, so that a restart resumes where it stopped.

use serde::Serialize;

use shenhe_store::{DeliveryFailure, DeliveryRow};

use crate::{Review, ReviewResult};

/// Failed events `delivery_status` lists per endpoint (the newest); the count is whole.
pub const FAILURES_SHOWN: u64 = 20;

/// What `shenhe deliver --status` shows of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryStatus {
    #[serde(flatten)]
    pub row: DeliveryRow,
    /// Retrying now, or some events were refused for good.
    pub failing: bool,
    /// Events after the position: not yet done with.
    pub pending: u64,
    /// How many events the endpoint refused for good.
    pub failed: u64,
    /// The newest of them, newest first (at most [`FAILURES_SHOWN`]).
    pub failures: Vec<DeliveryFailure>,
}

/// Whether any endpoint is failing, for the console's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DeliveryHealth {
    /// Endpoints retrying an event now.
    pub retrying: u32,
    /// Events refused for good, over every endpoint.
    pub failed: u64,
}

impl DeliveryHealth {
    pub fn failing(&self) -> bool {
        self.retrying > 0 || self.failed > 0
    }
}

impl Review {
    /// The id of the last event done with at `endpoint` (0: none yet).
    pub fn delivery_position(&self, endpoint: &str) -> ReviewResult<i64> {
        Ok(self
            .store
            .delivery(endpoint)?
            .map(|row| row.position)
            .unwrap_or(0))
    }

    /// `endpoint` accepted event `event_id`: the position moves to it.
    pub fn delivery_accepted(&mut self, endpoint: &str, event_id: i64) -> ReviewResult<()> {
        let now = self.now();
        Ok(self.store.delivery_advance(endpoint, event_id, None, now)?)
    }

    /// `endpoint` refused event `event_id` for good: it is recorded with the status and
    /// the start of the body, and the position moves past it.
    pub fn delivery_refused(
        &mut self,
        endpoint: &str,
        event_id: i64,
        status: Option<u16>,
        body: &str,
    ) -> ReviewResult<()> {
        let now = self.now();
        let failure = DeliveryFailure {
            endpoint: endpoint.to_string(),
            event_id,
            status,
            body: body.to_string(),
            failed_at: now,
        };
        Ok(self
            .store
            .delivery_advance(endpoint, event_id, Some(&failure), now)?)
    }

    /// An attempt at the event after `position` failed and will be retried.
    pub fn delivery_retrying(
        &mut self,
        endpoint: &str,
        position: i64,
        error: &str,
    ) -> ReviewResult<()> {
        let now = self.now();
        Ok(self.store.delivery_retry(endpoint, position, error, now)?)
    }

    /// Forgets the events `endpoint` refused, once a person has read them (and the
    /// console's marker goes out with them); how many there were.
    pub fn delivery_clear_failures(&mut self, endpoint: &str) -> ReviewResult<u64> {
        Ok(self.store.delivery_clear_failures(endpoint)?)
    }

    /// Where delivery stands at `endpoint` (one not delivered to yet is at position 0),
    /// or at every endpoint ever delivered to.
    pub fn delivery_status(&self, endpoint: Option<&str>) -> ReviewResult<Vec<DeliveryStatus>> {
        let rows = match endpoint {
            // An endpoint not delivered to yet starts before the first event.
            Some(url) => vec![self.store.delivery(url)?.unwrap_or_else(|| DeliveryRow {
                endpoint: url.to_string(),
                position: 0,
                attempts: 0,
                last_error: None,
                last_error_at: None,
                failing_since: None,
                updated_at: self.now(),
            })],
            None => self.store.deliveries()?,
        };
        rows.into_iter()
            .map(|row| {
                let failed = self.store.delivery_failure_count(&row.endpoint)?;
                Ok(DeliveryStatus {
                    failing: row.attempts > 0 || failed > 0,
                    pending: self.store.count_events_after(row.position)?,
                    failed,
                    failures: self
                        .store
                        .delivery_failures(&row.endpoint, FAILURES_SHOWN)?,
                    row,
                })
            })
            .collect()
    }

    /// Whether any endpoint is retrying or has refused events: the console's marker.
    pub fn delivery_health(&self) -> ReviewResult<DeliveryHealth> {
        let mut health = DeliveryHealth::default();
        for row in self.store.deliveries()? {
            if row.attempts > 0 {
                health.retrying += 1;
            }
            health.failed += self.store.delivery_failure_count(&row.endpoint)?;
        }
        Ok(health)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use shenhe_domain::policy::Policy;
    use shenhe_store::sqlite::SqliteStore;

    use crate::{Clock, Review};

    const URL: &str = "https://hooks.example/shenhe";

    fn review() -> Review {
        let store = SqliteStore::in_memory().expect("store");
        let clock = Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").expect("time"),
        );
        Review::new(
            Box::new(store),
            Arc::new(Policy::builtin()),
            "deliverer".into(),
            clock,
        )
        .expect("review")
    }

    #[test]
    fn health_turns_failing_on_a_retry_and_stays_so_for_a_refused_event() {
        let mut review = review();
        assert!(!review.delivery_health().expect("health").failing());
        assert_eq!(review.delivery_position(URL).expect("position"), 0);
        assert!(review.delivery_status(None).expect("status").is_empty());

        review.delivery_retrying(URL, 0, "HTTP 503").expect("retry");
        let health = review.delivery_health().expect("health");
        assert_eq!((health.retrying, health.failed), (1, 0));
        let status = review.delivery_status(Some(URL)).expect("status");
        assert!(status[0].failing);
        assert_eq!(status[0].row.last_error.as_deref(), Some("HTTP 503"));
        assert_eq!(status[0].row.failing_since, Some(review.now()));

        review.delivery_accepted(URL, 1).expect("accepted");
        assert!(!review.delivery_health().expect("health").failing());
        assert_eq!(review.delivery_position(URL).expect("position"), 1);

        review
            .delivery_refused(URL, 2, Some(400), "no such merchant")
            .expect("refused");
        let health = review.delivery_health().expect("health");
        assert_eq!((health.retrying, health.failed), (0, 1));
        let status = &review.delivery_status(None).expect("status")[0];
        assert_eq!((status.row.position, status.failed), (2, 1));
        assert_eq!(status.failures[0].status, Some(400));
        assert_eq!(status.failures[0].body, "no such merchant");
        let fresh = &review
            .delivery_status(Some("http://other/"))
            .expect("status")[0];
        assert_eq!(
            (fresh.row.position, fresh.failed, fresh.failing),
            (0, 0, false)
        );
        assert_eq!(review.delivery_status(None).expect("status").len(), 1);
        assert_eq!(review.delivery_clear_failures(URL).expect("clear"), 1);
        assert!(!review.delivery_health().expect("health").failing());
    }
}
