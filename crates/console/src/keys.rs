//! Key handling as a pure function: (mode, key) → action. The same table feeds the
//! footer and the help screen, so what they say is what the keys do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::InputRequest;

use super::action::Action;
use shenhe_present::KeyHelp;

mod keymap;
pub use keymap::{GLOBAL_NAME, Keymap, Line, Rebind, RebindError, action_name};

/// Where the keyboard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Queue,
    Search,
    Detail,
    Menu,
    Confirm,
    /// The confirm dialog's note field has the focus.
    ConfirmText,
    ReturnReasons,
    ReturnText,
    JudgeList,
    JudgeText,
    /// The "go to id" prompt (`:`).
    GoTo,
    Help,
    /// The lead's statistics (issue 14).
    Stats,
    /// A bulk action's dialog: what it will do, and (assign) to whom.
    Bulk,
    /// The name of a view to save (S).
    ViewName,
}

/// One key as the keymap knows it: a code, with or without Ctrl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    /// How the footer and the help screen write it.
    pub fn name(self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Delete".into(),
            KeyCode::Insert => "Insert".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }

    fn matches(self, key: &KeyEvent) -> bool {
        self.code == key.code && self.ctrl == key.modifiers.contains(KeyModifiers::CONTROL)
    }
}

/// One line of the help screen: the keys that do one thing, and what it is called.
pub struct Binding {
    pub presses: &'static [(Key, Action)],
    pub what: fn(&KeyHelp) -> &'static str,
}

// Bindings that several modes share.
const MOVE: Binding = Binding {
    presses: &[
        (k('j'), Action::Down),
        (k('k'), Action::Up),
        (code(KeyCode::Down), Action::Down),
        (code(KeyCode::Up), Action::Up),
    ],
    what: |k| k.move_,
};

const TOP_BOTTOM: Binding = Binding {
    presses: &[
        (k('g'), Action::Top),
        (k('G'), Action::Bottom),
        (code(KeyCode::Home), Action::Top),
        (code(KeyCode::End), Action::Bottom),
    ],
    what: |k| k.top_bottom,
};

const HALF_PAGE: Binding = Binding {
    presses: &[
        (ctrl('d'), Action::HalfPageDown),
        (ctrl('u'), Action::HalfPageUp),
    ],
    what: |k| k.half_page,
};

const APPROVE: Binding = Binding {
    presses: &[(k('a'), Action::Approve)],
    what: |k| k.approve,
};

const RETURN: Binding = Binding {
    presses: &[(k('r'), Action::Return)],
    what: |k| k.return_,
};

const EXPIRE: Binding = Binding {
    presses: &[(k('x'), Action::Expire)],
    what: |k| k.expire,
};

const REOPEN: Binding = Binding {
    presses: &[(k('O'), Action::Reopen)],
    what: |k| k.reopen,
};

const COPY_ID: Binding = Binding {
    presses: &[(k('y'), Action::CopyId)],
    what: |k| k.copy_id,
};

const GO_TO: Binding = Binding {
    presses: &[(k(':'), Action::GoTo)],
    what: |k| k.go_to,
};

const HELP: Binding = Binding {
    presses: &[(k('?'), Action::Help)],
    what: |k| k.help,
};

const CANCEL: Binding = Binding {
    presses: &[(code(KeyCode::Esc), Action::Back)],
    what: |k| k.cancel,
};

/// Keys every mode knows, checked before the mode's own.
static GLOBAL: &[Binding] = &[
    Binding {
        presses: &[(ctrl('c'), Action::ForceQuit)],
        what: |k| k.force_quit,
    },
    Binding {
        presses: &[(ctrl('l'), Action::Repaint)],
        what: |k| k.repaint,
    },
];

