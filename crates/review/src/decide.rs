//! The decisions: approve, return, expire, sweep, judge, reveal, and the claims that
//! tell reviewers who has an application open. Each is one transaction in the store,
//! written only if the application is still at the version the reviewer saw.

use chrono::{DateTime, Duration, FixedOffset};
use shenhe_domain::calendar;
use shenhe_domain::checks::{self, CheckId, Judgement, Outcome};
use shenhe_domain::events::EventKind;
use shenhe_domain::policy::{Policy, ProductKind};
use shenhe_domain::state::{self, Event, Facts, State};
use shenhe_store::{Claim, NewAuditEntry, NewEvent, QueueQuery, StateChange, StoredApplication};

use crate::{
    ApprovalPlan, AuditEntry, CLAIM_SECONDS, Decided, Review, ReviewError, ReviewResult, SweepItem,
    derive,
};

impl Review {
    /// The current version of an application, for callers that decide without having
    /// shown it (the command line). The store still refuses if it changes before writing.
    pub(crate) fn load(&self, id: &str) -> ReviewResult<StoredApplication> {
        self.store
            .get(id)?
            .ok_or_else(|| ReviewError::NotFound { id: id.to_string() })
    }

    pub fn current_version(&self, id: &str) -> ReviewResult<i64> {
        Ok(self.load(id)?.version)
    }

    /// Decides `stored` (as the caller read it) if it is still at `version`; the store
    /// checks that again in the transaction that writes. `approval` is the plan of an
    /// approval (where it leads besides the product's kind).
    fn decide(
        &mut self,
        stored: StoredApplication,
        version: i64,
        event: Event,
        mut entry: NewAuditEntry,
        mut published: NewEvent,
        approval: Option<&ApprovalPlan>,
    ) -> ReviewResult<Decided> {
        let id = stored.app.id.as_str();
        unchanged_since(&stored, version)?;
        let kind = product_kind(&self.policy, &stored)?;
        let verified = stored.app.applicant.verified;
        let facts = match approval {
            Some(plan) => plan.facts(kind, verified),
            None => Facts {
                verified,
                ..Facts::of_kind(kind)
            },
        };
        let to = state::transition_with(stored.state, event, facts).map_err(|refused| {
            if stored.state == state::initial_state(true)
                || stored.state == state::initial_state(false)
            {
                // Still as submitted: nobody decided it, the event just does not apply.
                ReviewError::Refused(refused)
            } else {
                ReviewError::RefusedAfter {
                    refused,
                    id: id.to_string(),
                    by: stored.changed_by.clone(),
                    at: stored.changed_at,
                }
            }
        })?;
        entry.from_state = Some(stored.state.id().to_string());
        entry.to_state = Some(to.id().to_string());
        entry.revision = stored.revision;
        if published.kind == EventKind::Approved {
            published.data["integration_needed"] = (to == State::PendingIntegration).into();
        }
        let entry = self.store.change_state(
            StateChange {
                id: id.to_string(),
                expected_version: version,
                to,
                audit: entry,
                event: published,
            },
            None,
        )?;
        Ok(Decided {
            id: id.to_string(),
            from: stored.state,
            to,
            entry,
        })
    }

    pub(crate) fn entry(&self, id: &str, action: &str) -> NewAuditEntry {
        NewAuditEntry::new(id, 0, self.now(), &self.actor, action)
    }

