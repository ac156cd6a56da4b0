//! The state after a message from the worker: rows, counts, a detail, a decision, an
//! error, someone else's change, the clock.

use super::*;

impl App {
    pub fn apply(&mut self, response: Response) -> Vec<Request> {
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
                self.queue.requested = None;
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
                self.ensure_window()
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
                let same = self.detail.as_ref().is_some_and(|d| d.id() == view.id());
                if !same {
                    self.scroll = 0;
                    self.at_end = false;
                    self.revealed = None;
                }
                self.detail = Some(view);
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
                let mut requests = self.reload_window();
                requests.push(Request::Counts);
                if self.screen == Screen::Detail {
                    match self.follow.clone() {
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
            Response::Revealed { id, password } => {
                if let Some(p) = password {
                    self.revealed = Some((id, p));
                }
                Vec::new()
            }
            Response::Failed(e) => {
                self.pending = None;
                self.follow = None;
                self.error(error_message(self.lang, &e));
                Vec::new()
            }
            Response::Changed => {
                let mut requests = self.reload_window();
                requests.push(Request::Counts);
                if self.screen == Screen::Detail
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
