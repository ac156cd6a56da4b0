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

/// The probe's findings as evidence on the checks they bear on: each is added to its
/// check's evidence, for the reviewer to weigh. Outcomes stay as computed or judged (the
/// reviewer decides); a probe of an earlier revision says nothing about this one.
pub fn add_evidence(
    results: &mut [crate::checks::CheckResult],
    probe: &ProbeRecord,
    revision: u32,
) {
    if probe.revision != revision {
        return;
    }
    for result in results.iter_mut() {
        for f in probe.on(result.id) {
            result.detail = Detail::new(
                format!("{}; the site probe saw: {}", result.detail.en, f.detail.en),
                format!("{}；网站探测发现：{}", result.detail.zh, f.detail.zh),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckResult, Outcome};

    #[test]
    fn findings_are_added_to_their_checks_evidence_of_the_same_revision_only() {
        let probe = ProbeRecord {
            application_id: "A".into(),
            revision: 2,
            fetched_at: chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").unwrap(),
            url: "https://a.example".into(),
            status: Some(302),
            final_url: "https://shop1.taobao.com".into(),
            tls_ok: Some(true),
            elapsed_ms: 12,
            title: None,
            footer_icp: None,
            error: None,
            findings: vec![ProbeFinding {
                check: CheckId::NotTaobaoShop,
                finding: "redirect_to_taobao".into(),
                detail: Detail::new("redirects to a Taobao shop", "跳转至淘宝店铺"),
            }],
        };
        let result = |id| CheckResult {
            id,
            outcome: Outcome::Pass,
            detail: Detail::new("ok", "通过"),
            reason: None,
        };
        let mut results = vec![result(CheckId::NotTaobaoShop), result(CheckId::IcpFiling)];
        add_evidence(&mut results, &probe, 1);
        assert_eq!(results[0].detail.en, "ok");
        add_evidence(&mut results, &probe, 2);
        assert_eq!(
            results[0].detail.en,
            "ok; the site probe saw: redirects to a Taobao shop"
        );
        assert_eq!(results[0].detail.zh, "通过；网站探测发现：跳转至淘宝店铺");
        assert_eq!(results[0].outcome, Outcome::Pass, "the reviewer decides");
        assert_eq!(results[1].detail.en, "ok");
    }
}