    /// Approves at `version`. Manual checks not yet judged are attested as passing by
    /// the approval; the audit entry names them. Over failing checks it needs a note and
    /// is recorded as an override; when the policy asks for four eyes it goes to a second
    /// reviewer, who must be another; an interface product the account already has
    /// effective takes effect at once (`ApprovalPlan`).
    pub fn approve(
        &mut self,
        id: &str,
        version: i64,
        note: Option<String>,
    ) -> ReviewResult<Decided> {
        let view = self.show(id)?;
        let note = clean(note, Written::Note)?;
        let plan = view.approval.clone();
        // A view at another version, or a state that allows no approval: `decide` says so.
        if let Some(plan) = plan.as_ref().filter(|_| view.stored.version == version) {
            plan.check_reviewer(id, &self.actor)?;
            plan.check_note(id, note.as_deref())?;
        }
        let mut entry = self.entry(id, "approve");
        entry.note = note;
        let attested: Vec<&str> = view.unjudged_manual().iter().map(|c| c.id()).collect();
        let failed: Vec<&str> = view.failed().iter().map(|c| c.id()).collect();
        let mut detail = Vec::new();
        if !attested.is_empty() {
            detail.push(format!("attested manual checks: {}", attested.join(", ")));
        }
        if !failed.is_empty() {
            detail.push(format!(
                "override: approved despite failed checks: {}",
                failed.join(", ")
            ));
        }
        let mut published = NewEvent::new(EventKind::Approved);
        if let Some(plan) = &plan {
            let reasons: Vec<&str> = plan.second_approval.iter().map(|r| r.id()).collect();
            if !reasons.is_empty() {
                detail.push(format!("second approval needed: {}", reasons.join(", ")));
                published = NewEvent::new(EventKind::ApprovalPendingSecond);
                published.data["second_approval_reasons"] = reasons.into();
            }
            if let Some(first) = &plan.second_approval_of {
                detail.push(format!("second approval of {first}'s"));
                published.data["second_approval_of"] = first.clone().into();
            }
            if plan.product_effective {
                detail.push("account already has this product effective: no integration".into());
            }
            published.data["product_already_effective"] = plan.product_effective.into();
        }
        published.data["override"] = (!failed.is_empty()).into();
        published.data["failed_checks"] = failed.into();
        entry.detail = (!detail.is_empty()).then(|| detail.join("; "));
        self.decide(
            view.stored,
            version,
            Event::Approve,
            entry,
            published,
            plan.as_ref(),
        )
    }

    /// Returns at `version` with at least one reason of the catalogue.
    pub fn return_application(
        &mut self,
        id: &str,
        version: i64,
        reasons: &[String],
        message: Option<String>,
        note: Option<String>,
    ) -> ReviewResult<Decided> {
        if reasons.is_empty() {
            return Err(ReviewError::ReasonNeeded);
        }
        let mut unique: Vec<String> = Vec::new();
        for code in reasons {
            if self.policy.reason(code).is_none() {
                return Err(ReviewError::UnknownReason {
                    code: code.clone(),
                    known: self.policy.reasons.iter().map(|r| r.code.clone()).collect(),
                });
            }
            if !unique.contains(code) {
                unique.push(code.clone());
            }
        }
        let message = clean(message, Written::Message)?;
        if unique.iter().any(|r| r == "other") && message.is_none() {
            return Err(ReviewError::OtherNeedsMessage);
        }
        let mut entry = self.entry(id, "return");
        entry.message = message;
        entry.note = clean(note, Written::Note)?;
        let mut published = NewEvent::new(EventKind::Returned);
        published.data["reasons"] = unique
            .iter()
            .filter_map(|code| self.policy.reason(code))
            .map(|r| serde_json::json!({"code": r.code, "zh": r.zh, "en": r.en}))
            .collect();
        published.data["message"] = entry.message.clone().into();
        entry.reasons = unique;
        // Four eyes: whoever gave the first approval cannot give the second decision
        // either way (their own approval, returned by them, would be one pair of eyes).
        let view = self.show(id)?;
        if view.stored.state == State::PendingSecondApproval
            && let Some(plan) = &view.approval
        {
            plan.check_reviewer(id, &self.actor)?;
        }
        self.decide(view.stored, version, Event::Return, entry, published, None)
    }

    /// Expires an order waiting for real-name verification past its 15-day window.
    /// Inside the window it is refused, unless forced with a note.
    pub fn expire(
        &mut self,
        id: &str,
        version: i64,
        note: Option<String>,
        force: bool,
    ) -> ReviewResult<Decided> {
        let stored = self.load(id)?;
        let deadline = calendar::verification_deadline(stored.app.submitted_at);
        let note = clean(note, Written::Note)?;
        let mut entry = self.entry(id, "expire");
        if stored.state == State::PendingVerification
            && calendar::verification_days_left(stored.app.submitted_at, self.now()).is_some()
        {
            if !force {
                return Err(ReviewError::WindowOpen {
                    id: id.to_string(),
                    until: deadline,
                });
            }
            if note.is_none() {
                return Err(ReviewError::ForcedExpireNeedsNote);
            }
            entry.detail = Some(format!(
                "forced inside the verification window (until {})",
                deadline.to_rfc3339()
            ));
        }
        entry.note = note;
        let published = NewEvent::new(EventKind::Expired);
        self.decide(stored, version, Event::Expire, entry, published, None)
    }

