//! What the site probe (crates/probe) saw at an application's declared website, as it is
//! kept and shown: evidence for the reviewer, never a decision. Every string in it came
//! from the applicant's site and is untrusted: shown only through `text::display_safe`.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::checks::{CheckId, Detail};

/// One finding: the check it bears on, a stable code, and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeFinding {
    pub check: CheckId,
    /// `redirect_to_taobao`, `icp_mismatch`, `icp_not_on_page`, `error_status`,
    /// `parked_domain`, `server_default_page`, `under_construction`.
    pub finding: String,
    pub detail: Detail,
}

/// One probe of one revision of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRecord {
    #[serde(skip)]
    pub application_id: String,
    #[serde(skip)]
    pub revision: u32,
    #[serde(with = "crate::application::rfc3339")]
    pub fetched_at: DateTime<FixedOffset>,
    pub url: String,
    /// The last HTTP status received; none when nothing answered.
    pub status: Option<u16>,
    pub final_url: String,
    /// For https, whether the certificate was valid.
    pub tls_ok: Option<bool>,
    pub elapsed_ms: u64,
    pub title: Option<String>,
    pub footer_icp: Option<String>,
    /// Why the probe got no page, when it got none.
    pub error: Option<Detail>,
    pub findings: Vec<ProbeFinding>,
}

impl ProbeRecord {
    /// The findings that bear on `check`.
    pub fn on(&self, check: CheckId) -> impl Iterator<Item = &ProbeFinding> {
        self.findings.iter().filter(move |f| f.check == check)
    }
}
