//! How long to wait before the next attempt: exponential with full jitter (a random
//! delay between nothing and the ceiling, which doubles with each attempt up to a cap),
//! so that many deliverers failing together do not come back together. A `Retry-After`
//! from the endpoint is honoured, up to a cap of its own.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's delay.
    pub base: Duration,
    /// The ceiling never grows past this.
    pub cap: Duration,
    /// A longer `Retry-After` is cut to this.
    pub retry_after_cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(60),
            retry_after_cap: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// A schedule with a smaller base for tests; its caps shrink in proportion (the
    /// default's ratios: 120 bases, 600 bases).
    pub fn scaled(base: Duration) -> Backoff {
        Backoff {
            base,
            cap: base * 120,
            retry_after_cap: base * 600,
        }
    }

    /// The ceiling before retry number `attempt` (1 for the first retry).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(32);
        self.base
            .checked_mul(1u32 << doublings.min(31))
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// The delay before retry number `attempt`: `jitter` (in 0..1) of the ceiling, but
    /// never shorter than what the endpoint asked for in `Retry-After` (capped).
    pub fn delay(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let jittered = self.ceiling(attempt).mul_f64(jitter.clamp(0.0, 1.0));
        match retry_after {
            Some(asked) => jittered.max(asked.min(self.retry_after_cap)),
            None => jittered,
        }
    }
}

/// A `Retry-After` value: delay-seconds, or an HTTP-date (`Sun, 06 Nov 1994 08:49:37
/// GMT`) measured from `now`. Anything else is ignored.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.to_utc() - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_from_half_a_second_to_a_minute() {
        let b = Backoff::default();
        let ceilings: Vec<u64> = (1..=10).map(|n| b.ceiling(n).as_millis() as u64).collect();
        assert_eq!(
            ceilings,
            [
                500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000
            ]
        );
        assert_eq!(b.ceiling(u32::MAX), b.cap);
    }

    #[test]
    fn full_jitter_spans_nothing_to_the_ceiling_and_retry_after_is_a_floor() {
        let b = Backoff::default();
        assert_eq!(b.delay(3, 0.0, None), Duration::ZERO);
        assert_eq!(b.delay(3, 1.0, None), Duration::from_secs(2));
        assert_eq!(b.delay(3, 0.5, None), Duration::from_secs(1));
        assert_eq!(
            b.delay(1, 0.5, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            b.delay(1, 0.5, Some(Duration::from_secs(86_400))),
            Duration::from_secs(300),
            "capped"
        );
        let scaled = Backoff::scaled(Duration::from_millis(10));
        assert_eq!(scaled.ceiling(20), Duration::from_millis(1200));
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("1994-11-06T08:49:30Z")
            .expect("now")
            .to_utc();
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO),
            "a date past"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