    /// Expires every order past its verification window, each with its own audit entry.
    pub fn sweep(&mut self, dry_run: bool) -> ReviewResult<Vec<SweepItem>> {
        let cutoff = self.count_bounds().verification_cutoff;
        let query = QueueQuery {
            states: vec![State::PendingVerification],
            submitted_before: Some(cutoff),
            sort: shenhe_store::SortKey::Submitted,
            ..Default::default()
        };
        let mut items = Vec::new();
        let mut offset = 0;
        loop {
            let rows = self.store.page(&query, offset, 500, self.now())?;
            if rows.is_empty() {
                break;
            }
            if dry_run {
                offset += rows.len() as u64;
            }
            for row in rows {
                let mut item = SweepItem {
                    id: row.id.clone(),
                    submitted_at: row.submitted_at,
                    expired: false,
                    error: None,
                };
                if !dry_run {
                    match self.expire(
                        &row.id,
                        row.version,
                        Some("15-day verification window lapsed (sweep)".into()),
                        false,
                    ) {
                        Ok(_) => item.expired = true,
                        Err(e) => {
                            item.error = Some(e.to_string());
                            offset += 1;
                        }
                    }
                }
                items.push(item);
            }
        }
        Ok(items)
    }

    /// Records a reviewer's judgement of a check that needs a person.
    pub fn judge(
        &mut self,
        id: &str,
        version: i64,
        check: CheckId,
        passed: bool,
        note: Option<String>,
    ) -> ReviewResult<AuditEntry> {
        let view = self.show(id)?;
        let stored = &view.stored;
        if !stored.state.is_open() {
            return Err(ReviewError::Closed {
                id: id.to_string(),
                state: stored.state,
            });
        }
        let raw = checks::evaluate(&self.policy, &stored.app);
        if !raw
            .iter()
            .any(|r| r.id == check && r.outcome == Outcome::Manual)
        {
            return Err(ReviewError::NotManual {
                id: id.to_string(),
                check,
            });
        }
        let judgement = Judgement {
            check,
            passed,
            note: clean(note, Written::Note)?,
            by: self.actor.clone(),
            at: self.now(),
        };
        let mut all = view.judgements.clone();
        all.retain(|j| j.check != check);
        all.push(judgement.clone());
        let derived = derive(&self.policy, &stored.app, stored.reviewable_at, &all);
        let mut entry = self.entry(id, "judge");
        entry.revision = stored.revision;
        entry.detail = Some(format!("{check}: {}", if passed { "pass" } else { "fail" }));
        entry.note = judgement.note.clone();
        Ok(self
            .store
            .judge(id, version, stored.revision, &judgement, &derived, entry)?)
    }

    /// The test account's password, logged in the audit trail with who and when.
    pub fn reveal_password(&mut self, id: &str) -> ReviewResult<Option<String>> {
        let stored = self.load(id)?;
        let password = stored
            .app
            .website
            .as_ref()
            .and_then(|w| w.test_password.clone());
        if password.is_some() {
            let mut entry = self.entry(id, "reveal_password");
            entry.revision = stored.revision;
            self.store.record(entry)?;
        }
        Ok(password)
    }

    /// Records that this reviewer decides despite another's claim.
    pub fn record_claim_override(&mut self, id: &str, claim: &Claim) -> ReviewResult<()> {
        let mut entry = self.entry(id, "claim_override");
        entry.detail = Some(format!(
            "claimed by {} until {}",
            claim.reviewer,
            claim.expires_at.to_rfc3339()
        ));
        self.store.record(entry)?;
        Ok(())
    }

