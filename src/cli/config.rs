//! The reviewer's own config file, `$XDG_CONFIG_HOME/shenhe/config.toml` (else
//! `~/.config/shenhe/config.toml`; a relative XDG_CONFIG_HOME is ignored, as the XDG
//! spec says): the database, the policy directory, the language, the colours, the mouse
//! and the keys. Read and checked whole before anything else happens (before the
//! terminal is touched): a bad file is an error naming the file and the line.
//! Command-line flags and SHENHE_DB / SHENHE_DATA win over it; NO_COLOR wins over its
//! theme. No file is no error: everything has its default.
//!
//! ```toml
//! database = "~/reviews/shenhe.db"   # relative paths: from this file's directory
//! data = "/etc/shenhe/policy"
//! lang = "zh"                        # zh or en
//! theme = "high-contrast"            # default, high-contrast or no-color
//! mouse = false                      # true by default
//!
//! [keys.queue]                       # a mode, or `global`; see the README
//! approve = "W"                      # an action's name = a key or a list of keys
//! open = ["Enter", "o"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use toml::Spanned;

use crate::console::keys::{Keymap, Rebind};
use crate::console::ui::{THEMES, Theme};
use crate::present::Lang;

/// What the file says, checked; every field None (or the default) without a file.
#[derive(Clone)]
pub struct Config {
    /// The file read, when there was one.
    pub file: Option<PathBuf>,
    pub database: Option<PathBuf>,
    pub data: Option<PathBuf>,
    pub lang: Option<Lang>,
    pub theme: Option<Theme>,
    pub mouse: bool,
    pub keys: Arc<Keymap>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            file: None,
            database: None,
            data: None,
            lang: None,
            theme: None,
            mouse: true,
            keys: Keymap::standard(),
        }
    }
}

/// A file that cannot be used: which, on which line (when one is to blame), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where the file is looked for: $XDG_CONFIG_HOME/shenhe/config.toml when that is an
/// absolute path, else $HOME/.config/shenhe/config.toml; None without either.
pub fn path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| Path::new(p).is_absolute()) {
        return Some(PathBuf::from(dir).join("shenhe/config.toml"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".config/shenhe/config.toml"))
}

/// The file, read and checked once for the process; [`get`] hands it out after.
pub fn load() -> Result<&'static Config, ConfigError> {
    static LOADED: OnceLock<Config> = OnceLock::new();
    if let Some(config) = LOADED.get() {
        return Ok(config);
    }
    let config = match path() {
        Some(path) => read(&path)?,
        None => Config::default(),
    };
    Ok(LOADED.get_or_init(|| config))
}

/// The config loaded by `main` (the defaults if it was not).
pub fn get() -> Config {
    load().cloned().unwrap_or_default()
}

/// The file at `path`: none there is the defaults; unreadable or bad is an error. A file
/// this account cannot even see (a HOME whose directories it may not enter, as for a
/// service account run with another's HOME) is no file: it cannot be this account's.
pub fn read(path: &Path) -> Result<Config, ConfigError> {
    if std::fs::metadata(path).is_err() {
        return Ok(Config::default());
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            return Err(ConfigError {
                file: path.to_path_buf(),
                line: None,
                message: format!("cannot read: {e}"),
            });
        }
    };
    parse(path, &text)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    database: Option<Spanned<String>>,
    data: Option<Spanned<String>>,
    lang: Option<Spanned<String>>,
    theme: Option<Spanned<String>>,
    mouse: Option<bool>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<Section>>,
}

