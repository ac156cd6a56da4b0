//! Assignment (issue 14): a lead gives applications to a reviewer. Each is an audit
//! entry (action `assign`, no change of state) and an event (`application.assigned`),
//! all of one command in one transaction.

use serde::Serialize;

use shenhe_domain::events::EventKind;
use shenhe_store::{NewAssignment, NewEvent};

use crate::{Review, ReviewError, ReviewResult};

/// One application assigned, and to whom it was assigned before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assigned {
    pub id: String,
    pub assignee: String,
    pub previous: Option<String>,
}

impl Review {
    /// Assigns every application of `ids` to `to`: only a lead may, only to a reviewer
    /// the database knows, only open applications. All or nothing.
    pub fn assign(&mut self, ids: &[String], to: &str) -> ReviewResult<Vec<Assigned>> {
        if !self.is_lead()? {
            return Err(ReviewError::NotLead {
                actor: self.actor.clone(),
            });
        }
        if !self.store.reviewers()?.iter().any(|r| r.name == to) {
            return Err(ReviewError::UnknownReviewer {
                name: to.to_string(),
            });
        }
        let mut seen: Vec<&String> = Vec::new();
        let mut out = Vec::new();
        let mut writes = Vec::new();
        for id in ids {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let stored = self.load(id)?;
            if !stored.state.is_open() {
                return Err(ReviewError::NotOpen {
                    id: id.clone(),
                    state: stored.state,
                });
            }
            let previous = self.store.assignee(id)?;
            let mut entry = self.entry(id, "assign");
            entry.detail = Some(match &previous {
                Some(p) => format!("to {to} (was {p})"),
                None => format!("to {to}"),
            });
            let mut event = NewEvent::new(EventKind::Assigned);
            event.data["assignee"] = to.into();
            event.data["previous_assignee"] = previous.clone().into();
            writes.push(NewAssignment {
                id: id.clone(),
                reviewer: to.to_string(),
                audit: entry,
                event,
            });
            out.push(Assigned {
                id: id.clone(),
                assignee: to.to_string(),
                previous,
            });
        }
        self.store.assign(&writes)?;
        Ok(out)
    }

    /// The reviewer `id` is assigned to, if any.
    pub fn assignee(&self, id: &str) -> ReviewResult<Option<String>> {
        Ok(self.store.assignee(id)?)
    }
}
