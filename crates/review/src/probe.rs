//! The site probe's bookkeeping (`shenhe probe`): what to probe, and keeping what was
//! seen. The fetching is crates/probe's, started by the command line; this layer only
//! says which applications and what they declare, and writes the records.

use shenhe_domain::checks::CheckId;
use shenhe_domain::probe::ProbeRecord;

use crate::{Review, ReviewResult};

/// What the probe needs to know of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTarget {
    pub id: String,
    pub revision: u32,
    pub url: String,
    pub declared_icp: Option<String>,
    /// Whether the product's checks ask for an ICP filing (`icp_filing` applies).
    pub icp_required: bool,
}

impl Review {
    /// The application's website to probe; None when it declares none.
    pub fn probe_target(&self, id: &str) -> ReviewResult<Option<ProbeTarget>> {
        let stored = self.load(id)?;
        let Some(site) = &stored.app.website else {
            return Ok(None);
        };
        let icp_required = self
            .policy
            .check_rule(CheckId::IcpFiling)
            .is_some_and(|rule| rule.products.contains(&stored.app.product));
        Ok(Some(ProbeTarget {
            id: stored.app.id.clone(),
            revision: stored.revision,
            url: site.url.clone(),
            declared_icp: site.icp.clone(),
            icp_required,
        }))
    }

    /// Applications waiting for review or verification whose current revision has not
    /// been probed, oldest first, at most `limit`.
    pub fn unprobed(&self, limit: u64) -> ReviewResult<Vec<ProbeTarget>> {
        let mut out = Vec::new();
        for (id, _) in self.store.unprobed(limit)? {
            if let Some(t) = self.probe_target(&id)? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Keeps what the probe saw, stamped with the review clock's time.
    pub fn record_probe(&mut self, mut record: ProbeRecord) -> ReviewResult<()> {
        record.fetched_at = self.now();
        Ok(self.store.record_probe(&record)?)
    }

    /// The newest probe of an application.
    pub fn latest_probe(&self, id: &str) -> ReviewResult<Option<ProbeRecord>> {
        Ok(self.store.latest_probe(id)?)
    }
}
