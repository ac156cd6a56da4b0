//! Key handling as a pure function: (mode, key) → action. The same table feeds the
//! footer and the help screen, so what they say is what the keys do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::InputRequest;

use super::action::Action;
use crate::i18n::KeyHelp;

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
    Help,
}

pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::ForceQuit);
    }
    if ctrl && key.code == KeyCode::Char('l') {
        return Some(Action::Repaint);
    }
    match mode {
        Mode::Help => Some(Action::CloseHelp),
        Mode::Queue => queue(key, ctrl),
        Mode::Detail => detail(key, ctrl),
        Mode::Search => text(key).or(match key.code {
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => Some(Action::AcceptSearch),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        }),
        Mode::Menu => match key.code {
            KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
            KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
            KeyCode::Char('g') | KeyCode::Home => Some(Action::Top),
            KeyCode::Char('G') | KeyCode::End => Some(Action::Bottom),
            KeyCode::Enter => Some(Action::Confirm),
            KeyCode::Esc | KeyCode::Char('q') => Some(Action::Back),
            _ => None,
        },
        Mode::Confirm => match key.code {
            KeyCode::Enter | KeyCode::Char('y') => Some(Action::Confirm),
            KeyCode::Tab => Some(Action::NextField),
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => Some(Action::Back),
            _ => None,
        },
        Mode::ConfirmText => field_keys(key),
        Mode::ReturnReasons => match key.code {
            KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
            KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
            KeyCode::Char(' ') => Some(Action::Toggle),
            KeyCode::Enter => Some(Action::Confirm),
            KeyCode::Tab => Some(Action::NextField),
            KeyCode::BackTab => Some(Action::PreviousField),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        },
        Mode::ReturnText | Mode::JudgeText => field_keys(key),
        Mode::JudgeList => match key.code {
            KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
            KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
            KeyCode::Char('p') => Some(Action::Verdict(true)),
            KeyCode::Char('f') => Some(Action::Verdict(false)),
            KeyCode::Enter => Some(Action::Confirm),
            KeyCode::Tab => Some(Action::NextField),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        },
    }
}

fn queue(key: KeyEvent, ctrl: bool) -> Option<Action> {
    if ctrl {
        return match key.code {
            KeyCode::Char('d') => Some(Action::HalfPageDown),
            KeyCode::Char('u') => Some(Action::HalfPageUp),
            KeyCode::Char('f') => Some(Action::PageDown),
            KeyCode::Char('b') => Some(Action::PageUp),
            _ => None,
        };
    }
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
        KeyCode::Char('g') | KeyCode::Home => Some(Action::Top),
        KeyCode::Char('G') | KeyCode::End => Some(Action::Bottom),
        KeyCode::PageDown => Some(Action::PageDown),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => Some(Action::Open),
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Char('/') => Some(Action::StartSearch),
        KeyCode::Char('f') => Some(Action::OpenFilterMenu),
        KeyCode::Char('s') => Some(Action::CycleSort),
        KeyCode::Char('a') => Some(Action::Approve),
        KeyCode::Char('r') => Some(Action::Return),
        KeyCode::Char('x') => Some(Action::Expire),
        KeyCode::Char('?') => Some(Action::Help),
        KeyCode::Char('q') => Some(Action::Quit),
        _ => None,
    }
}

fn detail(key: KeyEvent, ctrl: bool) -> Option<Action> {
    if ctrl {
        return match key.code {
            KeyCode::Char('d') => Some(Action::HalfPageDown),
            KeyCode::Char('u') => Some(Action::HalfPageUp),
            _ => None,
        };
    }
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => Some(Action::ScrollDown),
        KeyCode::Char('k') | KeyCode::Up => Some(Action::ScrollUp),
        KeyCode::PageDown | KeyCode::Char(' ') => Some(Action::PageDown),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::Char('g') | KeyCode::Home => Some(Action::Top),
        KeyCode::Char('G') | KeyCode::End => Some(Action::Bottom),
        KeyCode::Char('J') | KeyCode::Char('n') => Some(Action::NextApplication),
        KeyCode::Char('K') | KeyCode::Char('p') => Some(Action::PreviousApplication),
        KeyCode::Esc | KeyCode::Char('h') | KeyCode::Left | KeyCode::Char('q') => {
            Some(Action::Back)
        }
        KeyCode::Char('a') => Some(Action::Approve),
        KeyCode::Char('r') => Some(Action::Return),
        KeyCode::Char('x') => Some(Action::Expire),
        KeyCode::Char('m') => Some(Action::Judge),
        KeyCode::Char('v') => Some(Action::RevealPassword),
        KeyCode::Char('?') => Some(Action::Help),
        _ => None,
    }
}

/// A text field inside a dialog: editing, Tab between fields, Enter to go on.
fn field_keys(key: KeyEvent) -> Option<Action> {
    text(key).or(match key.code {
        KeyCode::Enter => Some(Action::Confirm),
        KeyCode::Tab => Some(Action::NextField),
        KeyCode::BackTab => Some(Action::PreviousField),
        KeyCode::Esc => Some(Action::Back),
        _ => None,
    })
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

/// The keys of a mode, for the help screen (all) and the footer (the first few).
pub fn bindings(mode: Mode, k: &'static KeyHelp) -> Vec<(&'static str, &'static str)> {
    match mode {
        Mode::Queue => vec![
            ("Enter", k.open),
            ("a", k.approve),
            ("r", k.return_),
            ("x", k.expire),
            ("/", k.search),
            ("f", k.filter),
            ("s", k.sort),
            ("?", k.help),
            ("q", k.quit),
            ("j/k ↑/↓", k.move_),
            ("g/G", k.top_bottom),
            ("PgUp/PgDn", k.page),
            ("Ctrl-d/Ctrl-u", k.half_page),
            ("Esc", k.clear),
            ("Ctrl-c", k.force_quit),
            ("Ctrl-l", k.repaint),
        ],
        Mode::Detail => vec![
            ("a", k.approve),
            ("r", k.return_),
            ("x", k.expire),
            ("m", k.judge),
            ("J/K", k.next_prev),
            ("v", k.reveal),
            ("Esc", k.back),
            ("?", k.help),
            ("j/k ↑/↓", k.scroll),
            ("n/p", k.next_prev),
            ("PgUp/PgDn Space", k.page),
            ("g/G", k.top_bottom),
            ("Ctrl-c", k.force_quit),
            ("Ctrl-l", k.repaint),
        ],
        Mode::Search => vec![
            ("Enter", k.accept_search),
            ("Esc", k.clear),
            ("Ctrl-c", k.force_quit),
            ("Ctrl-l", k.repaint),
        ],
        Mode::Menu => vec![("Enter", k.choose), ("j/k", k.move_), ("Esc", k.cancel)],
        Mode::Confirm => vec![
            ("Enter/y", k.confirm),
            ("Tab", k.next_field),
            ("Esc/n", k.cancel),
        ],
        Mode::ConfirmText | Mode::ReturnText | Mode::JudgeText => {
            vec![
                ("Enter", k.submit),
                ("Tab", k.next_field),
                ("Esc", k.cancel),
            ]
        }
        Mode::ReturnReasons => vec![
            ("Space", k.toggle),
            ("Enter", k.next_field),
            ("Tab", k.next_field),
            ("j/k", k.move_),
            ("Esc", k.cancel),
        ],
        Mode::JudgeList => vec![
            ("p/f", k.pass_fail),
            ("j/k", k.move_),
            ("Tab", k.next_field),
            ("Enter", k.submit),
            ("Esc", k.cancel),
        ],
        Mode::Help => vec![],
    }
}
