//! Rendering: state in, frame out. A frame reads the state only; it never waits for
//! anything. Applicant text goes through `domain::text` before it reaches a cell.

mod detail;
mod dialogs;
mod queue;
mod stats;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::app::{App, Overlay, Screen};
use super::screen::Window;
use shenhe_domain::text::{fit, width};

/// Styles, with colour or (NO_COLOR) without: every distinction colour makes is also
/// made by a marker or a modifier, and only the 16 basic colours are used.
/// `contrast` (the `high-contrast` theme): bright colours, bold, and no dark grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub contrast: bool,
}

/// The themes the config file may name (`theme = "…"`).
pub const THEMES: [&str; 3] = ["default", "high-contrast", "no-color"];

impl Theme {
    pub fn from_env() -> Theme {
        Theme {
            color: no_color_unset(),
            contrast: false,
        }
    }

    /// A theme by its name in [`THEMES`]; NO_COLOR, when set, still takes the colours
    /// away (it wins over the config file).
    pub fn named(name: &str) -> Option<Theme> {
        let (color, contrast) = match name {
            "default" => (true, false),
            "high-contrast" => (true, true),
            "no-color" => (false, false),
            _ => return None,
        };
        Some(Theme {
            color: color && no_color_unset(),
            contrast,
        })
    }

    fn fg(&self, color: Color) -> Style {
        match (self.color, self.contrast) {
            (false, _) => Style::new(),
            (true, false) => Style::new().fg(color),
            (true, true) => Style::new().fg(bright(color)).add_modifier(Modifier::BOLD),
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn overdue(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn due_today(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn dim(&self) -> Style {
        if self.color && !self.contrast {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    pub fn pass(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn fail(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn manual(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn heading(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The bright one of the 16 basic colours.
fn bright(color: Color) -> Color {
    match color {
        Color::Red => Color::LightRed,
        Color::Green => Color::LightGreen,
        Color::Yellow => Color::LightYellow,
        Color::Blue => Color::LightBlue,
        Color::Magenta => Color::LightMagenta,
        Color::Cyan => Color::LightCyan,
        Color::Gray | Color::DarkGray => Color::White,
        other => other,
    }
}

/// Too small for anything but saying so.
fn too_small(width: u16, height: u16) -> bool {
    width < 20 || height < 5
}

/// The queue's table when it is on screen with nothing over it: the presenter scrolls
/// its rows on the terminal when the first one changes, instead of sending them again.
pub fn scrolling(app: &App) -> Option<Window> {
    // Beside the detail, the table's rows share the terminal's rows with it: no scrolling.
    let alone =
        app.screen == Screen::Queue && matches!(app.overlay, Overlay::None) && !app.side_by_side();
    (alone && !too_small(app.width, app.height)).then(|| Window {
        rows: queue::table_rows(app),
        top: app.queue.top,
    })
}

/// What the state must know of the frame before it is drawn (the detail's length at this
/// width). The event loop calls it before `draw`; drawing itself only reads the state.
pub fn lay_out(app: &mut App, theme: Theme) {
    if app.screen == Screen::Detail {
        detail::lay_out(app, theme);
    }
}

pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    if too_small(area.width, area.height) {
        frame.render_widget(
            Line::raw(fit(
                &app.lang.too_small(area.width, area.height),
                area.width as usize,
            )),
            area,
        );
        return;
    }
    match app.screen {
        Screen::Queue if app.side_by_side() => {
            // The queue at the width it reads best at, the detail of the selected row in
            // the rest, a rule between them.
            let left = app.queue_width();
            let queue_area = Rect {
                width: left,
                ..area
            };
            queue::draw(frame, app, theme, queue_area);
            for y in area.y..area.y + area.height - 1 {
                frame.render_widget(
                    Span::styled("│", theme.dim()),
                    Rect {
                        x: area.x + left,
                        y,
                        width: 1,
                        height: 1,
                    },
                );
            }
            let pane = Rect {
                x: area.x + left + 2,
                width: area.width.saturating_sub(left + 2),
                height: area.height.saturating_sub(1),
                ..area
            };
            detail::pane(frame, app, theme, pane);
        }
        Screen::Queue => queue::draw(frame, app, theme, area),
        Screen::Detail => detail::draw(frame, app, theme),
        Screen::Stats => stats::draw(frame, app, theme),
    }
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => dialogs::help(frame, app, theme),
        Overlay::Filter { cursor } => dialogs::filter(frame, app, theme, *cursor),
        Overlay::Confirm(c) => dialogs::confirm(frame, app, theme, c),
        Overlay::Return(r) => dialogs::return_dialog(frame, app, theme, r),
        Overlay::Judge(j) => dialogs::judge(frame, app, theme, j),
        Overlay::GoTo(input) => dialogs::go_to(frame, app, theme, input),
        Overlay::Bulk(b) => dialogs::bulk(frame, app, theme, b),
        Overlay::ViewName(input) => dialogs::view_name(frame, app, theme, input),
    }
}

/// The last line: the status when there is one, else the main keys of the mode, and
/// `right` (a position) at the far end.
fn footer(frame: &mut Frame, app: &App, theme: Theme, area: Rect, right: &str) {
    let line = match &app.status {
        Some(status) => Line::from(Span::styled(
            fit(&status.text, area.width as usize),
            if status.error {
                theme.error()
            } else {
                theme.ok()
            },
        )),
        // Smaller than the console is made for: said where the keys would be (the
        // queue still works, every row whole; dialogs and the detail may be cut).
        None if app.width < 80 || app.height < 24 => {
            let budget = (area.width as usize).saturating_sub(width(right) + 1);
            let text = fit(&app.lang.too_small(app.width, app.height), budget);
            let pad = budget.saturating_sub(width(&text)) + 1;
            Line::from(vec![
                Span::styled(text, theme.warn()),
                Span::raw(" ".repeat(pad)),
                Span::styled(right.to_string(), theme.dim()),
            ])
        }
        None => {
            let mut spans = Vec::new();
            let mut used = 0;
            let budget = (area.width as usize).saturating_sub(width(right) + 1);
            for line in app.keys.bindings(app.mode(), &app.ui.key_help) {
                let (key, what) = (line.brief, line.what);
                let w = width(&key) + width(what) + 3;
                if used + w > budget {
                    break;
                }
                spans.push(Span::styled(key, theme.key()));
                spans.push(Span::raw(format!(" {what}  ")));
                used += w;
            }
            let pad = budget.saturating_sub(used) + 1;
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(right.to_string(), theme.dim()));
            Line::from(spans)
        }
    };
    frame.render_widget(line, area);
}
