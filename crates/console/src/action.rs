//! The one type of everything a reviewer can ask the console to do.

use tui_input::InputRequest;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `q` in the queue.
    Quit,
    /// Ctrl-c anywhere.
    ForceQuit,
    /// Ctrl-l anywhere: the screen drawn again whole (after something else wrote on it).
    Repaint,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    /// Enter in the queue: the detail of the selected application.
    Open,
    /// Esc: back to the queue, close a dialog, or clear the filter.
    Back,
    /// J / n in the detail.
    NextApplication,
    /// K / p in the detail.
    PreviousApplication,
    StartSearch,
    /// A keystroke in a text field (search, message, note).
    Edit(InputRequest),
    /// Enter in the search field: keep the search, back to the table.
    AcceptSearch,
    OpenFilterMenu,
    /// A letter in the filter menu: the filter (or sort) it names, at once.
    Pick(char),
    CycleSort,
    Approve,
    Return,
    Expire,
    Judge,
    RevealPassword,
    /// P: fetch the application's website now (the site probe), on a worker thread.
    Probe,
    /// y: the application's id to the clipboard (OSC 52).
    CopyId,
    /// Y in the detail: its website's address to the clipboard.
    CopyUrl,
    /// `:`: the "go to id" prompt; Enter there opens that application, whatever its
    /// state and the queue's filter.
    GoTo,
    /// O: a lead reopens a decided application.
    Reopen,
    /// Enter in a dialog.
    Confirm,
    /// Space in the return dialog's reason list.
    Toggle,
    /// Tab / Shift-Tab between the fields of a dialog.
    NextField,
    PreviousField,
    /// p / f in the judge dialog.
    Verdict(bool),
    ScrollUp,
    ScrollDown,
    Help,
    /// Any key on the help screen.
    CloseHelp,
    /// t in the queue: the lead's statistics (issue 14).
    Stats,
    /// r on the statistics: count again.
    Refresh,
    /// Space in the queue: mark or unmark the selected application (issue 14).
    Mark,
    /// V in the queue: start a range, then mark from there to the selection.
    MarkRange,
    /// A in the queue: assign the marked (or the selected) to a reviewer (leads).
    BulkAssign,
    /// X in the queue: expire the marked (or the selected) past their window.
    BulkExpire,
    /// S in the queue: save the filters, sort and search as a named view (a tab).
    SaveView,
    /// 1…9 in the queue: the saved view (tab) of that place.
    Tab(u8),
}
