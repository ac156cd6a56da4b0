//! The keymap as a value: the default tables of [`super`] copied, then changed by the
//! reviewer's own bindings (the config file's `[keys.MODE]` sections). The footer, the
//! help screen and the event loop all read the one value, so what they show is what the
//! keys do.
//!
//! Names come from the tables themselves: a mode's name is its `Mode` variant in
//! snake_case (`queue`, `detail`, `return_reasons`, …, and `global` for the keys every
//! mode knows), an action's name its `Action` variant in snake_case (`approve`,
//! `next_application`, `pick_a`, …; `pass`/`fail` and `new_line` by hand). A binding
//! added to a table is rebindable with no code here.

use std::sync::{Arc, OnceLock};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use tui_input::InputRequest;

use super::{Binding, GLOBAL, Key, KeyLine, Mode, edits_text, keymap, text};
use crate::action::Action;
use shenhe_present::KeyHelp;

impl Mode {
    /// Every mode, in the order the README and errors list them. A new mode goes here.
    pub const ALL: [Mode; 15] = [
        Mode::Queue,
        Mode::Search,
        Mode::Detail,
        Mode::Menu,
        Mode::Confirm,
        Mode::ConfirmText,
        Mode::ReturnReasons,
        Mode::ReturnText,
        Mode::JudgeList,
        Mode::JudgeText,
        Mode::GoTo,
        Mode::Stats,
        Mode::Bulk,
        Mode::ViewName,
        Mode::Help,
    ];

    /// The mode's name in the config file: its variant in snake_case.
    pub fn name(self) -> String {
        snake(&format!("{self:?}"))
    }
}

/// The config file's section for the keys every mode knows (Ctrl-c, Ctrl-l).
pub const GLOBAL_NAME: &str = "global";

/// An action's name in the config file: its variant in snake_case, its argument after
/// an underscore (`pick_a`, `pick_A`).
pub fn action_name(action: &Action) -> String {
    match action {
        Action::Verdict(true) => "pass".into(),
        Action::Verdict(false) => "fail".into(),
        Action::Edit(InputRequest::InsertChar('\n')) => "new_line".into(),
        other => {
            let debug = format!("{other:?}");
            let (variant, args) = debug.split_once('(').unwrap_or((&debug, ""));
            let args: String = args
                .chars()
                .filter(|c| !matches!(c, '\'' | '"' | ')' | '(' | ' '))
                .collect();
            if args.is_empty() {
                snake(variant)
            } else {
                format!("{}_{}", snake(variant), args.replace(',', "_"))
            }
        }
    }
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Key {
    /// A key as the config file writes it: one character (`a`, `A`, `:`), a name
    /// (`Enter`, `Esc`, `Tab`, `Shift-Tab`, `Space`, `Backspace`, `Delete`, `Insert`,
    /// `Home`, `End`, `PgUp`, `PgDn`, `Up`, `Down`, `Left`, `Right` or their arrows,
    /// `F1`–`F12`), either after `Ctrl-`. Names are not case-sensitive; a character is.
    pub fn parse(text: &str) -> Option<Key> {
        let (ctrl, rest) = match text.get(..5) {
            Some(p) if p.eq_ignore_ascii_case("ctrl-") && text.len() > 5 => (true, &text[5..]),
            _ => (false, text),
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_control() => return None,
            (Some(c), None) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            (Some(c), None) => match c {
                '↑' => KeyCode::Up,
                '↓' => KeyCode::Down,
                '←' => KeyCode::Left,
                '→' => KeyCode::Right,
                c => KeyCode::Char(c),
            },
            (None, _) => return None,
            _ => named(rest)?,
        };
        Some(Key { code, ctrl })
    }
}

fn named(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "shift-tab" | "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        f if f.starts_with('f') => {
            let n: u8 = f[1..].parse().ok()?;
            if !(1..=12).contains(&n) || f[1..].starts_with('0') {
                return None;
            }
            KeyCode::F(n)
        }
        _ => return None,
    })
}

/// One line of a mode's keys: the presses that do one thing, and what it is called.
#[derive(Clone, Debug)]
pub struct Line {
    pub presses: Vec<(Key, Action)>,
    pub what: fn(&KeyHelp) -> &'static str,
}

/// The keys in force: the defaults, and whatever the reviewer rebound.
#[derive(Clone, Debug)]
pub struct Keymap {
    global: Vec<Line>,
    modes: Vec<(Mode, Vec<Line>)>,
}