    // ---- claims ----

    /// Claims `id` for this session; returns another session's live claim instead, if any.
    pub fn claim(&mut self, id: &str) -> ReviewResult<Option<Claim>> {
        let now = self.now();
        let claim = Claim {
            application_id: id.to_string(),
            reviewer: self.actor.clone(),
            session: self.session.clone(),
            expires_at: now + Duration::seconds(CLAIM_SECONDS),
        };
        Ok(self.store.claim(&claim, now)?)
    }

    pub fn release(&mut self, id: &str) -> ReviewResult<()> {
        Ok(self.store.release(id, &self.session)?)
    }

    pub fn session(&self) -> &str {
        &self.session
    }
}

/// A text a reviewer writes into the record: the internal note, or the message the
/// applicant is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Note,
    Message,
}

/// A reviewer's text as the record keeps it: trimmed, none when blank, Windows line ends
/// made plain. A control character other than a line break or a tab (a NUL, an escape
/// sequence pasted from a terminal) is refused: nobody meant it, a merchant's mail would
/// carry it, and a PostgreSQL text cannot hold a NUL. So are the characters that reorder
/// or hide text (bidirectional overrides and isolates, zero-width marks, line and
/// paragraph separators): the message reaches the merchant by webhook, where no terminal
/// escapes them. `at` counts characters of the text as typed, from 1.
pub(crate) fn clean(text: Option<String>, field: Written) -> ReviewResult<Option<String>> {
    let Some(text) = text else {
        return Ok(None);
    };
    if let Some((at, c)) = refused_character(&text) {
        return Err(ReviewError::ControlCharacter {
            field,
            code: u32::from(c),
            at,
        });
    }
    let text = text.replace("\r\n", "\n").trim().to_string();
    Ok(Some(text).filter(|t| !t.is_empty()))
}

/// The first character a reviewer's text may not hold, and where (from 1), if any.
pub fn refused_character(text: &str) -> Option<(usize, char)> {
    let mut chars = text.chars().enumerate().peekable();
    while let Some((at, c)) = chars.next() {
        let crlf = c == '\r' && chars.peek().is_some_and(|(_, next)| *next == '\n');
        if (c.is_control() && !matches!(c, '\n' | '\t') && !crlf) || reorders_or_hides(c) {
            return Some((at + 1, c));
        }
    }
    None
}

/// Characters that change how the text around them reads without being seen.
fn reorders_or_hides(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
    )
}

/// The kind of product `stored` applies for, which decides where approval leads.
pub(crate) fn product_kind(
    policy: &Policy,
    stored: &StoredApplication,
) -> ReviewResult<ProductKind> {
    policy
        .product(&stored.app.product)
        .map(|p| p.kind)
        .ok_or_else(|| ReviewError::ProductGone {
            id: stored.app.id.clone(),
            product: stored.app.product.clone(),
        })
}

/// Whether `event` may be taken on `stored` at `now`, without forcing: the rules the
/// decisions below apply before they write, for a face that would rather refuse before
/// asking for a note. The store still checks the version when it writes.
pub fn may_decide(
    policy: &Policy,
    stored: &StoredApplication,
    event: Event,
    now: DateTime<FixedOffset>,
) -> ReviewResult<State> {
    let to = state::transition(stored.state, event, product_kind(policy, stored)?)?;
    let submitted = stored.app.submitted_at;
    if event == Event::Expire && calendar::verification_days_left(submitted, now).is_some() {
        return Err(ReviewError::WindowOpen {
            id: stored.app.id.clone(),
            until: calendar::verification_deadline(submitted),
        });
    }
    Ok(to)
}

/// Refuses, naming who changed it and when, unless `stored` is still at `version` (the
/// one the reviewer saw). The store checks again in the transaction that writes.
pub(crate) fn unchanged_since(stored: &StoredApplication, version: i64) -> ReviewResult<()> {
    if stored.version == version {
        return Ok(());
    }
    Err(ReviewError::Conflict {
        id: stored.app.id.clone(),
        state: stored.state,
        by: stored.changed_by.clone(),
        at: stored.changed_at,
    })
}
