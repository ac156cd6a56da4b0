//! The "go to id" prompt (`:` in the queue and the detail): an id typed, Enter opens that
//! application's detail whatever its state and whatever the queue's filter. The queue is
//! left as it was (its filter, sort, search and selection): Esc in the detail comes back
//! to it. An id that names nothing is said in the console's language; the id is the
//! reviewer's text, shown only through the display-safe helpers.

use super::*;

impl App {
    pub(super) fn go_to_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::GoTo(input) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Edit(request) => {
                input.handle(request);
                Vec::new()
            }
            Action::Confirm => {
                let id = input.value().trim().to_string();
                self.overlay = Overlay::None;
                if id.is_empty() {
                    return Vec::new();
                }
                // Already on screen: nothing to fetch.
                if self.screen == Screen::Detail
                    && self.detail.as_ref().is_some_and(|d| d.id() == id)
                {
                    return Vec::new();
                }
                self.jumping = Some(id.clone());
                vec![Request::Jump { id }]
            }
            Action::Back => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// A detail arrived: if it is the one the prompt asked for, it is shown.
    pub(super) fn arrived(&mut self, id: &str) {
        if self.jumping.as_deref() == Some(id) {
            self.jumping = None;
            self.screen = Screen::Detail;
            self.scroll = 0;
            self.at_end = false;
            self.revealed = None;
            self.pending = None;
        }
    }
}