static QUEUE: &[Binding] = &[
    Binding {
        presses: &[
            (code(KeyCode::Enter), Action::Open),
            (k('l'), Action::Open),
            (code(KeyCode::Right), Action::Open),
        ],
        what: |k| k.open,
    },
    APPROVE,
    RETURN,
    EXPIRE,
    Binding {
        presses: &[(k('/'), Action::StartSearch)],
        what: |k| k.search,
    },
    Binding {
        presses: &[(k('f'), Action::OpenFilterMenu)],
        what: |k| k.filter,
    },
    Binding {
        presses: &[(k('s'), Action::CycleSort)],
        what: |k| k.sort,
    },
    HELP,
    Binding {
        presses: &[(k('q'), Action::Quit)],
        what: |k| k.quit,
    },
    COPY_ID,
    MOVE,
    TOP_BOTTOM,
    GO_TO,
    Binding {
        presses: &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (ctrl('b'), Action::PageUp),
            (ctrl('f'), Action::PageDown),
        ],
        what: |k| k.page,
    },
    HALF_PAGE,
    Binding {
        presses: &[(code(KeyCode::Esc), Action::Back)],
        what: |k| k.undo,
    },
    // The lead's console (issue 14), one line of the help: t statistics, S save the view
    // and 1…9 the saved views (tabs), Space/V mark one or a range, A/X assign or expire
    // the marked.
    Binding {
        presses: &[
            (k('t'), Action::Stats),
            (k('S'), Action::SaveView),
            (k('1'), Action::Tab(1)),
            (k('2'), Action::Tab(2)),
            (k('3'), Action::Tab(3)),
            (k('4'), Action::Tab(4)),
            (k('5'), Action::Tab(5)),
            (k('6'), Action::Tab(6)),
            (k('7'), Action::Tab(7)),
            (k('8'), Action::Tab(8)),
            (k('9'), Action::Tab(9)),
            (k(' '), Action::Mark),
            (k('V'), Action::MarkRange),
            (k('A'), Action::BulkAssign),
            (k('X'), Action::BulkExpire),
        ],
        what: |k| k.lead,
    },
    // Rare, and for leads only: last, so that the footer keeps the daily keys.
    REOPEN,
];

static VIEW_NAME: &[Binding] = &[
    Binding {
        presses: &[(code(KeyCode::Enter), Action::Confirm)],
        what: |k| k.submit,
    },
    CANCEL,
];

static BULK: &[Binding] = &[
    Binding {
        presses: &[
            (code(KeyCode::Enter), Action::Confirm),
            (k('y'), Action::Confirm),
        ],
        what: |k| k.confirm,
    },
    MOVE,
    Binding {
        presses: &[
            (code(KeyCode::Esc), Action::Back),
            (k('n'), Action::Back),
            (k('q'), Action::Back),
        ],
        what: |k| k.cancel,
    },
];

static STATS: &[Binding] = &[
    Binding {
        presses: &[
            (code(KeyCode::Esc), Action::Back),
            (k('q'), Action::Back),
            (k('t'), Action::Back),
            (k('h'), Action::Back),
            (code(KeyCode::Left), Action::Back),
        ],
        what: |k| k.back,
    },
    Binding {
        presses: &[(k('r'), Action::Refresh)],
        what: |k| k.refresh,
    },
    HELP,
];

static DETAIL: &[Binding] = &[
    APPROVE,
    RETURN,
    EXPIRE,
    Binding {
        presses: &[(k('m'), Action::Judge)],
        what: |k| k.judge,
    },
    Binding {
        presses: &[
            (k('J'), Action::NextApplication),
            (k('K'), Action::PreviousApplication),
            (k('n'), Action::NextApplication),
            (k('p'), Action::PreviousApplication),
        ],
        what: |k| k.next_prev,
    },
    Binding {
        presses: &[(k('v'), Action::RevealPassword)],
        what: |k| k.reveal,
    },
    COPY_ID,
    Binding {
        presses: &[(k('Y'), Action::CopyUrl)],
        what: |k| k.copy_url,
    },
    Binding {
        presses: &[
            (code(KeyCode::Esc), Action::Back),
            (k('h'), Action::Back),
            (code(KeyCode::Left), Action::Back),
            (k('q'), Action::Back),
        ],
        what: |k| k.back,
    },
    HELP,
    Binding {
        presses: &[
            (k('j'), Action::ScrollDown),
            (k('k'), Action::ScrollUp),
            (code(KeyCode::Down), Action::ScrollDown),
            (code(KeyCode::Up), Action::ScrollUp),
        ],
        what: |k| k.scroll,
    },
    Binding {
        presses: &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (k(' '), Action::PageDown),
        ],
        what: |k| k.page,
    },
    TOP_BOTTOM,
    HALF_PAGE,
    Binding {
        presses: &[(k('P'), Action::Probe)],
        what: |k| k.probe,
    },
    GO_TO,
    REOPEN,
];

