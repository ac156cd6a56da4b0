//! The state after a message from the worker: rows, counts, a detail, a decision, an
//! error, someone else's change, the clock.

use super::*;

impl App {
    pub fn apply(&mut self, response: Response) -> Vec<Request> {
        let mut requests = self.respond(response);
        // A dialog opened by the answer (a decision key pressed in the queue) takes its
        // baseline now, so that the first key typed in it is kept too.
        requests.extend(self.keep_draft());
        requests
    }

    fn respond(&mut self, response: Response) -> Vec<Request> {
        match response {
            Response::Window {
                generation,
                offset,
                rows,
                total,
            } => {
                if generation != self.queue.generation {
                    return Vec::new();
                }
                // A page shorter than asked ends the queue there, whatever the count said
                // (a count from other data than the rows' own): asking again for rows that
                // are not there would never end.
                let total = match self.queue.requested.take() {
                    Some((_, limit)) if (rows.len() as u64) < limit => {
                        total.min(offset + rows.len() as u64)
                    }
                    _ => total,
                };
                if std::mem::take(&mut self.queue.replacing) {
                    self.queue.selected = 0;
                    self.queue.top = 0;
                }
                self.queue.total = Some(total);
                self.queue.start = offset;
                self.queue.rows = rows;
                if let Some(id) = self.follow.take()
                    && let Some(i) = self.queue.rows.iter().position(|r| r.id == id)
                {
                    self.queue.selected = offset + i as u64;
                }
                let last = total.saturating_sub(1);
                if self.queue.selected > last {
                    self.queue.selected = last;
                }
                let height = self.table_height();
                if self.queue.top > self.queue.selected
                    || self.queue.selected >= self.queue.top + height
                {
                    self.queue.top = self.queue.selected.saturating_sub(height / 2);
                }
                let mut requests = self.ensure_window();
                requests.extend(self.follow_cursor());
                // Nothing here: is it in another state? Said, and Enter opens it.
                self.elsewhere = None;
                if total == 0
                    && !self.search.value().trim().is_empty()
                    && self.filter != Filter::AllStates
                {
                    requests.push(Request::Elsewhere {
                        generation,
                        query: Filter::AllStates.query(self.now, Sort::Due, self.search.value()),
                    });
                }
                requests
            }
            Response::Elsewhere { generation, row } => {
                if generation == self.queue.generation && self.queue.total == Some(0) {
                    self.elsewhere = row;
                }
                Vec::new()
            }
            Response::Counts(counts) => {
                self.counts = Some(counts);
                Vec::new()
            }
            Response::Delivery(health) => {
                self.delivery = health;
                Vec::new()
            }
            Response::Detail(view) => {
                self.peeking = None;
                self.arrived(view.id());
                let same = self.detail.as_ref().is_some_and(|d| d.id() == view.id());
                if !same {
                    self.scroll = 0;
                    self.at_end = false;
                    self.revealed = None;
                }
                let decided_elsewhere = if same {
                    self.decided_elsewhere(&view)
                } else {
                    None
                };
                self.detail = Some(view);
                if let Some(e) = decided_elsewhere {
                    // A dialog open on what someone else just decided: said now, in the
                    // console's words, before the reviewer confirms anything.
                    self.error(error_message(self.lang, &e));
                }
                if let Some(what) = self.pending.take() {
                    self.open_dialog(what);
                    if matches!(self.overlay, Overlay::None) {
                        return self.release_from_queue();
                    }
                }
                Vec::new()
            }
            Response::Decided { id, to } => {
                let word = match to {
                    State::Returned => self.ui.returned,
                    State::Cancelled => self.ui.expired,
                    State::PendingReview => self.ui.reopened,
                    _ => self.ui.approved,
                };
                // Only an approval can lead to two states: say which.
                let text = match to {
                    State::Returned | State::Cancelled | State::PendingReview => {
                        format!("{id} {word}")
                    }
                    _ => format!("{id} {word} → {}", self.lang.state(to)),
                };
                self.status = Some(Status { text, error: false });
                // What opens next was chosen with the decision: read before the reload,
                // which would otherwise make the decided row the one to follow (and open
                // it again, claiming what nobody needs to hold any more).
                let next = self.follow.clone();
                let mut requests = self.reload_window();
                requests.push(Request::Counts);
                if self.screen == Screen::Detail {
                    match next {
                        Some(next) => requests.push(Request::Open { id: next }),
                        None => {
                            self.screen = Screen::Queue;
                            requests.push(Request::Close);
                        }
                    }
                    self.scroll = 0;
                    self.at_end = false;
                    self.revealed = None;
                }
                requests
            }
            Response::Judged { id } => {
                self.status = Some(Status {
                    text: self.ui.judged.to_string(),
                    error: false,
                });
                let mut requests = vec![Request::Open { id }];
                requests.extend(self.reload_window());
                requests
            }
            Response::Probed { id: _, outcome } => {
                use crate::worker::ProbeOutcome;
                let (text, error) = match outcome {
                    ProbeOutcome::Done => (self.ui.probe_done, false),
                    ProbeOutcome::NoWebsite => (self.ui.no_website, true),
                    ProbeOutcome::Unavailable => (self.ui.probe_unavailable, true),
                };
                self.status = Some(Status {
                    text: text.to_string(),
                    error,
                });
                Vec::new()
            }
            Response::Revealed { id, password } => {
                let Some(p) = password else {
                    return Vec::new();
                };
                // Said where the reviewer is looking, wherever the password's line is
                // scrolled (the footer makes it display-safe like any applicant text).
                self.status = Some(Status {
                    text: format!("{}{p}", self.ui.password_revealed),
                    error: false,
                });
                self.revealed = Some((id.clone(), p));
                // The reveal is in the audit trail: the history shows it.
                vec![Request::Refresh { id }]
            }
            Response::Failed(e) => {
                self.pending = None;
                self.jumping = None;
                self.follow = None;
                self.error(error_message(self.lang, &e));
                Vec::new()
            }
            Response::BulkPlan { plan, reviewers } => self.show_bulk(plan, reviewers),
            Response::Mine(ids) => {
                self.mine = ids.into_iter().collect();
                Vec::new()
            }
            Response::Views(views) => {
                self.views = views;
                Vec::new()
            }
            Response::ViewSaved(name) => {
                self.status = Some(Status {
                    text: self.lang.view_saved(&name),
                    error: false,
                });
                Vec::new()
            }
            Response::BulkDone(done) => {
                self.marks.clear();
                self.mark_anchor = None;
                let failed = !done.failed.is_empty();
                self.status = Some(Status {
                    text: self.lang.bulk_done(&done),
                    error: failed,
                });
                let mut requests = self.reload_window();
                requests.push(Request::Counts);
                requests.push(Request::Mine);
                requests
            }
            Response::Stats(stats) => {
                self.stats = Some(stats);
                if self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.text == self.lang.stats().loading)
                {
                    self.status = None;
                }
                Vec::new()
            }
            Response::Changed => {
                let mut requests = self.reload_window();
                requests.push(Request::Counts);
                requests.push(Request::Mine);
                if self.screen == Screen::Stats {
                    requests.push(Request::Stats);
                }
                if (self.screen == Screen::Detail || self.side_by_side())
                    && let Some(view) = &self.detail
                {
                    requests.push(Request::Refresh {
                        id: view.id().to_string(),
                    });
                }
                requests
            }
            Response::Tick(now) => {
                self.now = now;
                vec![Request::Counts]
            }
        }
    }
}

impl App {
    /// While a decision dialog is open on the detail held, `view` (the same application,
    /// read again) shows it decided by someone else: who, when and into what.
    fn decided_elsewhere(&self, view: &ApplicationView) -> Option<ReviewError> {
        let old = self.detail.as_ref()?;
        let event = match &self.overlay {
            Overlay::Confirm(c) => match c.decision {
                Decision::Approve => Event::Approve,
                Decision::Expire => Event::Expire,
                Decision::Reopen => return None,
            },
            Overlay::Return(_) => Event::Return,
            _ => return None,
        };
        if old.stored.version == view.stored.version || view.stored.changed_by == self.actor {
            return None;
        }
        match may_decide(&self.policy, &view.stored, event, self.now) {
            Err(ReviewError::Refused(refused)) => Some(ReviewError::RefusedAfter {
                refused,
                id: view.id().to_string(),
                by: view.stored.changed_by.clone(),
                at: view.stored.changed_at,
            }),
            _ => None,
        }
    }
}
