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
    #[serde(serialize_with = "crate::ser_instant")]
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

impl NewAuditEntry {
    /// `actor` did `action` to `application_id` at `at`; the rest is filled in by the
    /// caller where it applies.
    pub fn new(
        application_id: &str,
        revision: u32,
        at: DateTime<FixedOffset>,
        actor: &str,
        action: &str,
    ) -> NewAuditEntry {
        NewAuditEntry {
            application_id: application_id.to_string(),
            revision,
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            from_state: None,
            to_state: None,
            reasons: Vec::new(),
            message: None,
            note: None,
            detail: None,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> NewAuditEntry {
        NewAuditEntry {
            application_id: "SQ1".into(),
            revision: 1,
            at: DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").expect("time"),
            actor: "lina".into(),
            action: "return".into(),
            from_state: Some("pending_review".into()),
            to_state: Some("returned".into()),
            reasons: vec!["icp_missing".into()],
            message: Some("请补充备案号".into()),
            note: Some("内部".into()),
            detail: Some("detail".into()),
        }
    }

    #[test]
    fn the_hash_covers_every_field_the_sequence_and_the_link() {
        let base = entry();
        let hash = entry_hash(3, &base, GENESIS);
        assert_eq!(hash.len(), 64);
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(hash, entry_hash(3, &base.clone(), GENESIS), "deterministic");
        type Edit = Box<dyn Fn(&mut NewAuditEntry)>;
        let edits: Vec<(&str, Edit)> = vec![
            (
                "application_id",
                Box::new(|e| e.application_id = "SQ2".into()),
            ),
            ("revision", Box::new(|e| e.revision = 2)),
            ("at", Box::new(|e| e.at += chrono::Duration::seconds(1))),
            ("actor", Box::new(|e| e.actor = "mallory".into())),
            ("action", Box::new(|e| e.action = "approve".into())),
            ("from_state", Box::new(|e| e.from_state = None)),
            (
                "to_state",
                Box::new(|e| e.to_state = Some("effective".into())),
            ),
            ("to_state none", Box::new(|e| e.to_state = None)),
            ("reasons", Box::new(|e| e.reasons.push("x".into()))),
            ("message", Box::new(|e| e.message = None)),
            ("note", Box::new(|e| e.note = Some("别的".into()))),
            ("detail", Box::new(|e| e.detail = None)),
            // A value moved from one field to its neighbour changes the hash too.
            (
                "moved",
                Box::new(|e| {
                    e.message = e.note.take();
                }),
            ),
        ];
        for (what, edit) in edits {
            let mut edited = base.clone();
            edit(&mut edited);
            assert_ne!(entry_hash(3, &edited, GENESIS), hash, "{what}");
        }
        assert_ne!(entry_hash(4, &base, GENESIS), hash, "seq");
        assert_ne!(entry_hash(3, &base, &"1".repeat(64)), hash, "prev_hash");
    }

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff, 0x5c]), "000fa0ff5c");
        assert_eq!(hex(&[]), "");
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let e = entry();
                let hash = entry_hash(seq, &e, &prev);
                AuditEntry {
                    seq,
                    entry: e,
                    prev_hash: std::mem::replace(&mut prev, hash.clone()),
                    hash,
                }
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry]) -> ChainVerifier {
        let mut v = ChainVerifier::default();
        for e in entries {
            if !v.feed(e) {
                break;
            }
        }
        v
    }

    #[test]
    fn an_intact_chain_verifies_from_genesis() {
        let v = verify(&chain(5));
        assert_eq!((v.checked, v.broken), (5, None));
        // A chain that does not start at genesis is not whole.
        let v = verify(&chain(5)[1..]);
        assert_eq!(
            (v.checked, v.broken),
            (0, Some(ChainBreak::Link { seq: 2 }))
        );
    }

    #[test]
    fn an_edit_is_content_and_a_removal_is_a_link() {
        let mut edited = chain(5);
        edited[2].entry.actor = "mallory".into();
        let v = verify(&edited);
        assert_eq!(
            (v.checked, v.broken),
            (2, Some(ChainBreak::Content { seq: 3 }))
        );

        let mut removed = chain(5);
        removed.remove(2);
        let v = verify(&removed);
        assert_eq!(
            (v.checked, v.broken),
            (2, Some(ChainBreak::Link { seq: 4 }))
        );

        // A rebuilt hash without a rebuilt link is still a broken link.
        let mut forged = chain(5);
        forged[2].entry.actor = "mallory".into();
        forged[2].hash = entry_hash(3, &forged[2].entry, &forged[2].prev_hash);
        let v = verify(&forged);
        assert_eq!(
            (v.checked, v.broken),
            (3, Some(ChainBreak::Link { seq: 4 }))
        );
    }
}
