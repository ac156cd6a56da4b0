//! Drafts: the decision dialogs' text is sent to be kept whenever it changes (the worker
//! writes it at most once a second), so that a dropped SSH link loses nothing; opening
//! the same dialog on the same application again, from any console of the reviewer,
//! takes it back.

use shenhe_domain::drafts::{Draft, DraftKind};

use super::*;

impl App {
    /// The open decision dialog as a draft of the application on screen.
    fn dialog_draft(&self) -> Option<(String, Draft)> {
        let view = self.detail.as_ref()?;
        let draft = match &self.overlay {
            Overlay::Confirm(c) => Draft {
                kind: match c.decision {
                    Decision::Approve => DraftKind::Approve,
                    Decision::Expire => DraftKind::Expire,
                    Decision::Reopen => DraftKind::Reopen,
                },
                reasons: Vec::new(),
                message: String::new(),
                note: c.note.value().to_string(),
                saved_at: self.now,
            },
            Overlay::Return(r) => Draft {
                kind: DraftKind::Return,
                reasons: r
                    .reasons
                    .iter()
                    .filter(|(_, chosen)| *chosen)
                    .map(|(code, _)| code.clone())
                    .collect(),
                message: r.message.value().to_string(),
                note: r.note.value().to_string(),
                saved_at: self.now,
            },
            _ => return None,
        };
        Some((view.id().to_string(), draft))
    }

    /// After each action: the dialog's text to keep, when it changed since it was last
    /// sent. A return's pre-selected reasons alone are not a draft until something is
    /// typed or chosen by hand.
    pub(super) fn keep_draft(&mut self) -> Vec<Request> {
        let now = self.dialog_draft();
        let same = |a: &(String, Draft), b: &(String, Draft)| {
            a.0 == b.0
                && a.1.kind == b.1.kind
                && a.1.reasons == b.1.reasons
                && a.1.message == b.1.message
                && a.1.note == b.1.note
        };
        match (now, &self.kept_draft) {
            (None, _) => {
                self.kept_draft = None;
                Vec::new()
            }
            (Some(now), Some(kept)) if same(&now, kept) => Vec::new(),
            (Some(now), None) => {
                // The dialog just opened: as it opened is the baseline, not a draft.
                self.kept_draft = Some(now);
                Vec::new()
            }
            (Some((id, draft)), Some(_)) => {
                self.kept_draft = Some((id.clone(), draft.clone()));
                vec![Request::SaveDraft { id, draft }]
            }
        }
    }

    /// A dialog cancelled on purpose: its draft is forgotten.
    pub(super) fn discard_draft(&mut self) -> Vec<Request> {
        self.kept_draft = None;
        match &self.detail {
            Some(view) if view.draft.is_some() || self.dialog_draft().is_some() => {
                vec![Request::DiscardDraft {
                    id: view.id().to_string(),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// A dialog just opened takes back the reviewer's draft of the same decision.
    pub(super) fn restore_draft(&mut self) {
        let Some(draft) = self.detail.as_ref().and_then(|v| v.draft.clone()) else {
            return;
        };
        let restored = match (&mut self.overlay, draft.kind) {
            (Overlay::Confirm(c), kind)
                if kind
                    == match c.decision {
                        Decision::Approve => DraftKind::Approve,
                        Decision::Expire => DraftKind::Expire,
                        Decision::Reopen => DraftKind::Reopen,
                    } =>
            {
                c.note = Input::new(draft.note.clone());
                c.note_focused = !draft.note.is_empty();
                true
            }
            (Overlay::Return(r), DraftKind::Return) => {
                for (code, chosen) in &mut r.reasons {
                    *chosen = draft.reasons.contains(code);
                }
                r.message = Input::new(draft.message.clone());
                r.note = Input::new(draft.note.clone());
                if !draft.message.is_empty() {
                    r.focus = ReturnFocus::Message;
                }
                true
            }
            _ => false,
        };
        if restored {
            self.status = Some(Status {
                text: self
                    .lang
                    .draft_restored(&shenhe_present::time::china_minutes(draft.saved_at)),
                error: false,
            });
        }
    }
}
