//! The clock. `SHENHE_NOW` (RFC 3339) replaces it everywhere, for tests and for
//! replaying a day.

use chrono::{DateTime, FixedOffset, Utc};

use shenhe_domain::calendar::china;

pub const NOW_VARIABLE: &str = "SHENHE_NOW";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(DateTime<FixedOffset>),
}

impl Clock {
    /// The system clock, unless `SHENHE_NOW` is set; a malformed value is an error.
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var(NOW_VARIABLE) {
            Err(_) => Ok(Clock::System),
            Ok(text) if text.trim().is_empty() => Ok(Clock::System),
            Ok(text) => DateTime::parse_from_rfc3339(text.trim())
                .map(Clock::Fixed)
                .map_err(|e| format!("{NOW_VARIABLE}=`{text}` is not an RFC 3339 date-time: {e}")),
        }
    }

    /// Now, in China Standard Time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        match self {
            Clock::System => Utc::now().with_timezone(&china()),
            Clock::Fixed(at) => at.with_timezone(&china()),
        }
    }
}
