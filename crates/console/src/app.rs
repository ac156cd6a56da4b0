//! The console's state, its one owner, and the two ways it changes: an action from
//! the keyboard, or a message from the worker. Both return the requests to send to the
//! worker; nothing here touches the database or the terminal.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use tui_input::Input;

use super::action::Action;
use super::keys::Mode;
use super::worker::{Request, Response};
use shenhe_domain::checks::{self, CheckId, Outcome};
use shenhe_domain::policy::Policy;
use shenhe_domain::state::{Event, State};
use shenhe_present::{Lang, Ui, error_message};
use shenhe_review::queue::{Filter, Sort};
use shenhe_review::{ApplicationView, QueueCounts, QueueQuery, QueueRow, may_decide};

/// Rows fetched beyond the screen on each side, so that moving rarely waits.
const WINDOW_MARGIN: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Queue,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Expire,
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
    pub verdict: Option<bool>,
    pub note: Input,
    pub note_focused: bool,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    None,
    Help,
    Filter { cursor: usize },
    Confirm(Confirm),
    Return(ReturnDialog),
    Judge(JudgeDialog),
}

/// A line for the footer until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

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

/// What to do once the detail of an application arrives (a decision key pressed in the queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Approve,
    Return,
    Expire,
}

pub struct App {
    pub lang: Lang,
    pub ui: &'static Ui,
    pub policy: Arc<Policy>,
    pub actor: String,
    pub now: DateTime<FixedOffset>,
    pub screen: Screen,
    pub overlay: Overlay,
    pub searching: bool,
    pub search: Input,
    pub filter: Filter,
    /// Every filter the menu offers, the policy's product groups among them.
    pub filters: Vec<Filter>,
    pub sort: Sort,
    pub queue: QueueView,
    pub counts: Option<QueueCounts>,
    pub detail: Option<Box<ApplicationView>>,
    /// Detail scroll, in lines.
    pub scroll: u16,
    /// `G` in the detail: stay at its end even if the detail grows after the key (it is
    /// still arriving, or a refresh lengthened it).
    pub at_end: bool,
    /// Lines the detail has at the current width (`ui::lay_out` says, before each frame).
    pub detail_lines: u16,
    pub revealed: Option<(String, String)>,
    pub status: Option<Status>,
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// Ctrl-l: the next frame goes out whole (the event loop takes it).
    pub repaint: bool,
    pending: Option<Pending>,
    /// After a decision or a refresh: select this application when it shows up.
    follow: Option<String>,
}

impl App {
    pub fn new(
        lang: Lang,
        policy: Arc<Policy>,
        actor: String,
        now: DateTime<FixedOffset>,
        width: u16,
        height: u16,
    ) -> App {
        App {
            filters: Filter::all(&policy),
            lang,
            ui: lang.ui(),
            policy,
            actor,
            now,
            screen: Screen::Queue,
            overlay: Overlay::None,
            searching: false,
            search: Input::default(),
            filter: Filter::default(),
            sort: Sort::default(),
            queue: QueueView::default(),
            counts: None,
            detail: None,
            scroll: 0,
            at_end: false,
            detail_lines: 0,
            revealed: None,
            status: None,
            width,
            height,
            quit: false,
            repaint: false,
            pending: None,
            follow: None,
        }
    }

