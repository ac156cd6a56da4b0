//! The audit trail: append-only, and tamper-evident. Each entry carries a SHA-256 over its
//! own content and the previous entry's hash, so editing or removing any entry breaks
//! every hash after it.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash the first entry chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is recorded; the store adds the sequence number and the hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAuditEntry {
    pub application_id: String,
    pub revision: u32,
    #[serde(serialize_with = "crate::store::ser_instant")]
    pub at: DateTime<FixedOffset>,
    /// The operating-system account that acted.
    pub actor: String,
    /// submit, resubmit, approve, return, expire, judge, reveal_password, claim_override, verified
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// Return reason codes.
    pub reasons: Vec<String>,
    /// Shown to the applicant.
    pub message: Option<String>,
    /// Internal: the applicant never sees it.
    pub note: Option<String>,
    /// Anything else worth keeping (a judged check, a forced expiry).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: NewAuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: over a canonical JSON array of every field, in a fixed order,
/// so that no field can be changed or moved to another without changing it.
pub fn entry_hash(seq: i64, e: &NewAuditEntry, prev_hash: &str) -> String {
    let canonical = (
        seq,
        &e.application_id,
        e.revision,
        e.at.to_rfc3339(),
        &e.actor,
        &e.action,
        &e.from_state,
        &e.to_state,
        &e.reasons,
        &e.message,
        &e.note,
        &e.detail,
        prev_hash,
    );
    // One buffer hashed at once: feeding the hash serde's many small writes costs more.
    let bytes = serde_json::to_vec(&canonical).expect("audit entries serialise");
    hex(&Sha256::digest(&bytes))
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// The first place a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's hash is not the hash of its content: it was edited.
    Content { seq: i64 },
    /// The entry does not chain from the one before it: one was removed or inserted.
    Link { seq: i64 },
}

/// Walks a chain entry by entry; feed it entries in sequence order.
#[derive(Debug)]
pub struct ChainVerifier {
    prev_hash: String,
    pub checked: u64,
    pub broken: Option<ChainBreak>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev_hash: GENESIS.to_string(),
            checked: 0,
            broken: None,
        }
    }
}

impl ChainVerifier {
    /// False once the chain is broken (stop reading).
    pub fn feed(&mut self, entry: &AuditEntry) -> bool {
        if entry.prev_hash != self.prev_hash {
            self.broken = Some(ChainBreak::Link { seq: entry.seq });
            return false;
        }
        if entry_hash(entry.seq, &entry.entry, &entry.prev_hash) != entry.hash {
            self.broken = Some(ChainBreak::Content { seq: entry.seq });
            return false;
        }
        self.prev_hash = entry.hash.clone();
        self.checked += 1;
        true
    }
}
