//! Moments and durations in words: every date a person reads is China time (UTC+8),
//! whatever the machine's zone, in one of a few fixed shapes.

use chrono::{DateTime, FixedOffset};
use shenhe_domain::calendar::{TimeLeft, china};

use crate::Lang;

/// "2026-10-09 14:30:05", for records and errors that must be exact.
pub fn china_seconds(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// "2026-10-09 14:30", for due times and deadlines.
pub fn china_minutes(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// "10-09 14:30", where the year is plain from the context (the queue, the history).
pub fn china_short(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china()).format("%m-%d %H:%M").to_string()
}

/// "14:30", for what happens today (a claim's end).
pub fn china_clock(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&china()).format("%H:%M").to_string()
}

impl Lang {
    /// "2 bd 5 h left" / "剩2个工作日5小时", "overdue 3 h" / "超期3小时".
    pub fn time_left(self, left: TimeLeft) -> String {
        match (self, left) {
            (
                Lang::En,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => {
                format!("{hours} h left today")
            }
            (
                Lang::En,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => {
                format!("{business_days} bd {hours} h left")
            }
            (
                Lang::En,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => {
                format!("overdue {hours} h")
            }
            (Lang::En, TimeLeft::Overdue { business_days, .. }) => {
                format!("overdue {business_days} bd")
            }
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("今日剩{hours}小时"),
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => {
                format!("剩{business_days}个工作日{hours}小时")
            }
            (
                Lang::Zh,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("超期{hours}小时"),
            (Lang::Zh, TimeLeft::Overdue { business_days, .. }) => {
                format!("超期{business_days}个工作日")
            }
        }
    }

    /// For the queue's narrow column: "1bd 13h" / "1工作日13时", "late 2bd" / "超期2工作日".
    pub fn time_left_short(self, left: TimeLeft) -> String {
        match (self, left) {
            (
                Lang::En,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("{hours}h"),
            (
                Lang::En,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => {
                format!("{business_days}bd {hours}h")
            }
            (
                Lang::En,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("late {hours}h"),
            (Lang::En, TimeLeft::Overdue { business_days, .. }) => {
                format!("late {business_days}bd")
            }
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("剩{hours}时"),
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => {
                // 工作日 as the detail says it: 天 is a calendar day (the verification
                // window, the age).
                format!("{business_days}工作日{hours}时")
            }
            (
                Lang::Zh,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("超期{hours}时"),
            (Lang::Zh, TimeLeft::Overdue { business_days, .. }) => {
                format!("超期{business_days}工作日")
            }
        }
    }

    /// The verification window: whole days left, or lapsed (`None`).
    pub fn verification_left(self, days_left: Option<i64>) -> String {
        match (self, days_left) {
            (Lang::En, Some(days)) => format!("verify {days} d left"),
            (Lang::En, None) => "window lapsed".to_string(),
            (Lang::Zh, Some(days)) => format!("认证剩{days}天"),
            (Lang::Zh, None) => "认证期已过".to_string(),
        }
    }

    /// The verification window in the queue's narrow column.
    pub fn verification_short(self, days_left: Option<i64>) -> String {
        match (self, days_left) {
            (Lang::En, Some(days)) => format!("verify {days}d"),
            (Lang::En, None) => "lapsed".to_string(),
            (Lang::Zh, Some(days)) => format!("认证剩{days}天"),
            (Lang::Zh, None) => "认证超期".to_string(),
        }
    }

    /// Age of an application: "3d", "5h".
    pub fn age_short(self, hours: i64) -> String {
        match (self, hours >= 24) {
            (Lang::En, true) => format!("{}d", hours / 24),
            (Lang::En, false) => format!("{}h", hours.max(0)),
            (Lang::Zh, true) => format!("{}天", hours / 24),
            (Lang::Zh, false) => format!("{}时", hours.max(0)),
        }
    }
}