    /// What to ask for first.
    pub fn start(&mut self) -> Vec<Request> {
        let mut requests = self.reload_window();
        requests.push(Request::Counts);
        requests
    }

    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Overlay::Help => Mode::Help,
            Overlay::Filter { .. } => Mode::Menu,
            Overlay::Confirm(c) if c.note_focused => Mode::ConfirmText,
            Overlay::Confirm(_) => Mode::Confirm,
            Overlay::Return(r) if r.focus == ReturnFocus::Reasons => Mode::ReturnReasons,
            Overlay::Return(_) => Mode::ReturnText,
            Overlay::Judge(j) if j.note_focused => Mode::JudgeText,
            Overlay::Judge(_) => Mode::JudgeList,
            Overlay::None if self.searching => Mode::Search,
            Overlay::None => match self.screen {
                Screen::Queue => Mode::Queue,
                Screen::Detail => Mode::Detail,
            },
        }
    }

    /// Rows of the queue table on screen: the header, column titles and footer take three.
    pub fn table_height(&self) -> u64 {
        u64::from(self.height.saturating_sub(3)).max(1)
    }

    /// The detail is this many lines long at the current width: the scroll stays inside
    /// it, at its end after `G`.
    pub fn set_detail_length(&mut self, lines: u16) {
        self.detail_lines = lines;
        self.scroll = if self.at_end {
            self.max_scroll()
        } else {
            self.scroll.min(self.max_scroll())
        };
    }

    pub fn max_scroll(&self) -> u16 {
        self.detail_lines.saturating_sub(self.detail_height())
    }

    /// Lines of the detail body on screen: header and footer take two.
    pub fn detail_height(&self) -> u16 {
        self.height.saturating_sub(2).max(1)
    }

    pub fn query(&self) -> QueueQuery {
        self.filter.query(self.now, self.sort, self.search.value())
    }

    pub fn filter_name(&self, filter: &Filter) -> String {
        self.lang.filter(&self.policy, filter)
    }

    // ---- the queue window ----

    /// Asks for the rows around the screen when any visible one is not loaded.
    fn ensure_window(&mut self) -> Vec<Request> {
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
        self.queue.requested = Some((offset, limit));
        vec![Request::Window {
            generation: self.queue.generation,
            query: self.query(),
            offset,
            limit,
            total_hint: self.queue.total,
        }]
    }

    /// The query changed: start again from the top.
    fn new_query(&mut self) -> Vec<Request> {
        self.queue.generation += 1;
        // Nor to what a refresh of the old query meant to keep selected.
        self.follow = None;
        self.queue.total = None;
        self.queue.rows.clear();
        self.queue.start = 0;
        self.queue.selected = 0;
        self.queue.top = 0;
        self.queue.requested = None;
        self.ensure_window()
    }

    /// The data changed underneath: fetch the same place again, keeping the selection.
    fn reload_window(&mut self) -> Vec<Request> {
        if self.follow.is_none() {
            self.follow = self.queue.selected_row().map(|r| r.id.clone());
        }
        self.queue.requested = None;
        let height = self.table_height();
        let offset = self.queue.top.saturating_sub(height * WINDOW_MARGIN);
        let limit = height * (2 * WINDOW_MARGIN + 1);
        self.queue.requested = Some((offset, limit));
        vec![Request::Window {
            generation: self.queue.generation,
            query: self.query(),
            offset,
            limit,
            total_hint: None,
        }]
    }

    fn select(&mut self, index: u64) -> Vec<Request> {
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

    fn move_by(&mut self, delta: i64) -> Vec<Request> {
        let target = if delta < 0 {
            self.queue.selected.saturating_sub(delta.unsigned_abs())
        } else {
            self.queue.selected.saturating_add(delta as u64)
        };
        self.select(target)
    }

    // ---- actions ----

    pub fn update(&mut self, action: Action) -> Vec<Request> {
        if !matches!(action, Action::Edit(_) | Action::Repaint) {
            self.status = None;
        }
        match (self.mode(), action) {
            (_, Action::ForceQuit) => {
                self.quit = true;
                vec![Request::Close]
            }
            (_, Action::Repaint) => {
                self.repaint = true;
                Vec::new()
            }
            (Mode::Help, _) => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            (_, Action::Help) => {
                self.overlay = Overlay::Help;
                Vec::new()
            }
            (Mode::Search, action) => self.search_action(action),
            (Mode::Menu, action) => self.menu_action(action),
            (Mode::Confirm | Mode::ConfirmText, action) => self.confirm_action(action),
            (Mode::ReturnReasons | Mode::ReturnText, action) => self.return_action(action),
            (Mode::JudgeList | Mode::JudgeText, action) => self.judge_action(action),
            (Mode::Queue, action) => self.queue_action(action),
            (Mode::Detail, action) => self.detail_action(action),
        }
    }

    fn queue_action(&mut self, action: Action) -> Vec<Request> {
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
            Action::Open => self.open_selected(None),
            Action::Back => {
                if self.filter == Filter::default() && self.search.value().is_empty() {
                    return Vec::new();
                }
                self.filter = Filter::default();
                self.search.reset();
                self.new_query()
            }
            Action::StartSearch => {
                self.searching = true;
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
            _ => Vec::new(),
        }
    }

    fn detail_action(&mut self, action: Action) -> Vec<Request> {
        let page = self.detail_height().saturating_sub(1).max(1);
        let max_scroll = self.max_scroll();
        self.at_end = matches!(action, Action::Bottom);
        match action {
            Action::ScrollDown => self.scroll = (self.scroll + 1).min(max_scroll),
            Action::ScrollUp => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = (self.scroll + page).min(max_scroll),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::HalfPageDown => self.scroll = (self.scroll + page / 2).min(max_scroll),
            Action::HalfPageUp => self.scroll = self.scroll.saturating_sub(page / 2),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = max_scroll,
            Action::Back => {
                self.screen = Screen::Queue;
                self.revealed = None;
                return vec![Request::Close];
            }
            Action::NextApplication => return self.step(1),
            Action::PreviousApplication => return self.step(-1),
            Action::Approve => return self.begin(Pending::Approve),
            Action::Return => return self.begin(Pending::Return),
            Action::Expire => return self.begin(Pending::Expire),
            Action::Judge => return self.open_judge(),
            Action::RevealPassword => {
                if let Some(view) = &self.detail {
                    let has_password = view
                        .stored
                        .app
                        .website
                        .as_ref()
                        .is_some_and(|w| w.test_password.is_some());
                    if has_password {
                        return vec![Request::Reveal {
                            id: view.id().to_string(),
                        }];
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The next (or previous) application, skipping those another reviewer has open.
    fn step(&mut self, delta: i64) -> Vec<Request> {
        let total = self.queue.total.unwrap_or(0);
        let mut index = self.queue.selected;
        loop {
            index = match delta {
                d if d < 0 && index == 0 => return Vec::new(),
                d if d < 0 => index - 1,
                _ if index + 1 >= total => return Vec::new(),
                _ => index + 1,
            };
            match self.queue.row(index) {
                Some(row)
                    if row
                        .claimed_by
                        .as_deref()
                        .is_some_and(|who| who != self.actor) =>
                {
                    continue;
                }
                Some(_) => break,
                None => break,
            }
        }
        let mut requests = self.select(index);
        requests.extend(self.open_selected(None));
        requests
    }

    fn open_selected(&mut self, pending: Option<Pending>) -> Vec<Request> {
        let Some(row) = self.queue.selected_row() else {
            return Vec::new();
        };
        let id = row.id.clone();
        self.pending = pending;
        if pending.is_none() {
            self.screen = Screen::Detail;
            self.scroll = 0;
            self.at_end = false;
            self.revealed = None;
        }
        vec![Request::Open { id }]
    }

    /// A decision key: open its dialog once the application's detail is here.
    fn begin(&mut self, what: Pending) -> Vec<Request> {
        let current = self.detail.as_ref().map(|d| d.id().to_string());
        let wanted = match self.screen {
            Screen::Detail => current.clone(),
            Screen::Queue => self.queue.selected_row().map(|r| r.id.clone()),
        };
        match wanted {
            Some(id) if current.as_deref() == Some(id.as_str()) => {
                self.open_dialog(what);
                Vec::new()
            }
            Some(_) => self.open_selected(Some(what)),
            None => Vec::new(),
        }
    }

    fn open_dialog(&mut self, what: Pending) {
        let Some(view) = &self.detail else { return };
        let event = match what {
            Pending::Approve => Event::Approve,
            Pending::Return => Event::Return,
            Pending::Expire => Event::Expire,
        };
        // The review layer's own rules, so that a reviewer is refused before writing a note.
        if let Err(refused) = may_decide(&self.policy, &view.stored, event, self.now) {
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
        };
    }

    fn open_judge(&mut self) -> Vec<Request> {
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
            checks: manual,
            cursor: 0,
            verdict: None,
            note: Input::default(),
            note_focused: false,
        });
        Vec::new()
    }

    fn search_action(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::Edit(request) => {
                let before = self.search.value().to_string();
                self.search.handle(request);
                if self.search.value() != before {
                    self.new_query()
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
                self.new_query()
            }
            _ => Vec::new(),
        }
    }

    fn menu_action(&mut self, action: Action) -> Vec<Request> {
        let count = self.filters.len();
        let Overlay::Filter { cursor } = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Down => *cursor = (*cursor + 1).min(count - 1),
            Action::Up => *cursor = cursor.saturating_sub(1),
            Action::Top => *cursor = 0,
            Action::Bottom => *cursor = count - 1,
            Action::Confirm => {
                self.filter = self.filters[*cursor].clone();
                self.overlay = Overlay::None;
                return self.new_query();
            }
            Action::Back => self.overlay = Overlay::None,
            _ => {}
        }
        Vec::new()
    }

    fn confirm_action(&mut self, action: Action) -> Vec<Request> {
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
                self.overlay = Overlay::None;
                return self.release_from_queue();
            }
            Action::Confirm => {
                let Some(view) = &self.detail else {
                    return Vec::new();
                };
                let note = non_empty(confirm.note.value());
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
                };
                return self.send_decision(request);
            }
            _ => {}
        }
        Vec::new()
    }

    fn return_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::Return(dialog) = &mut self.overlay else {
            return Vec::new();
        };
        match (dialog.focus, action) {
            (_, Action::Back) => {
                self.overlay = Overlay::None;
                return self.release_from_queue();
            }
            (ReturnFocus::Reasons, Action::Down) => {
                dialog.cursor = (dialog.cursor + 1).min(dialog.reasons.len().saturating_sub(1))
            }
            (ReturnFocus::Reasons, Action::Up) => dialog.cursor = dialog.cursor.saturating_sub(1),
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

    fn judge_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::Judge(dialog) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Back => self.overlay = Overlay::None,
            Action::Down if !dialog.note_focused => {
                dialog.cursor = (dialog.cursor + 1).min(dialog.checks.len() - 1);
                dialog.verdict = None;
            }
            Action::Up if !dialog.note_focused => {
                dialog.cursor = dialog.cursor.saturating_sub(1);
                dialog.verdict = None;
            }
            Action::Verdict(passed) => dialog.verdict = Some(passed),
            Action::NextField | Action::PreviousField => dialog.note_focused = !dialog.note_focused,
            Action::Edit(request) => {
                dialog.note.handle(request);
            }
            Action::Confirm => {
                let Some(passed) = dialog.verdict else {
                    dialog.note_focused = false;
                    return Vec::new();
                };
                let Some(view) = &self.detail else {
                    return Vec::new();
                };
                let request = Request::Judge {
                    id: view.id().to_string(),
                    version: view.stored.version,
                    check: dialog.checks[dialog.cursor],
                    passed,
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
    fn send_decision(&mut self, request: Request) -> Vec<Request> {
        self.overlay = Overlay::None;
        self.remember_next();
        vec![request]
    }

    /// Before a decision: which application comes next, so that it opens afterwards.
    fn remember_next(&mut self) {
        let mut index = self.queue.selected + 1;
        self.follow = None;
        while let Some(row) = self.queue.row(index) {
            if row
                .claimed_by
                .as_deref()
                .is_none_or(|who| who == self.actor)
            {
                self.follow = Some(row.id.clone());
                break;
            }
            index += 1;
        }
    }

    /// A decision key in the queue claims the application only to decide it: when no
    /// decision follows (refused, or the dialog cancelled), the claim must go, or other
    /// reviewers see it "being reviewed" for as long as this console stays open.
    fn release_from_queue(&self) -> Vec<Request> {
        if self.screen == Screen::Queue {
            vec![Request::Close]
        } else {
            Vec::new()
        }
    }

    fn error(&mut self, text: String) {
        self.status = Some(Status { text, error: true });
    }

    // ---- messages from the worker ----

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
                    _ => self.ui.approved,
                };
                // Only an approval can lead to two states: say which.
                let text = match to {
                    State::Returned | State::Cancelled => format!("{id} {word}"),
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

    pub fn resize(&mut self, width: u16, height: u16) -> Vec<Request> {
        self.width = width;
        self.height = height;
        let height = self.table_height();
        if self.queue.selected >= self.queue.top + height {
            self.queue.top = self.queue.selected + 1 - height;
        }
        self.ensure_window()
    }
}

fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}
