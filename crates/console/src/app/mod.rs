//! The console's state, its one owner, and the two ways it changes: an action from
//! the keyboard, or a message from the worker. Both return the requests to send to the
//! worker; nothing here touches the database or the terminal.

mod dialogs;
mod drafts;
mod go_to;
mod mouse;
mod queue;
mod respond;
pub mod stats;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use tui_input::Input;

use super::action::Action;
use super::keys::{Keymap, Mode};
use super::worker::{Request, Response};
use shenhe_domain::checks::{self, CheckId, Outcome};
use shenhe_domain::policy::Policy;
use shenhe_domain::state::{Event, State};
use shenhe_present::{Lang, Ui, error_message};
use shenhe_review::queue::{Filter, Sort};
use shenhe_review::{
    ApplicationView, DeliveryHealth, QueueCounts, QueueQuery, QueueRow, ReviewError, may_decide,
    may_reopen,
};

pub use dialogs::{Confirm, Decision, JudgeDialog, ReturnDialog, ReturnFocus};
pub use mouse::Pointer;
pub use queue::QueueView;

/// Rows fetched beyond the screen on each side, so that moving rarely waits.
const WINDOW_MARGIN: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Queue,
    Detail,
    /// The lead's statistics (issue 14).
    Stats,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    None,
    Help,
    Filter {
        cursor: usize,
    },
    Confirm(Confirm),
    Return(ReturnDialog),
    Judge(JudgeDialog),
    /// `:`: the id typed so far.
    GoTo(Input),
    /// A bulk action's plan, shown before anything is done (issue 14).
    Bulk(stats::BulkDialog),
    /// The name of the view to save (S).
    ViewName(Input),
}

/// What the queue shows: a filter (and others that must hold too), a sort and a search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    pub filter: Filter,
    pub also: Vec<Filter>,
    pub sort: Sort,
    pub search: String,
    /// The reviewer's own applications first (issue 14).
    pub mine_first: bool,
}

/// A line for the footer until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// What to do once the detail of an application arrives (a decision key pressed in the queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Approve,
    Return,
    Expire,
    Reopen,
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
    /// The reviewer's own applications (assigned to them) first, then the others.
    pub mine_first: bool,
    pub queue: QueueView,
    pub counts: Option<QueueCounts>,
    /// Webhook delivery: the header shows a marker while it is failing.
    pub delivery: DeliveryHealth,
    pub detail: Option<Box<ApplicationView>>,
    /// Detail scroll, in lines.
    pub scroll: u16,
    /// `G` in the detail: stay at its end even if the detail grows after the key (it is
    /// still arriving, or a refresh lengthened it).
    pub at_end: bool,
    /// Lines the detail has at the current width (`ui::lay_out` says, before each frame).
    pub detail_lines: u16,
    /// What `detail_lines` was counted for.
    pub detail_layout: Option<DetailLayout>,
    pub revealed: Option<(String, String)>,
    pub status: Option<Status>,
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// Ctrl-l: the next frame goes out whole (the event loop takes it).
    pub repaint: bool,
    /// The reviewer is a lead (may reopen), as the database said when the console
    /// started; the review layer checks again when it writes.
    pub lead: bool,
    /// y / Y: text for the terminal's clipboard; the event loop sends it (OSC 52).
    pub clipboard: Option<String>,
    /// Side by side: the application whose detail was asked for beside the queue.
    peeking: Option<String>,
    /// The search matches nothing under the filter, but this in another state.
    pub elsewhere: Option<QueueRow>,
    /// The filter, sort and search before each change: `Esc` in the queue undoes one.
    pub undo: Vec<View>,
    pending: Option<Pending>,
    /// After a decision or a refresh: select this application when it shows up.
    follow: Option<String>,
    /// The open dialog's text as last sent to be kept (app/drafts.rs).
    kept_draft: Option<(String, shenhe_domain::drafts::Draft)>,
    /// The keys in force: the defaults and the config file's bindings. The event loop,
    /// the footer and the help all read it.
    pub keys: Arc<Keymap>,
    /// The id asked for at the "go to id" prompt: its detail opens when it arrives.
    jumping: Option<String>,
    /// The lead's statistics, as last counted (issue 14); None until they arrive.
    pub stats: Option<Box<shenhe_review::stats::Stats>>,
    /// Marked applications, by id (Space, V), for a bulk action.
    pub marks: std::collections::BTreeSet<String>,
    /// Where `V` started a range, by index in the queue.
    pub mark_anchor: Option<u64>,
    /// Filters that must hold besides `filter` (Space in the filter menu).
    pub also: Vec<Filter>,
    /// Filters toggled in the open menu, to combine on Enter.
    pub toggled: Vec<Filter>,
    /// This reviewer's saved views: the tabs (1…9).
    pub views: Vec<shenhe_review::views::SavedView>,
    /// Open applications assigned to this reviewer: `J` goes to the next of them first.
    pub mine: std::collections::HashSet<String>,
}