/// The "go to id" prompt: type an id, Enter opens it.
static GOTO: &[Binding] = &[
    Binding {
        presses: &[(code(KeyCode::Enter), Action::Confirm)],
        what: |k| k.open,
    },
    CANCEL,
];

static SEARCH: &[Binding] = &[
    Binding {
        presses: &[
            (code(KeyCode::Enter), Action::AcceptSearch),
            (code(KeyCode::Down), Action::AcceptSearch),
            (code(KeyCode::Up), Action::AcceptSearch),
        ],
        what: |k| k.accept_search,
    },
    Binding {
        presses: &[(code(KeyCode::Esc), Action::Back)],
        what: |k| k.clear,
    },
];

static MENU: &[Binding] = &[
    Binding {
        presses: &[(code(KeyCode::Enter), Action::Confirm)],
        what: |k| k.choose,
    },
    Binding {
        presses: &[(k(' '), Action::Toggle)],
        what: |k| k.combine,
    },
    MOVE,
    TOP_BOTTOM,
    Binding {
        presses: &[(code(KeyCode::Esc), Action::Back), (k('q'), Action::Back)],
        what: |k| k.cancel,
    },
    // Last: the footer keeps the keys above, the menu shows each letter beside its line.
    Binding {
        presses: &PICK_LETTERS,
        what: |k| k.pick_letter,
    },
];

/// The letters of the filter menu: a filter each (and the product groups `1`–`9`), and
/// the sorts in capitals.
pub const FILTER_LETTERS: [char; 14] = [
    'a', 'r', 'v', 's', 'b', 'i', 'e', 'c', 'A', 'o', 't', 'f', 'l', 'm',
];
pub const GROUP_LETTERS: [char; 9] = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
pub const SORT_LETTERS: [char; 4] = ['D', 'L', 'S', 'M'];
/// The menu's letter that turns "mine first" on and off.
pub const MINE_FIRST_LETTER: char = 'F';

static PICK_LETTERS: [(Key, Action); 28] = [
    (k('a'), Action::Pick('a')),
    (k('r'), Action::Pick('r')),
    (k('v'), Action::Pick('v')),
    (k('s'), Action::Pick('s')),
    (k('b'), Action::Pick('b')),
    (k('i'), Action::Pick('i')),
    (k('e'), Action::Pick('e')),
    (k('c'), Action::Pick('c')),
    (k('A'), Action::Pick('A')),
    (k('o'), Action::Pick('o')),
    (k('t'), Action::Pick('t')),
    (k('f'), Action::Pick('f')),
    (k('l'), Action::Pick('l')),
    (k('m'), Action::Pick('m')),
    (k('1'), Action::Pick('1')),
    (k('2'), Action::Pick('2')),
    (k('3'), Action::Pick('3')),
    (k('4'), Action::Pick('4')),
    (k('5'), Action::Pick('5')),
    (k('6'), Action::Pick('6')),
    (k('7'), Action::Pick('7')),
    (k('8'), Action::Pick('8')),
    (k('9'), Action::Pick('9')),
    (k('D'), Action::Pick('D')),
    (k('L'), Action::Pick('L')),
    (k('S'), Action::Pick('S')),
    (k('M'), Action::Pick('M')),
    (k('F'), Action::Pick('F')),
];

static CONFIRM: &[Binding] = &[
    Binding {
        presses: &[
            (code(KeyCode::Enter), Action::Confirm),
            (k('y'), Action::Confirm),
        ],
        what: |k| k.confirm,
    },
    Binding {
        presses: &[(code(KeyCode::Tab), Action::NextField)],
        what: |k| k.next_field,
    },
    Binding {
        presses: &[
            (code(KeyCode::Esc), Action::Back),
            (k('n'), Action::Back),
            (k('q'), Action::Back),
        ],
        what: |k| k.cancel,
    },
];

/// A text field inside a dialog: editing keys first (see [`text`]), then these. The
/// message and the notes take several lines: Enter sends, Ctrl-j adds a line (a paste
/// keeps its lines: it is text, never keys).
static FIELD: &[Binding] = &[
    Binding {
        presses: &[(code(KeyCode::Enter), Action::Confirm)],
        what: |k| k.submit,
    },
    Binding {
        presses: &[(ctrl('j'), Action::Edit(InputRequest::InsertChar('\n')))],
        what: |k| k.new_line,
    },
    Binding {
        presses: &[
            (code(KeyCode::Tab), Action::NextField),
            (code(KeyCode::BackTab), Action::PreviousField),
        ],
        what: |k| k.next_field,
    },
    CANCEL,
];

