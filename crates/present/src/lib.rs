//! Every word a person reads, in Chinese and English: the one place text for people is
//! made, used by the command line and the console alike.
//! - [`words`]: the console's fixed labels, a struct per language;
//! - [`cli`]: the command line's labels and lines;
//! - [`time`]: dates in China time, time left, the verification window, age;
//! - [`facts`]: states, products, materials, checks, history lines, urgency marks;
//! - [`queue`]: the queue's filters and sorts and their names;
//! - [`errors`]: the review layer's errors in words.
//!
//! Both faces take their language from `--lang`, else the locale (`LC_ALL`,
//! `LC_MESSAGES`, `LANG`): Chinese for `zh*`, English otherwise.

pub mod changes;
pub mod cli;
pub mod drafts;
pub mod errors;
pub mod facts;
pub mod lifecycle;
pub mod operators;
pub mod queue;
pub mod stats;
#[cfg(test)]
mod tests;
pub mod time;
pub mod words;

pub use errors::error_message;
pub use facts::{HistoryLine, outcome_mark, urgency_mark};
pub use words::{KeyHelp, UI_EN, UI_ZH, Ui};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    Zh,
    #[default]
    En,
}

impl Lang {
    /// `--lang` wins; else the first locale variable that is set and not empty.
    pub fn detect(flag: Option<&str>) -> Result<Lang, String> {
        if let Some(flag) = flag {
            return match flag.to_ascii_lowercase().as_str() {
                "zh" | "zh_cn" | "zh-cn" | "cn" => Ok(Lang::Zh),
                "en" => Ok(Lang::En),
                other => Err(format!(
                    "--lang: `{other}` is not a language shenhe speaks (zh or en)"
                )),
            };
        }
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var)
                && !value.is_empty()
            {
                return Ok(if value.to_ascii_lowercase().starts_with("zh") {
                    Lang::Zh
                } else {
                    Lang::En
                });
            }
        }
        Ok(Lang::En)
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The terminal is smaller than the console is made for.
    pub fn too_small(self, width: u16, height: u16) -> String {
        match self {
            Lang::Zh => format!("终端为 {width}×{height}：至少需要 80×24"),
            Lang::En => format!("terminal {width}×{height}: needs at least 80×24"),
        }
    }

    pub fn ui(self) -> &'static Ui {
        match self {
            Lang::Zh => &UI_ZH,
            Lang::En => &UI_EN,
        }
    }
}
