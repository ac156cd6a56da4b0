//! Every string of the user interface, in Chinese and English, in one place. The
//! console takes its language from `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`): Chinese for `zh*`, English otherwise.

use crate::domain::calendar::TimeLeft;
use crate::domain::state::State;

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

    pub fn state(self, state: State) -> &'static str {
        match self {
            Lang::Zh => state.zh(),
            Lang::En => state.en(),
        }
    }

    /// "2 bd 5 h left" / "剩2个工作日5小时", "overdue 3 h" / "超期3小时".
    pub fn time_left(self, left: TimeLeft) -> String {
        match (self, left) {
            (
                Lang::En,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("{hours} h left today"),
            (
                Lang::En,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => format!("{business_days} bd {hours} h left"),
            (
                Lang::En,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("overdue {hours} h"),
            (Lang::En, TimeLeft::Overdue { business_days, .. }) => {
                format!("overdue {business_days} bd")
            }
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("今日剩{hours}小时"),
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => format!("剩{business_days}个工作日{hours}小时"),
            (
                Lang::Zh,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("超期{hours}小时"),
            (Lang::Zh, TimeLeft::Overdue { business_days, .. }) => {
                format!("超期{business_days}个工作日")
            }
        }
    }

    /// The compact check summary of the queue: "✗2 ?1", or "ok".
    pub fn check_summary(self, failed: u32, manual: u32) -> String {
        let mut parts = Vec::new();
        if failed > 0 {
            parts.push(format!("✗{failed}"));
        }
        if manual > 0 {
            parts.push(format!("?{manual}"));
        }
        if parts.is_empty() {
            self.pick("通过", "ok").to_string()
        } else {
            parts.join(" ")
        }
    }
}