/// What the detail's length depends on: when none of it changed, neither did the length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLayout {
    pub id: String,
    pub version: i64,
    pub history: usize,
    pub width: u16,
    pub revealed: bool,
    pub now: DateTime<FixedOffset>,
    /// A kept draft adds its notice.
    pub draft: bool,
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
        let mut filters = Filter::all(&policy);
        // Mine: what a lead assigned to this reviewer (issue 14).
        filters.push(Filter::Assigned(actor.clone()));
        App {
            filters,
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
            mine_first: false,
            queue: QueueView::default(),
            counts: None,
            delivery: DeliveryHealth::default(),
            detail: None,
            scroll: 0,
            at_end: false,
            detail_lines: 0,
            detail_layout: None,
            revealed: None,
            status: None,
            width,
            height,
            quit: false,
            repaint: false,
            lead: false,
            pending: None,
            follow: None,
            kept_draft: None,
            undo: Vec::new(),
            elsewhere: None,
            peeking: None,
            clipboard: None,
            keys: Keymap::standard(),
            jumping: None,
            stats: None,
            marks: Default::default(),
            mark_anchor: None,
            also: Vec::new(),
            toggled: Vec::new(),
            views: Vec::new(),
            mine: Default::default(),
        }
    }

    /// What to ask for first.
    pub fn start(&mut self) -> Vec<Request> {
        let mut requests = self.reload_window();
        requests.push(Request::Counts);
        requests.push(Request::Views);
        requests.push(Request::Mine);
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
            Overlay::GoTo(_) => Mode::GoTo,
            Overlay::Bulk(_) => Mode::Bulk,
            Overlay::ViewName(_) => Mode::ViewName,
            Overlay::None if self.searching => Mode::Search,
            Overlay::None => match self.screen {
                Screen::Queue => Mode::Queue,
                Screen::Detail => Mode::Detail,
                Screen::Stats => Mode::Stats,
            },
        }
    }

    /// A paste (bracketed by the terminal): text for the field that has the focus,
    /// never keys. The message and notes keep its lines; the search takes one line; where
    /// no field has the focus, nothing happens.
    pub fn paste(&mut self, text: &str) -> Vec<Request> {
        let mode = self.mode();
        if !crate::keys::edits_text(mode) {
            return Vec::new();
        }
        let lines = !matches!(mode, Mode::Search | Mode::GoTo);
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut out = Vec::new();
        for c in text.chars() {
            let c = match c {
                '\n' if lines => '\n',
                '\n' | '\t' => ' ',
                c if c.is_control() => continue,
                c => c,
            };
            out.extend(self.update(Action::Edit(tui_input::InputRequest::InsertChar(c))));
        }
        out
    }

    /// Puts `text` on the clipboard (by the event loop) and says so.
    pub(super) fn copy(&mut self, text: String) {
        self.status = Some(Status {
            text: format!("{}{text}", self.ui.copied),
            error: false,
        });
        self.clipboard = Some(text);
    }

    /// From 170 columns the queue and the selected application's detail are side by side.
    pub fn side_by_side(&self) -> bool {
        self.width >= 170 && self.height >= 24
    }

    /// Side by side: the detail beside the queue follows the cursor (read, not claimed).
    pub(super) fn follow_cursor(&mut self) -> Vec<Request> {
        if !self.side_by_side() || self.screen != Screen::Queue {
            return Vec::new();
        }
        let Some(row) = self.queue.selected_row() else {
            return Vec::new();
        };
        let shown = self.detail.as_ref().map(|d| d.id());
        if shown == Some(row.id.as_str()) || self.peeking.as_deref() == Some(row.id.as_str()) {
            return Vec::new();
        }
        self.peeking = Some(row.id.clone());
        vec![Request::Refresh { id: row.id.clone() }]
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
        let mut filters = vec![self.filter.clone()];
        filters.extend(self.also.iter().cloned());
        shenhe_review::queue::combined(&filters, self.now, self.sort, self.search.value())
    }

    pub fn filter_name(&self, filter: &Filter) -> String {
        self.lang.filter(&self.policy, filter)
    }

    // ---- actions ----

    pub fn update(&mut self, action: Action) -> Vec<Request> {
        let mut requests = self.act(action);
        requests.extend(self.keep_draft());
        requests
    }

    fn act(&mut self, action: Action) -> Vec<Request> {
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
            (Mode::Queue | Mode::Detail, Action::GoTo) => {
                self.overlay = Overlay::GoTo(Input::default());
                Vec::new()
            }
            (Mode::GoTo, action) => self.go_to_action(action),
            (Mode::Search, action) => self.search_action(action),
            (Mode::Menu, action) => self.menu_action(action),
            (Mode::Confirm | Mode::ConfirmText, action) => self.confirm_action(action),
            (Mode::ReturnReasons | Mode::ReturnText, action) => self.return_action(action),
            (Mode::JudgeList | Mode::JudgeText, action) => self.judge_action(action),
            (Mode::Queue, action) => {
                let mut requests = self.queue_action(action);
                requests.extend(self.follow_cursor());
                requests
            }
            (Mode::Detail, action) => self.detail_action(action),
            (Mode::Stats, action) => self.stats_action(action),
            (Mode::Bulk, action) => self.bulk_action(action),
            (Mode::ViewName, action) => self.view_name_action(action),
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
            Action::Reopen => return self.begin(Pending::Reopen),
            Action::Judge => return self.open_judge(),
            Action::Probe => {
                if let Some(view) = &self.detail {
                    let id = view.id().to_string();
                    self.status = Some(Status {
                        text: self.ui.probing.to_string(),
                        error: false,
                    });
                    return vec![Request::Probe { id }];
                }
            }
            Action::CopyId => {
                if let Some(id) = self.detail.as_ref().map(|v| v.id().to_string()) {
                    self.copy(id);
                }
            }
            Action::CopyUrl => {
                let url = self
                    .detail
                    .as_ref()
                    .and_then(|v| v.stored.app.website.as_ref())
                    .map(|w| w.url.clone());
                if let Some(url) = url {
                    self.copy(url);
                }
            }
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
    /// Forward, the next one assigned to this reviewer comes first (of the rows on hand).
    fn step(&mut self, delta: i64) -> Vec<Request> {
        let total = self.queue.total.unwrap_or(0);
        if delta > 0 && !self.mine.is_empty() {
            let mut index = self.queue.selected + 1;
            while let Some(row) = self.queue.row(index) {
                let free = row
                    .claimed_by
                    .as_deref()
                    .is_none_or(|who| who == self.actor);
                if free && self.mine.contains(&row.id) {
                    let mut requests = self.select(index);
                    requests.extend(self.open_selected(None));
                    return requests;
                }
                index += 1;
            }
        }
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

    pub fn resize(&mut self, width: u16, height: u16) -> Vec<Request> {
        self.width = width;
        self.height = height;
        let height = self.table_height();
        if self.queue.selected >= self.queue.top + height {
            self.queue.top = self.queue.selected + 1 - height;
        }
        let mut requests = self.ensure_window();
        requests.extend(self.follow_cursor());
        requests
    }
}

fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}
