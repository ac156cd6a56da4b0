//! The lead's statistics screen (issue 14): `t` from the queue opens it and asks the
//! worker to count; `r` counts again; Esc goes back to the queue as it was.

use super::*;

impl App {
    pub(super) fn open_stats(&mut self) -> Vec<Request> {
        self.screen = Screen::Stats;
        vec![Request::Stats]
    }

    pub(super) fn stats_action(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::Back => {
                self.screen = Screen::Queue;
                Vec::new()
            }
            Action::Refresh => {
                self.status = Some(Status {
                    text: self.lang.stats().loading.to_string(),
                    error: false,
                });
                vec![Request::Stats]
            }
            _ => Vec::new(),
        }
    }
}
