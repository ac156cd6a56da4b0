//! The kinds of event a change of an application publishes (docs/events.md). The names
//! are a contract with the systems that consume them: add kinds, never rename one.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "application.received")]
    Received,
    #[serde(rename = "application.verified")]
    Verified,
    #[serde(rename = "application.resubmitted")]
    Resubmitted,
    #[serde(rename = "application.approved")]
    Approved,
    #[serde(rename = "application.approval_pending_second")]
    ApprovalPendingSecond,
    #[serde(rename = "application.returned")]
    Returned,
    #[serde(rename = "application.expired")]
    Expired,
    #[serde(rename = "application.effective")]
    Effective,
    #[serde(rename = "application.reopened")]
    Reopened,
    /// A lead assigned the application to a reviewer (its state does not change).
    #[serde(rename = "application.assigned")]
    Assigned,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        EventKind::Received,
        EventKind::Verified,
        EventKind::Resubmitted,
        EventKind::Approved,
        EventKind::ApprovalPendingSecond,
        EventKind::Returned,
        EventKind::Expired,
        EventKind::Effective,
        EventKind::Reopened,
        EventKind::Assigned,
    ];

    pub fn id(self) -> &'static str {
        match self {
            EventKind::Received => "application.received",
            EventKind::Verified => "application.verified",
            EventKind::Resubmitted => "application.resubmitted",
            EventKind::Approved => "application.approved",
            EventKind::ApprovalPendingSecond => "application.approval_pending_second",
            EventKind::Returned => "application.returned",
            EventKind::Expired => "application.expired",
            EventKind::Effective => "application.effective",
            EventKind::Reopened => "application.reopened",
            EventKind::Assigned => "application.assigned",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.id() == s)
            .ok_or_else(|| format!("unknown event type `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names_and_serde() {
        for kind in EventKind::ALL {
            assert_eq!(kind.id().parse::<EventKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.id()));
        }
        assert!("application.deleted".parse::<EventKind>().is_err());
    }
}
