//! The decision dialogs (approve and expire, return, judge): what each holds, opening
//! one by the review layer's rules, and the keys inside it.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Expire,
    /// A lead reopens a decided application; the note is required.
    Reopen,
}

/// The approve / expire confirmation.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub decision: Decision,
    pub note: Input,
    pub note_focused: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnFocus {
    Reasons,
    Message,
    Note,
}

#[derive(Debug, Clone)]
pub struct ReturnDialog {
    /// Every reason of the catalogue, and whether it is chosen.
    pub reasons: Vec<(String, bool)>,
    pub cursor: usize,
    pub focus: ReturnFocus,
    pub message: Input,
    pub note: Input,
}

#[derive(Debug, Clone)]
pub struct JudgeDialog {
    /// The checks of this application that need a person.
    pub checks: Vec<CheckId>,
    pub cursor: usize,
    /// The verdict made on each check (beside `checks`): every one is kept, and Enter
    /// records them all.
    pub verdicts: Vec<Option<bool>>,
    pub note: Input,
    pub note_focused: bool,
}

impl App {
    /// A decision key: open its dialog once the application's detail is here.
    pub(super) fn begin(&mut self, what: Pending) -> Vec<Request> {
        // The detail held is used only at the version the queue shows: an order decided
        // since (a first approval stays in the queue, pending second approval) is read again.
        let current = self
            .detail
            .as_ref()
            .map(|d| (d.id().to_string(), d.stored.version));
        let wanted = match self.screen {
            Screen::Detail => current.clone(),
            Screen::Queue => self.queue.selected_row().map(|r| (r.id.clone(), r.version)),
            Screen::Stats => None,
        };
        match wanted {
            // From the queue the application is opened (and so claimed) first, even when
            // its detail is already here beside the queue.
            Some(row) if current.as_ref() == Some(&row) && self.screen == Screen::Detail => {
                self.open_dialog(what);
                Vec::new()
            }
            Some(_) => self.open_selected(Some(what)),
            None => Vec::new(),
        }
    }

    pub(super) fn open_dialog(&mut self, what: Pending) {
        let Some(view) = &self.detail else { return };
        let event = match what {
            Pending::Approve => Event::Approve,
            Pending::Return => Event::Return,
            Pending::Expire => Event::Expire,
            Pending::Reopen => {
                // Refused before the note is written: not a lead, or not decided.
                let refused = if self.lead {
                    may_reopen(&self.policy, &view.stored).err()
                } else {
                    Some(ReviewError::NotLead {
                        actor: self.actor.clone(),
                    })
                };
                match refused {
                    Some(e) => self.error(error_message(self.lang, &e)),
                    None => {
                        self.overlay = Overlay::Confirm(Confirm {
                            decision: Decision::Reopen,
                            note: Input::default(),
                            note_focused: true,
                        });
                        self.restore_draft();
                    }
                }
                return;
            }
        };
        // The review layer's own rules, so that a reviewer is refused before writing a note.
        if let Err(refused) = may_decide(&self.policy, &view.stored, event, self.now) {
            self.error(error_message(self.lang, &refused));
            return;
        }
        // Four eyes: the first approver is refused before writing a note.
        if what == Pending::Approve
            && let Some(plan) = &view.approval
            && let Err(refused) = plan.check_reviewer(view.id(), &self.actor)
        {
            self.error(error_message(self.lang, &refused));
            return;
        }
        self.overlay = match what {
            Pending::Approve => Overlay::Confirm(Confirm {
                decision: Decision::Approve,
                note: Input::default(),
                note_focused: false,
            }),
            Pending::Return => {
                let suggested = &view.suggested_reasons;
                Overlay::Return(ReturnDialog {
                    reasons: self
                        .policy
                        .reasons
                        .iter()
                        .map(|r| (r.code.clone(), suggested.contains(&r.code)))
                        .collect(),
                    cursor: 0,
                    focus: ReturnFocus::Reasons,
                    message: Input::default(),
                    note: Input::default(),
                })
            }
            Pending::Expire => Overlay::Confirm(Confirm {
                decision: Decision::Expire,
                note: Input::default(),
                note_focused: false,
            }),
            Pending::Reopen => return,
        };
        self.restore_draft();
    }

