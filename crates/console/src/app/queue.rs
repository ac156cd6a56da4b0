//! The queue's state: the window of rows around the screen, moving in it, the search
//! line and the filter menu.

use super::*;

/// The visible part of the queue and what is loaded around it.
#[derive(Debug, Clone, Default)]
pub struct QueueView {
    /// Rows matching the query; None until the first answer.
    pub total: Option<u64>,
    /// Index of `rows[0]` in the whole queue.
    pub start: u64,
    pub rows: Vec<QueueRow>,
    pub selected: u64,
    /// Index of the first row on screen.
    pub top: u64,
    /// The window asked for and not yet answered.
    pub requested: Option<(u64, u64)>,
    /// Bumped whenever the query changes: older answers are dropped.
    pub generation: u64,
    /// The rows on screen are an earlier query's, kept while a search typed on is
    /// answered: its first answer replaces them, from the top (issue 13: typing never
    /// blanks the queue into rows loading).
    pub replacing: bool,
}

impl QueueView {
    pub fn row(&self, index: u64) -> Option<&QueueRow> {
        index
            .checked_sub(self.start)
            .and_then(|i| self.rows.get(i as usize))
    }

    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.row(self.selected)
    }
}

impl App {
    /// Asks for the rows around the screen when any visible one is not loaded.
    pub(super) fn ensure_window(&mut self) -> Vec<Request> {
        let height = self.table_height();
        let want_from = self.queue.top;
        let want_to = self.queue.top + height;
        let loaded_to = self.queue.start + self.queue.rows.len() as u64;
        let total = self.queue.total.unwrap_or(0);
        // Ask for more while a screen of rows is still in hand on the side we move to, so
        // that moving never shows a row still loading.
        let comfortable = want_from.saturating_sub(height) >= self.queue.start
            && (want_to + height).min(total) <= loaded_to;
        if comfortable && self.queue.total.is_some() {
            return Vec::new();
        }
        let offset = want_from.saturating_sub(height * WINDOW_MARGIN);
        let limit = height * (2 * WINDOW_MARGIN + 1);
        if self.queue.requested == Some((offset, limit)) {
            return Vec::new();
        }
        self.request_window(offset, limit, self.queue.total)
    }

    /// The query changed: start again from the top.
    pub(super) fn new_query(&mut self) -> Vec<Request> {
        self.queue.generation += 1;
        self.elsewhere = None;
        // Nor to what a refresh of the old query meant to keep selected.
        self.follow = None;
        self.queue.total = None;
        self.queue.rows.clear();
        self.queue.start = 0;
        self.queue.selected = 0;
        self.queue.top = 0;
        self.queue.requested = None;
        self.queue.replacing = false;
        self.ensure_window()
    }

    /// The search changed: a new query, whose first answer replaces the rows on screen
    /// (which stay until then). The worker gives up the previous query's window if it is
    /// still reading it.
    pub(super) fn new_search(&mut self) -> Vec<Request> {
        if self.queue.total.is_none() || self.queue.rows.is_empty() {
            return self.new_query();
        }
        self.queue.generation += 1;
        self.elsewhere = None;
        self.follow = None;
        self.queue.replacing = true;
        let height = self.table_height();
        self.request_window(0, height * (2 * WINDOW_MARGIN + 1), None)
    }

    /// The data changed underneath: fetch the same place again, keeping the selection.
    pub(super) fn reload_window(&mut self) -> Vec<Request> {
        if self.follow.is_none() {
            self.follow = self.queue.selected_row().map(|r| r.id.clone());
        }
        self.queue.requested = None;
        let height = self.table_height();
        let offset = self.queue.top.saturating_sub(height * WINDOW_MARGIN);
        let limit = height * (2 * WINDOW_MARGIN + 1);
        self.request_window(offset, limit, None)
    }

    pub(super) fn select(&mut self, index: u64) -> Vec<Request> {
        let total = self.queue.total.unwrap_or(0);
        if total == 0 {
            return Vec::new();
        }
        let index = index.min(total - 1);
        self.queue.selected = index;
        // Rows asked for before this move would bring the selection back to where it was
        // when they were asked for: they follow this row instead.
        if self.follow.is_some() {
            self.follow = self.queue.selected_row().map(|r| r.id.clone());
        }
        let height = self.table_height();
        if index < self.queue.top {
            self.queue.top = index;
        } else if index >= self.queue.top + height {
            self.queue.top = index + 1 - height;
        }
        self.ensure_window()
    }