/// One `[keys.MODE]` section: action name → a key or a list of keys.
type Section = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// The text of the file at `path` (named in errors), checked.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let fail = |at: usize, message: String| ConfigError {
        file: path.to_path_buf(),
        line: Some(line_of(at)),
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: e.span().map(|s| line_of(s.start)),
        message: e.message().trim().to_string(),
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_path = |value: &Spanned<String>, what: &str| -> Result<PathBuf, ConfigError> {
        resolve(dir, value.get_ref())
            .ok_or_else(|| fail(value.span().start, format!("`{what}` is empty")))
    };
    let mut config = Config {
        file: Some(path.to_path_buf()),
        ..Config::default()
    };
    if let Some(db) = &raw.database {
        config.database = Some(file_path(db, "database")?);
    }
    if let Some(data) = &raw.data {
        config.data = Some(file_path(data, "data")?);
    }
    if let Some(lang) = &raw.lang {
        config.lang = Some(match lang.get_ref().to_ascii_lowercase().as_str() {
            "zh" => Lang::Zh,
            "en" => Lang::En,
            other => {
                return Err(fail(
                    lang.span().start,
                    format!("lang: `{other}` is not a language shenhe speaks (zh or en)"),
                ));
            }
        });
    }
    if let Some(theme) = &raw.theme {
        config.theme = Some(Theme::named(theme.get_ref()).ok_or_else(|| {
            fail(
                theme.span().start,
                format!(
                    "theme: `{}` is not a theme: one of {}",
                    theme.get_ref(),
                    THEMES.join(", ")
                ),
            )
        })?);
    }
    if let Some(mouse) = raw.mouse {
        config.mouse = mouse;
    }
    // In the file's order: a later line that clashes with an earlier one is the one named.
    let mut rebinds: Vec<Rebind<usize>> = Vec::new();
    for (mode, table) in &raw.keys {
        for (action, keys) in table.get_ref() {
            let list = match keys.get_ref() {
                toml::Value::String(key) => vec![key.clone()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
                    .ok_or_else(|| fail(keys.span().start, list_wanted(action.get_ref())))?,
                _ => return Err(fail(keys.span().start, list_wanted(action.get_ref()))),
            };
            rebinds.push(Rebind {
                mode: mode.get_ref().clone(),
                action: action.get_ref().clone(),
                keys: list,
                at: action.span().start,
            });
        }
    }
    rebinds.sort_by_key(|r| r.at);
    config.keys = Arc::new(Keymap::with(&rebinds).map_err(|e| fail(e.at, e.message))?);
    Ok(config)
}

fn list_wanted(action: &str) -> String {
    format!("`{action}`: a key (\"A\") or a list of keys ([\"A\", \"Enter\"])")
}

/// A path of the file: `~/` is the home directory, a relative path is relative to the
/// file's own directory. None when empty.
fn resolve(dir: &Path, text: &str) -> Option<PathBuf> {
    if text.is_empty() {
        return None;
    }
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
    {
        return Some(PathBuf::from(home).join(rest));
    }
    let path = Path::new(text);
    Some(if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::action::Action;
    use crate::console::keys::Mode;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn parsed(text: &str) -> Result<Config, ConfigError> {
        parse(Path::new("/home/r/.config/shenhe/config.toml"), text)
    }

    fn line_of(text: &str) -> (Option<usize>, String) {
        let e = parsed(text).err().expect("refused");
        assert_eq!(e.file, Path::new("/home/r/.config/shenhe/config.toml"));
        (e.line, e.message)
    }

    #[test]
    fn every_setting_is_read() {
        let c = parsed(
            "database = \"reviews/a.db\"\ndata = \"/etc/shenhe\"\nlang = \"zh\"\ntheme = \"high-contrast\"\nmouse = false\n[keys.queue]\napprove = \"W\"\nopen = [\"Enter\", \"o\"]\n",
        )
        .unwrap();
        assert_eq!(
            c.database.as_deref(),
            Some(Path::new("/home/r/.config/shenhe/reviews/a.db"))
        );
        assert_eq!(c.data.as_deref(), Some(Path::new("/etc/shenhe")));
        assert_eq!(c.lang, Some(Lang::Zh));
        assert!(c.theme.is_some_and(|t| t.contrast));
        assert!(!c.mouse);
        let press = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(
            c.keys.action_for(Mode::Queue, press('W')),
            Some(Action::Approve)
        );
        assert_eq!(
            c.keys.action_for(Mode::Queue, press('o')),
            Some(Action::Open)
        );
        assert_eq!(c.keys.action_for(Mode::Queue, press('l')), None);
    }

    #[test]
    fn no_file_and_an_empty_file_are_the_defaults() {
        let c = read(Path::new("/nonexistent/shenhe/config.toml")).unwrap();
        assert!(c.file.is_none() && c.mouse && c.database.is_none());
        let c = parsed("").unwrap();
        assert!(c.mouse && c.lang.is_none() && c.theme.is_none());
    }

    #[test]
    fn a_bad_file_names_its_line() {
        for (text, line, needle) in [
            ("lang = \"en\"\nmouse = [\n", 2, ""),
            ("lang = \"en\"\ncolour = \"red\"\n", 2, "colour"),
            ("\n\nlang = \"fr\"\n", 3, "fr"),
            ("theme = \"pink\"\n", 1, "high-contrast"),
            (
                "[keys.queue]\napprove = \"A\"\naprove = \"B\"\n",
                3,
                "aprove",
            ),
            ("[keys.queue]\n\napprove = \"Hyper-a\"\n", 3, "not a key"),
            ("[keys.queue]\napprove = \"a\"\nreturn = \"a\"\n", 3, "both"),
            ("[keys.queue]\napprove = 1\n", 2, "list of keys"),
            ("[keys.nowhere]\napprove = \"A\"\n", 2, "unknown mode"),
            ("database = \"\"\n", 1, "empty"),
        ] {
            let (at, message) = line_of(text);
            assert_eq!(at, Some(line), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: {message}");
        }
    }
}