    pub(super) fn open_judge(&mut self) -> Vec<Request> {
        let Some(view) = &self.detail else {
            return Vec::new();
        };
        let manual: Vec<CheckId> = checks::evaluate(&self.policy, &view.stored.app)
            .into_iter()
            .filter(|c| c.outcome == Outcome::Manual)
            .map(|c| c.id)
            .collect();
        if manual.is_empty() || !view.stored.state.is_open() {
            self.error(self.ui.no_manual_checks.to_string());
            return Vec::new();
        }
        self.overlay = Overlay::Judge(JudgeDialog {
            verdicts: vec![None; manual.len()],
            checks: manual,
            cursor: 0,
            note: Input::default(),
            note_focused: false,
        });
        Vec::new()
    }

    pub(super) fn confirm_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::Confirm(confirm) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Edit(request) => {
                confirm.note.handle(request);
            }
            Action::NextField | Action::PreviousField => {
                confirm.note_focused = !confirm.note_focused
            }
            Action::Back => {
                let mut requests = self.discard_draft();
                self.overlay = Overlay::None;
                requests.extend(self.release_from_queue());
                return requests;
            }
            Action::Confirm => {
                let Some(view) = &self.detail else {
                    return Vec::new();
                };
                let note = non_empty(confirm.note.value());
                // An override needs its written reason: asked for here, by the rule the
                // approval applies when it writes.
                if confirm.decision == Decision::Approve
                    && let Some(plan) = &view.approval
                    && let Err(refused) = plan.check_note(view.id(), note.as_deref())
                {
                    confirm.note_focused = true;
                    let text = error_message(self.lang, &refused);
                    self.error(text);
                    return Vec::new();
                }
                let id = view.id().to_string();
                let version = view.stored.version;
                let claim = view.claim.clone();
                let request = match confirm.decision {
                    Decision::Approve => Request::Approve {
                        id,
                        version,
                        note,
                        claim,
                    },
                    Decision::Expire => Request::Expire {
                        id,
                        version,
                        note,
                        claim,
                    },
                    Decision::Reopen => {
                        let Some(note) = note else {
                            confirm.note_focused = true;
                            self.error(error_message(self.lang, &ReviewError::ReopenNeedsNote));
                            return Vec::new();
                        };
                        Request::Reopen {
                            id,
                            version,
                            note,
                            claim,
                        }
                    }
                };
                return self.send_decision(request);
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn return_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::Return(dialog) = &mut self.overlay else {
            return Vec::new();
        };
        match (dialog.focus, action) {
            (_, Action::Back) => {
                let mut requests = self.discard_draft();
                self.overlay = Overlay::None;
                requests.extend(self.release_from_queue());
                return requests;
            }
            (ReturnFocus::Reasons, Action::Down) => {
                dialog.cursor = wrap(dialog.cursor, 1, dialog.reasons.len())
            }
            (ReturnFocus::Reasons, Action::Up) => {
                dialog.cursor = wrap(dialog.cursor, -1, dialog.reasons.len())
            }
            (ReturnFocus::Reasons, Action::Top) => dialog.cursor = 0,
            (ReturnFocus::Reasons, Action::Bottom) => {
                dialog.cursor = dialog.reasons.len().saturating_sub(1)
            }
            (ReturnFocus::Reasons, Action::Toggle) => {
                if let Some(reason) = dialog.reasons.get_mut(dialog.cursor) {
                    reason.1 = !reason.1;
                }
            }
            (ReturnFocus::Reasons, Action::Confirm) => {
                if dialog.reasons.iter().any(|r| r.1) {
                    dialog.focus = ReturnFocus::Message;
                } else {
                    let text = self.ui.need_reason.to_string();
                    self.error(text);
                }
            }
            (focus, Action::NextField) => {
                dialog.focus = match focus {
                    ReturnFocus::Reasons => ReturnFocus::Message,
                    ReturnFocus::Message => ReturnFocus::Note,
                    ReturnFocus::Note => ReturnFocus::Reasons,
                }
            }
            (focus, Action::PreviousField) => {
                dialog.focus = match focus {
                    ReturnFocus::Reasons => ReturnFocus::Note,
                    ReturnFocus::Message => ReturnFocus::Reasons,
                    ReturnFocus::Note => ReturnFocus::Message,
                }
            }
            (ReturnFocus::Message, Action::Edit(request)) => {
                dialog.message.handle(request);
            }
            (ReturnFocus::Note, Action::Edit(request)) => {
                dialog.note.handle(request);
            }
            (ReturnFocus::Message | ReturnFocus::Note, Action::Confirm) => {
                let reasons: Vec<String> = dialog
                    .reasons
                    .iter()
                    .filter(|r| r.1)
                    .map(|r| r.0.clone())
                    .collect();
                if reasons.is_empty() {
                    dialog.focus = ReturnFocus::Reasons;
                    let text = self.ui.need_reason.to_string();
                    self.error(text);
                    return Vec::new();
                }
                let message = non_empty(dialog.message.value());
                let note = non_empty(dialog.note.value());
                let Some(view) = &self.detail else {
                    return Vec::new();
                };
                let request = Request::Return {
                    id: view.id().to_string(),
                    version: view.stored.version,
                    reasons,
                    message,
                    note,
                    claim: view.claim.clone(),
                };
                return self.send_decision(request);
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn judge_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::Judge(dialog) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Back => self.overlay = Overlay::None,
            Action::Down if !dialog.note_focused => {
                dialog.cursor = wrap(dialog.cursor, 1, dialog.checks.len());
            }
            Action::Up if !dialog.note_focused => {
                dialog.cursor = wrap(dialog.cursor, -1, dialog.checks.len());
            }
            Action::Top if !dialog.note_focused => dialog.cursor = 0,
            Action::Bottom if !dialog.note_focused => {
                dialog.cursor = dialog.checks.len().saturating_sub(1)
            }
            Action::Verdict(passed) => {
                if let Some(v) = dialog.verdicts.get_mut(dialog.cursor) {
                    *v = Some(passed);
                }
            }
            Action::NextField | Action::PreviousField => dialog.note_focused = !dialog.note_focused,
            Action::Edit(request) => {
                dialog.note.handle(request);
            }
            Action::Confirm => {
                let verdicts: Vec<(CheckId, bool)> = dialog
                    .checks
                    .iter()
                    .zip(&dialog.verdicts)
                    .filter_map(|(check, v)| v.map(|passed| (*check, passed)))
                    .collect();
                if verdicts.is_empty() {
                    dialog.note_focused = false;
                    return Vec::new();
                }
                let Some(view) = &self.detail else {
                    return Vec::new();
                };
                let request = Request::Judge {
                    id: view.id().to_string(),
                    version: view.stored.version,
                    verdicts,
                    note: non_empty(dialog.note.value()),
                };
                self.overlay = Overlay::None;
                return vec![request];
            }
            _ => {}
        }
        Vec::new()
    }

    /// A decision leaves its dialog, and remembers which application opens after it.
    pub(super) fn send_decision(&mut self, request: Request) -> Vec<Request> {
        self.overlay = Overlay::None;
        self.remember_next();
        vec![request]
    }
}

/// One step through a list of `len` entries, round from the last to the first and back.
pub(super) fn wrap(at: usize, by: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (at as i64 + by).rem_euclid(len as i64) as usize
}
