//! The clock. `SHENHE_NOW` (RFC 3339) replaces it everywhere, for tests and for
//! replaying a day, on databases made for tests or training only (the command line
//! refuses it on any other: a decision must not be back- or forward-dated).

use chrono::{DateTime, Datelike, FixedOffset, Utc};

use shenhe_domain::calendar::china;

pub const NOW_VARIABLE: &str = "SHENHE_NOW";

/// The years a fixed clock may name (in China time).
const YEARS: (i32, i32) = (2000, 2999);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(DateTime<FixedOffset>),
}

impl Clock {
    /// The system clock, unless `SHENHE_NOW` is set; a malformed value is an error.
    pub fn from_env() -> Result<Clock, String> {
        Clock::from_setting(std::env::var(NOW_VARIABLE).ok().as_deref())
    }

    /// The clock a value of `SHENHE_NOW` asks for (unset or blank: the system's).
    fn from_setting(value: Option<&str>) -> Result<Clock, String> {
        match value {
            None => Ok(Clock::System),
            Some(text) if text.trim().is_empty() => Ok(Clock::System),
            Some(text) => {
                let at = DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
                    format!("{NOW_VARIABLE}=`{text}` is not an RFC 3339 date-time: {e}")
                })?;
                // Every instant is kept in China time: a year outside four digits there
                // could not be read back.
                let year = at.with_timezone(&china()).year();
                if !(YEARS.0..=YEARS.1).contains(&year) {
                    return Err(format!(
                        "{NOW_VARIABLE}=`{text}` is outside the years {} to {}",
                        YEARS.0, YEARS.1
                    ));
                }
                Ok(Clock::Fixed(at))
            }
        }
    }

    pub fn is_fixed(&self) -> bool {
        matches!(self, Clock::Fixed(_))
    }

    /// Now, in China Standard Time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        match self {
            Clock::System => Utc::now().with_timezone(&china()),
            Clock::Fixed(at) => at.with_timezone(&china()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_fixes_the_clock_in_china_time() {
        assert_eq!(Clock::from_setting(None), Ok(Clock::System));
        assert_eq!(Clock::from_setting(Some("  ")), Ok(Clock::System));
        let fixed = Clock::from_setting(Some(" 2026-09-30T17:30:00Z ")).expect("a time");
        // 17:30 UTC is half past one in the morning of 1 October in China.
        assert_eq!(fixed.now().to_rfc3339(), "2026-10-01T01:30:00+08:00");
        for far in [
            "9999-12-31T23:59:59Z",
            "2999-12-31T16:00:00Z",
            "1999-12-31T15:59:59Z",
        ] {
            let err = Clock::from_setting(Some(far)).unwrap_err();
            assert!(
                err.contains("outside the years 2000 to 2999"),
                "{far}: {err}"
            );
        }
        for edge in ["2999-12-31T15:59:59Z", "1999-12-31T16:00:00Z"] {
            assert!(Clock::from_setting(Some(edge)).is_ok(), "{edge}");
        }
        let err = Clock::from_setting(Some("yesterday")).unwrap_err();
        assert!(
            err.starts_with("SHENHE_NOW=`yesterday` is not an RFC 3339"),
            "{err}"
        );
    }

    #[test]
    fn the_system_clock_is_in_china_time() {
        let now = Clock::System.now();
        assert_eq!(now.offset().local_minus_utc(), 8 * 3600);
        assert!((Utc::now() - now.with_timezone(&Utc)).num_seconds().abs() < 60);
    }
}