static RETURN_REASONS: &[Binding] = &[
    Binding {
        presses: &[(k(' '), Action::Toggle)],
        what: |k| k.toggle,
    },
    Binding {
        presses: &[(code(KeyCode::Enter), Action::Confirm)],
        what: |k| k.next_field,
    },
    Binding {
        presses: &[
            (code(KeyCode::Tab), Action::NextField),
            (code(KeyCode::BackTab), Action::PreviousField),
        ],
        what: |k| k.next_field,
    },
    MOVE,
    TOP_BOTTOM,
    CANCEL,
];

static JUDGE_LIST: &[Binding] = &[
    Binding {
        presses: &[
            (k('p'), Action::Verdict(true)),
            (k('f'), Action::Verdict(false)),
        ],
        what: |k| k.pass_fail,
    },
    MOVE,
    TOP_BOTTOM,
    Binding {
        presses: &[(code(KeyCode::Tab), Action::NextField)],
        what: |k| k.next_field,
    },
    Binding {
        presses: &[(code(KeyCode::Enter), Action::Confirm)],
        what: |k| k.submit,
    },
    CANCEL,
];

/// The keys of a mode, in the order the footer and the help screen show them. Ctrl-c and
/// Ctrl-l ([`GLOBAL`]) work everywhere too; any key closes the help screen.
pub fn keymap(mode: Mode) -> &'static [Binding] {
    match mode {
        Mode::Queue => QUEUE,
        Mode::Detail => DETAIL,
        Mode::Search => SEARCH,
        Mode::Menu => MENU,
        Mode::Confirm => CONFIRM,
        Mode::ConfirmText | Mode::ReturnText | Mode::JudgeText => FIELD,
        Mode::ReturnReasons => RETURN_REASONS,
        Mode::JudgeList => JUDGE_LIST,
        Mode::GoTo => GOTO,
        Mode::Help => &[],
        Mode::Stats => STATS,
        Mode::Bulk => BULK,
        Mode::ViewName => VIEW_NAME,
    }
}

/// Whether a mode edits text: its printable keys type rather than command.
pub fn edits_text(mode: Mode) -> bool {
    matches!(
        mode,
        Mode::Search
            | Mode::ConfirmText
            | Mode::ReturnText
            | Mode::JudgeText
            | Mode::GoTo
            | Mode::ViewName
    )
}

/// What `key` does in `mode` with the default keys (the console reads its own
/// [`Keymap`], the defaults changed by the config file).
pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    Keymap::standard().action_for(mode, key)
}

/// One line of the help screen, and what the footer shows of it.
pub struct KeyLine {
    /// Every key, as the help screen lists them: `j/k/↓/↑`.
    pub keys: Vec<String>,
    /// One key for each thing the line does, as the footer shows it: `j/k`.
    pub brief: String,
    pub what: &'static str,
}

/// The default keys of a mode: every key of [`keymap`] and then [`GLOBAL`], one line
/// per thing they do (see [`Keymap::bindings`]).
pub fn bindings(mode: Mode, help: &KeyHelp) -> Vec<KeyLine> {
    Keymap::standard().bindings(mode, help)
}

/// Editing keys of a one-line text field (Emacs-style, as in a shell).
fn text(key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let request = match key.code {
        KeyCode::Char('a') if ctrl => InputRequest::GoToStart,
        KeyCode::Char('e') if ctrl => InputRequest::GoToEnd,
        KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
        KeyCode::Char('k') if ctrl => InputRequest::DeleteTillEnd,
        KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Char('b') if ctrl => InputRequest::GoToPrevChar,
        KeyCode::Char('f') if ctrl => InputRequest::GoToNextChar,
        KeyCode::Char('h') if ctrl => InputRequest::DeletePrevChar,
        KeyCode::Char(_) if ctrl || alt => return None,
        KeyCode::Char(c) => InputRequest::InsertChar(c),
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        _ => return None,
    };
    Some(Action::Edit(request))
}