    pub(super) fn move_by(&mut self, delta: i64) -> Vec<Request> {
        let target = if delta < 0 {
            self.queue.selected.saturating_sub(delta.unsigned_abs())
        } else {
            self.queue.selected.saturating_add(delta as u64)
        };
        self.select(target)
    }

    pub(super) fn queue_action(&mut self, action: Action) -> Vec<Request> {
        let height = self.table_height() as i64;
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Request::Close]
            }
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(height),
            Action::PageUp => self.move_by(-height),
            Action::HalfPageDown => self.move_by(height / 2),
            Action::HalfPageUp => self.move_by(-height / 2),
            Action::Top => self.select(0),
            Action::Bottom => self.select(self.queue.total.unwrap_or(1).saturating_sub(1)),
            Action::Open => match (&self.queue.total, &self.elsewhere) {
                // Found only in another state: open it there (`/` id Enter Enter jumps).
                (Some(0), Some(row)) => {
                    let id = row.id.clone();
                    self.screen = Screen::Detail;
                    self.scroll = 0;
                    self.at_end = false;
                    self.revealed = None;
                    vec![Request::Open { id }]
                }
                _ => self.open_selected(None),
            },
            // One change undone at a time: the search, the filter or the sort, the last
            // first (marks stay, as tags do across views); with nothing left to undo, the
            // marks go.
            Action::Back => {
                let previous = match self.undo.pop() {
                    Some(view) => view,
                    None if self.view() != View::default() => View::default(),
                    None => {
                        self.marks.clear();
                        self.mark_anchor = None;
                        return Vec::new();
                    }
                };
                self.restore_view(previous)
            }
            Action::CopyId => {
                if let Some(id) = self.queue.selected_row().map(|r| r.id.clone()) {
                    self.copy(id);
                }
                Vec::new()
            }
            Action::StartSearch => {
                self.searching = true;
                if self.search.value().is_empty() {
                    self.remember_view();
                }
                Vec::new()
            }
            Action::OpenFilterMenu => {
                self.overlay = Overlay::Filter {
                    cursor: self
                        .filters
                        .iter()
                        .position(|f| *f == self.filter)
                        .unwrap_or(0),
                };
                Vec::new()
            }
            Action::CycleSort => {
                self.remember_view();
                self.sort = self.sort.next();
                self.status = Some(Status {
                    text: format!("{}: {}", self.ui.sort, self.lang.sort(self.sort)),
                    error: false,
                });
                self.new_query()
            }
            Action::Approve => self.begin(Pending::Approve),
            Action::Return => self.begin(Pending::Return),
            Action::Expire => self.begin(Pending::Expire),
            Action::Reopen => self.begin(Pending::Reopen),
            Action::Stats => self.open_stats(),
            Action::Mark => self.mark(),
            Action::MarkRange => self.mark_range(),
            Action::BulkAssign => self.plan_bulk(shenhe_review::bulk::BulkKind::Assign),
            Action::BulkExpire => self.plan_bulk(shenhe_review::bulk::BulkKind::Expire),
            Action::SaveView => {
                self.overlay = Overlay::ViewName(Input::default());
                Vec::new()
            }
            Action::Tab(n) => self.switch_tab(n),
            _ => Vec::new(),
        }
    }

    pub(super) fn search_action(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::Edit(request) => {
                let before = self.search.value().to_string();
                self.search.handle(request);
                if self.search.value() != before {
                    self.new_search()
                } else {
                    Vec::new()
                }
            }
            Action::AcceptSearch => {
                self.searching = false;
                Vec::new()
            }
            Action::Back => {
                self.searching = false;
                if self.search.value().is_empty() {
                    return Vec::new();
                }
                self.search.reset();
                // The search was the last change: nothing left of it to undo.
                if self.undo.last() == Some(&self.view()) {
                    self.undo.pop();
                }
                self.new_search()
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn menu_action(&mut self, action: Action) -> Vec<Request> {
        let count = self.filters.len();
        let Overlay::Filter { cursor } = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Down => *cursor = super::dialogs::wrap(*cursor, 1, count),
            Action::Up => *cursor = super::dialogs::wrap(*cursor, -1, count),
            Action::Top => *cursor = 0,
            Action::Bottom => *cursor = count - 1,
            Action::Toggle => {
                let filter = self.filters[*cursor].clone();
                match self.toggled.iter().position(|f| *f == filter) {
                    Some(at) => {
                        self.toggled.remove(at);
                    }
                    None => self.toggled.push(filter),
                }
            }
            Action::Confirm => {
                let filter = self.filters[*cursor].clone();
                self.overlay = Overlay::None;
                if self.toggled.len() > 1 {
                    // Every toggled filter must hold.
                    let mut all = std::mem::take(&mut self.toggled);
                    self.remember_view();
                    self.filter = all.remove(0);
                    self.also = all;
                    return self.new_query();
                }
                let filter = self.toggled.pop().unwrap_or(filter);
                return self.choose_filter(filter);
            }
            Action::Pick(letter) => {
                if let Some(filter) = self
                    .filters
                    .iter()
                    .find(|f| self.letter_of(f) == Some(letter))
                {
                    let filter = filter.clone();
                    self.overlay = Overlay::None;
                    return self.choose_filter(filter);
                }
                if letter == crate::keys::MINE_FIRST_LETTER {
                    self.overlay = Overlay::None;
                    self.remember_view();
                    self.mine_first = !self.mine_first;
                    return self.new_query();
                }
                if let Some(at) = crate::keys::SORT_LETTERS.iter().position(|l| *l == letter) {
                    self.overlay = Overlay::None;
                    let sort = Sort::ALL[at];
                    if sort != self.sort {
                        self.remember_view();
                        self.sort = sort;
                        return self.new_query();
                    }
                }
            }
            Action::Back => {
                self.overlay = Overlay::None;
                self.toggled.clear();
            }
            _ => {}
        }
        Vec::new()
    }

    fn choose_filter(&mut self, filter: Filter) -> Vec<Request> {
        self.toggled.clear();
        if filter == self.filter && self.also.is_empty() {
            return Vec::new();
        }
        self.remember_view();
        self.filter = filter;
        self.also.clear();
        self.new_query()
    }

    /// The letter that picks `filter` in the menu (the groups by their place, `1`–`9`).
    pub fn letter_of(&self, filter: &Filter) -> Option<char> {
        use crate::keys::{FILTER_LETTERS, GROUP_LETTERS};
        use shenhe_domain::state::State;
        let fixed = match filter {
            Filter::AllOpen => 0,
            Filter::State(State::PendingReview) => 1,
            Filter::State(State::PendingVerification) => 2,
            Filter::State(State::PendingSecondApproval) => 3,
            Filter::State(State::Returned) => 4,
            Filter::State(State::PendingIntegration) => 5,
            Filter::State(State::Effective) => 6,
            Filter::State(State::Cancelled) => 7,
            Filter::AllStates => 8,
            Filter::Overdue => 9,
            Filter::DueToday => 10,
            Filter::Failing => 11,
            Filter::VerificationLapsed => 12,
            Filter::Group(id) => {
                let at = self.policy.groups.iter().position(|g| &g.id == id)?;
                return GROUP_LETTERS.get(at).copied();
            }
            Filter::Assigned(_) => 13,
        };
        Some(FILTER_LETTERS[fixed])
    }

    /// What the queue shows: filter, sort and search.
    pub fn view(&self) -> View {
        View {
            filter: self.filter.clone(),
            also: self.also.clone(),
            sort: self.sort,
            search: self.search.value().to_string(),
            mine_first: self.mine_first,
        }
    }

    /// Before a change of filter, sort or search: what `Esc` goes back to.
    pub(super) fn remember_view(&mut self) {
        let view = self.view();
        if self.undo.last() != Some(&view) {
            self.undo.push(view);
        }
    }

    pub(super) fn restore_view(&mut self, view: View) -> Vec<Request> {
        self.filter = view.filter;
        self.also = view.also;
        self.sort = view.sort;
        self.mine_first = view.mine_first;
        self.search = Input::new(view.search);
        self.new_query()
    }

    /// Asks the worker for rows `offset..offset + limit` of the current query.
    fn request_window(&mut self, offset: u64, limit: u64, total_hint: Option<u64>) -> Vec<Request> {
        self.queue.requested = Some((offset, limit));
        vec![Request::Window {
            generation: self.queue.generation,
            query: self.query(),
            mine_first: self.mine_first,
            offset,
            limit,
            total_hint,
        }]
    }
}