/// One setting of the config file: in `mode` (a mode's name, or `global`), `action` is
/// done by `keys` (and no longer by the keys it had there). `at` says where it was
/// written, for the error.
#[derive(Debug, Clone)]
pub struct Rebind<At> {
    pub mode: String,
    pub action: String,
    pub keys: Vec<String>,
    pub at: At,
}

/// A setting the keymap cannot take, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebindError<At> {
    pub at: At,
    pub message: String,
}

fn copy(table: &[Binding]) -> Vec<Line> {
    table
        .iter()
        .map(|b| Line {
            presses: b.presses.to_vec(),
            what: b.what,
        })
        .collect()
}

impl Keymap {
    /// The default keys (the tables of `keys.rs`).
    pub fn defaults() -> Keymap {
        Keymap {
            global: copy(GLOBAL),
            modes: Mode::ALL.iter().map(|m| (*m, copy(keymap(*m)))).collect(),
        }
    }

    /// The defaults, shared.
    pub fn standard() -> Arc<Keymap> {
        static STANDARD: OnceLock<Arc<Keymap>> = OnceLock::new();
        Arc::clone(STANDARD.get_or_init(|| Arc::new(Keymap::defaults())))
    }

    /// The defaults changed by `rebinds`, in order; then no key may do two things in one
    /// mode (the keys every mode knows included), and no key that types may be bound
    /// where text is typed. The first problem is returned, with where it was written.
    pub fn with<At: Clone>(rebinds: &[Rebind<At>]) -> Result<Keymap, RebindError<At>> {
        let mut map = Keymap::defaults();
        // Which rebind put each press there (None: a default), line by line.
        let mut origin: Vec<Vec<Vec<Option<usize>>>> = std::iter::once(&map.global)
            .chain(map.modes.iter().map(|(_, t)| t))
            .map(|t| t.iter().map(|l| vec![None; l.presses.len()]).collect())
            .collect();
        for (i, r) in rebinds.iter().enumerate() {
            let fail = |message: String| RebindError {
                at: r.at.clone(),
                message,
            };
            let slot = if r.mode == GLOBAL_NAME {
                0
            } else {
                match Mode::ALL.iter().position(|m| m.name() == r.mode) {
                    Some(at) => at + 1,
                    None => {
                        return Err(fail(format!(
                            "unknown mode `{}`: one of {}",
                            r.mode,
                            mode_names().join(", ")
                        )));
                    }
                }
            };
            let table = if slot == 0 {
                &mut map.global
            } else {
                &mut map.modes[slot - 1].1
            };
            let names = action_names(table);
            if !names.contains(&r.action) {
                let known = if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                };
                return Err(fail(format!(
                    "unknown action `{}` in [keys.{}]: its actions are {known}",
                    r.action, r.mode
                )));
            }
            if r.keys.is_empty() {
                return Err(fail(format!("`{}` needs at least one key", r.action)));
            }
            let mut keys = Vec::new();
            for text in &r.keys {
                match Key::parse(text) {
                    Some(key) => keys.push(key),
                    None => {
                        return Err(fail(format!(
                            "`{text}` is not a key: write one character (`a`, `:`), a name (Enter, Esc, Tab, Shift-Tab, Space, Backspace, Delete, Insert, Home, End, PgUp, PgDn, Up, Down, Left, Right, F1–F12), either after `Ctrl-`"
                        )));
                    }
                }
            }
            let action = table
                .iter()
                .flat_map(|l| &l.presses)
                .find(|(_, a)| action_name(a) == r.action)
                .map(|(_, a)| a.clone())
                .expect("the name was found above");
            let origins = &mut origin[slot];
            let mut placed = false;
            for (line, from) in table.iter_mut().zip(origins.iter_mut()) {
                let Some(first) = line.presses.iter().position(|(_, a)| *a == action) else {
                    continue;
                };
                let mut presses = Vec::new();
                let mut sources = Vec::new();
                for (j, press) in line.presses.iter().enumerate() {
                    if j == first && !placed {
                        for key in &keys {
                            presses.push((*key, action.clone()));
                            sources.push(Some(i));
                        }
                        placed = true;
                    }
                    if press.1 != action {
                        presses.push(press.clone());
                        sources.push(from[j]);
                    }
                }
                line.presses = presses;
                *from = sources;
            }
        }
        map.check(rebinds, &origin)?;
        Ok(map)
    }

    fn check<At: Clone>(
        &self,
        rebinds: &[Rebind<At>],
        origin: &[Vec<Vec<Option<usize>>>],
    ) -> Result<(), RebindError<At>> {
        let flat = |slot: usize, table: &[Line]| -> Vec<(Key, Action, Option<usize>)> {
            table
                .iter()
                .zip(&origin[slot])
                .flat_map(|(l, o)| l.presses.iter().zip(o))
                .map(|((k, a), o)| (*k, a.clone(), *o))
                .collect()
        };
        let global = flat(0, &self.global);
        for (slot, (mode, table)) in self.modes.iter().enumerate() {
            let mut all = global.clone();
            all.extend(flat(slot + 1, table));
            for (i, (key, action, from)) in all.iter().enumerate() {
                if let Some(r) = from
                    && edits_text(*mode)
                    && text(KeyEvent::new(key.code, key_modifiers(*key))).is_some()
                {
                    return Err(RebindError {
                        at: rebinds[*r].at.clone(),
                        message: format!(
                            "`{}` types text in [keys.{}]: it cannot be bound there",
                            key.name(),
                            mode.name()
                        ),
                    });
                }
                for (other, other_action, other_from) in &all[..i] {
                    if other == key && other_action != action {
                        let r = from.or(*other_from).expect("the defaults agree");
                        return Err(RebindError {
                            at: rebinds[r].at.clone(),
                            message: format!(
                                "`{}` is bound to both `{}` and `{}` in [keys.{}]",
                                key.name(),
                                action_name(other_action),
                                action_name(action),
                                mode.name()
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn table(&self, mode: Mode) -> &[Line] {
        self.modes
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|(_, t)| t.as_slice())
            .unwrap_or(&[])
    }

    /// What `key` does in `mode`: the keys every mode knows first, then (where text is
    /// typed) the editing keys, then the mode's own.
    pub fn action_for(&self, mode: Mode, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let find = |lines: &[Line]| {
            lines
                .iter()
                .flat_map(|l| &l.presses)
                .find(|(k, _)| k.matches(&key))
                .map(|(_, action)| action.clone())
        };
        if let Some(action) = find(&self.global) {
            return Some(action);
        }
        if mode == Mode::Help {
            return Some(Action::CloseHelp);
        }
        if edits_text(mode)
            && let Some(action) = text(key)
        {
            return Some(action);
        }
        find(self.table(mode))
    }

    /// The first key that does `action` in `mode`, as the footer writes it.
    pub fn key_for(&self, mode: Mode, action: &Action) -> Option<String> {
        self.table(mode)
            .iter()
            .chain(&self.global)
            .flat_map(|l| &l.presses)
            .find(|(_, a)| a == action)
            .map(|(k, _)| k.name())
    }

    /// The keys of a mode, then the keys every mode knows, one line per thing they do:
    /// the help screen shows them all, the footer as many briefs as fit.
    pub fn bindings(&self, mode: Mode, help: &KeyHelp) -> Vec<KeyLine> {
        self.table(mode)
            .iter()
            .chain(&self.global)
            .filter(|l| !l.presses.is_empty())
            .map(|l| {
                let mut seen: Vec<&Action> = Vec::new();
                let brief: Vec<String> = l
                    .presses
                    .iter()
                    .take_while(|(_, action)| {
                        let new = !seen.contains(&action);
                        seen.push(action);
                        new
                    })
                    .map(|(key, _)| key.name())
                    .collect();
                KeyLine {
                    keys: l.presses.iter().map(|(key, _)| key.name()).collect(),
                    brief: brief.join("/"),
                    what: (l.what)(help),
                }
            })
            .collect()
    }

    /// Every (section, action names) the config file may set, for the documentation and
    /// the errors.
    pub fn names(&self) -> Vec<(String, Vec<String>)> {
        std::iter::once((GLOBAL_NAME.to_string(), action_names(&self.global)))
            .chain(
                self.modes
                    .iter()
                    .map(|(m, t)| (m.name(), action_names(t)))
                    .filter(|(_, names)| !names.is_empty()),
            )
            .collect()
    }
}

fn mode_names() -> Vec<String> {
    std::iter::once(GLOBAL_NAME.to_string())
        .chain(
            Mode::ALL
                .iter()
                .filter(|m| !keymap(**m).is_empty())
                .map(|m| m.name()),
        )
        .collect()
}

fn action_names(table: &[Line]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, action) in table.iter().flat_map(|l| &l.presses) {
        let name = action_name(action);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn key_modifiers(key: Key) -> ratatui::crossterm::event::KeyModifiers {
    if key.ctrl {
        ratatui::crossterm::event::KeyModifiers::CONTROL
    } else {
        ratatui::crossterm::event::KeyModifiers::NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebind(mode: &str, action: &str, keys: &[&str], at: usize) -> Rebind<usize> {
        Rebind {
            mode: mode.into(),
            action: action.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            at,
        }
    }

    fn press(map: &Keymap, mode: Mode, code: KeyCode) -> Option<Action> {
        map.action_for(
            mode,
            KeyEvent::new(code, ratatui::crossterm::event::KeyModifiers::NONE),
        )
    }

    #[test]
    fn the_defaults_pass_their_own_checks() {
        Keymap::with::<usize>(&[]).expect("the default tables agree with themselves");
    }

    #[test]
    fn every_key_name_parses_back_to_its_key() {
        for (_, table) in Keymap::defaults().modes {
            for (key, _) in table.iter().flat_map(|l| &l.presses) {
                assert_eq!(Key::parse(&key.name()), Some(*key), "{}", key.name());
            }
        }
        assert_eq!(
            Key::parse("ctrl-X").map(|k| k.name()),
            Some("Ctrl-x".into())
        );
        assert_eq!(Key::parse("F12").map(|k| k.code), Some(KeyCode::F(12)));
        for bad in [
            "", "Ctrl-", "F13", "F0", "ab", "Hyper-a", "\u{1b}", "Ctrl-\t",
        ] {
            assert_eq!(Key::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn names_come_from_the_variants() {
        assert_eq!(action_name(&Action::NextApplication), "next_application");
        assert_eq!(action_name(&Action::Pick('A')), "pick_A");
        assert_eq!(action_name(&Action::Verdict(false)), "fail");
        assert_eq!(Mode::ReturnReasons.name(), "return_reasons");
    }

    #[test]
    fn a_rebound_action_leaves_its_old_keys_and_others_keep_theirs() {
        let map = Keymap::with(&[rebind("queue", "approve", &["W"], 1)]).unwrap();
        assert_eq!(
            press(&map, Mode::Queue, KeyCode::Char('W')),
            Some(Action::Approve)
        );
        assert_eq!(press(&map, Mode::Queue, KeyCode::Char('a')), None);
        // Only in that mode.
        assert_eq!(
            press(&map, Mode::Detail, KeyCode::Char('a')),
            Some(Action::Approve)
        );
        let help = &shenhe_present::UI_EN.key_help;
        let line = map
            .bindings(Mode::Queue, help)
            .into_iter()
            .find(|l| l.what == help.approve)
            .unwrap();
        assert_eq!(line.keys, ["W"]);
    }

    #[test]
    fn a_swap_is_no_conflict_but_a_clash_names_its_setting() {
        let swapped = Keymap::with(&[
            rebind("queue", "approve", &["r"], 1),
            rebind("queue", "return", &["a"], 2),
        ])
        .unwrap();
        assert_eq!(
            press(&swapped, Mode::Queue, KeyCode::Char('r')),
            Some(Action::Approve)
        );
        let clash = Keymap::with(&[rebind("queue", "approve", &["r"], 7)]).unwrap_err();
        assert_eq!(clash.at, 7);
        assert!(clash.message.contains("`r`"), "{}", clash.message);
        let global = Keymap::with(&[rebind("queue", "quit", &["Ctrl-l"], 3)]).unwrap_err();
        assert_eq!(global.at, 3, "{}", global.message);
    }

    #[test]
    fn unknown_names_keys_and_typing_keys_are_refused() {
        for (r, needle) in [
            (
                rebind("queue", "aprove", &["a"], 1),
                "unknown action `aprove`",
            ),
            (rebind("queu", "approve", &["a"], 1), "unknown mode `queu`"),
            (rebind("queue", "approve", &["Ctrl-"], 1), "is not a key"),
            (rebind("queue", "approve", &[], 1), "at least one key"),
            (rebind("search", "accept_search", &["x"], 1), "types text"),
        ] {
            let e = Keymap::with(&[r]).unwrap_err();
            assert!(
                e.message.contains(needle),
                "{} (wanted {needle})",
                e.message
            );
        }
    }
}
