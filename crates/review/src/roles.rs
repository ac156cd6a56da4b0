//! Reviewers and leads (the `reviewers` table), and reopening a decided application.
//! A lead reopens and adds or removes reviewers; every change of the team is an entry of
//! the audit trail under [`TEAM_AUDIT_ID`], chained like every other.

use crate::decide::unchanged_since;
use shenhe_domain::events::EventKind;
use shenhe_domain::policy::Policy;
use shenhe_domain::state::{self, Event, State};
use shenhe_store::{NewAuditEntry, NewEvent, Reviewer, StateChange, StoredApplication};

use crate::decide::{Written, clean, product_kind};
use crate::{Decided, Review, ReviewError, ReviewResult, TEAM_AUDIT_ID, derive, identity};

impl Review {
    /// Every reviewer the database knows, by name.
    pub fn reviewers(&self) -> ReviewResult<Vec<Reviewer>> {
        Ok(self.store.reviewers()?)
    }

    /// Whether the acting reviewer is a lead.
    pub fn is_lead(&self) -> ReviewResult<bool> {
        Ok(self
            .store
            .reviewers()?
            .iter()
            .any(|r| r.lead && r.name == self.actor))
    }

    /// Refuses unless the acting reviewer is a lead (or, on a database without any lead,
    /// says how the first one is made).
    fn require_lead(&self) -> ReviewResult<()> {
        let reviewers = self.store.reviewers()?;
        if reviewers.iter().any(|r| r.lead && r.name == self.actor) {
            return Ok(());
        }
        Err(ReviewError::NotLead {
            actor: self.actor.clone(),
        })
    }

    fn team_entry(&self, action: &str, detail: String) -> NewAuditEntry {
        let mut entry = self.entry(TEAM_AUDIT_ID, action);
        entry.detail = Some(detail);
        entry
    }

    /// `shenhe init`: the acting reviewer becomes the first lead of a database that has
    /// none. `created`: the database was created just now, by this reviewer (then the
    /// reviewers row, `added_by` themselves, is the record: the audit trail starts with
    /// the applications); else only the owner of the database file may (`owns_database`,
    /// checked by the face), and it is in the audit trail. Returns whether it did.
    pub fn make_first_lead(&mut self, created: bool, owns_database: bool) -> ReviewResult<bool> {
        if self.store.reviewers()?.iter().any(|r| r.lead) {
            return Ok(false);
        }
        if !(created || owns_database) {
            return Err(ReviewError::NoLeadYet {
                actor: self.actor.clone(),
            });
        }
        let reviewer = Reviewer {
            name: self.actor.clone(),
            lead: true,
            added_at: self.now(),
            added_by: self.actor.clone(),
        };
        let entry = (!created).then(|| {
            self.team_entry(
                "add_reviewer",
                format!(
                    "{} (lead); first lead, by the owner of the database file",
                    reviewer.name
                ),
            )
        });
        self.store.put_reviewer(&reviewer, entry)?;
        Ok(true)
    }

    /// Adds a reviewer, or makes an existing one a lead (or no longer one). Only a lead
    /// may; on a database without any lead, the owner of the database file may make the
    /// first lead (`owns_database`, checked by the face).
    pub fn add_reviewer(
        &mut self,
        name: &str,
        lead: bool,
        owns_database: bool,
    ) -> ReviewResult<Reviewer> {
        if !identity::valid_name(name) {
            return Err(ReviewError::BadReviewerName {
                name: name.to_string(),
            });
        }
        let reviewers = self.store.reviewers()?;
        let has_lead = reviewers.iter().any(|r| r.lead);
        if !has_lead {
            if !(lead && owns_database) {
                return Err(ReviewError::NoLeadYet {
                    actor: self.actor.clone(),
                });
            }
        } else {
            self.require_lead()?;
        }
        let existing = reviewers.iter().find(|r| r.name == name);
        let reviewer = match existing {
            Some(r) => Reviewer { lead, ..r.clone() },
            None => Reviewer {
                name: name.to_string(),
                lead,
                added_at: self.now(),
                added_by: self.actor.clone(),
            },
        };
        let role = if lead { "lead" } else { "reviewer" };
        let (action, detail) = match existing {
            None => ("add_reviewer", format!("{name} ({role})")),
            Some(_) => ("change_reviewer", format!("{name}: now {role}")),
        };
        let detail = if has_lead {
            detail
        } else {
            format!("{detail}; first lead, by the owner of the database file")
        };
        let entry = self.team_entry(action, detail);
        self.store.put_reviewer(&reviewer, Some(entry))?;
        Ok(reviewer)
    }

    /// Removes a reviewer. Only a lead may, and never the last lead.
    pub fn remove_reviewer(&mut self, name: &str) -> ReviewResult<()> {
        self.require_lead()?;
        if name.chars().any(char::is_control) {
            // No reviewer's name holds one (and PostgreSQL's text cannot hold a NUL).
            return Err(ReviewError::UnknownReviewer {
                name: name.to_string(),
            });
        }
        let entry = self.team_entry("remove_reviewer", name.to_string());
        self.store.remove_reviewer(name, entry)?;
        Ok(())
    }

    /// Reopens a decided application (returned, pending integration, effective,
    /// cancelled): back to the review queue, due three business days from now. Only a
    /// lead may, with a note saying why.
    pub fn reopen(
        &mut self,
        id: &str,
        version: i64,
        note: Option<String>,
    ) -> ReviewResult<Decided> {
        self.require_lead()?;
        let stored = self.load(id)?;
        unchanged_since(&stored, version)?;
        let to = may_reopen(&self.policy, &stored)?;
        let note = clean(note, Written::Note)?.ok_or(ReviewError::ReopenNeedsNote)?;
        let now = self.now();
        let judgements = self.store.judgements(id, stored.revision)?;
        // A fresh clock: reviewable again from the reopening.
        let derived = derive(&self.policy, &stored.app, Some(now), &judgements);
        let mut entry = NewAuditEntry::new(id, stored.revision, now, &self.actor, "reopen");
        entry.from_state = Some(stored.state.id().to_string());
        entry.to_state = Some(to.id().to_string());
        entry.note = Some(note);
        entry.detail = Some(format!(
            "due again {}",
            derived
                .due_at
                .with_timezone(&shenhe_domain::calendar::china())
                .to_rfc3339()
        ));
        let mut published = NewEvent::new(EventKind::Reopened);
        published.data["due_at"] = derived
            .due_at
            .with_timezone(&shenhe_domain::calendar::china())
            .to_rfc3339()
            .into();
        let entry = self.store.reopen(
            StateChange {
                id: id.to_string(),
                expected_version: version,
                to,
                audit: entry,
                event: published,
            },
            &derived,
        )?;
        Ok(Decided {
            id: id.to_string(),
            from: stored.state,
            to,
            entry,
        })
    }
}

/// Whether `stored` may be reopened: only a decided application (one the domain's table
/// lets reopen). Where it goes: the review queue. The lead check and the note come after,
/// in [`Review::reopen`].
pub fn may_reopen(policy: &Policy, stored: &StoredApplication) -> ReviewResult<State> {
    state::transition(stored.state, Event::Reopen, product_kind(policy, stored)?).map_err(|_| {
        ReviewError::NotDecided {
            id: stored.app.id.clone(),
            state: stored.state,
        }
    })
}
