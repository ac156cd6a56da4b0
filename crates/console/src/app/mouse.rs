//! The mouse, for those who reach for it: a click selects a queue row, a double click
//! opens it, the wheel moves through the queue, the detail and the lists of the dialogs.
//! Nothing needs it: every one of these is a key too, and the state changes the same way.

use super::*;

/// What the mouse did, in cells of the terminal (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointer {
    /// The left button pressed; `double` when it is the second press on the same cell
    /// in a short time (the event loop measures it).
    Click { column: u16, row: u16, double: bool },
    /// One notch of the wheel.
    Wheel { down: bool },
}

/// Rows of the queue a notch of the wheel moves, and lines of the detail it scrolls.
const WHEEL_STEP: usize = 3;

impl App {
    pub fn pointer(&mut self, pointer: Pointer) -> Vec<Request> {
        match pointer {
            Pointer::Wheel { down } => {
                let mode = self.mode();
                let (action, times) = match mode {
                    Mode::Queue | Mode::Menu | Mode::ReturnReasons | Mode::JudgeList => {
                        let times = if mode == Mode::Queue { WHEEL_STEP } else { 1 };
                        (if down { Action::Down } else { Action::Up }, times)
                    }
                    Mode::Detail => (
                        if down {
                            Action::ScrollDown
                        } else {
                            Action::ScrollUp
                        },
                        WHEEL_STEP,
                    ),
                    _ => return Vec::new(),
                };
                let mut out = Vec::new();
                for _ in 0..times {
                    out.extend(self.update(action.clone()));
                }
                out
            }
            Pointer::Click {
                column,
                row,
                double,
            } => {
                if self.mode() != Mode::Queue
                    || (self.side_by_side() && column >= self.queue_width())
                {
                    return Vec::new();
                }
                // The table's rows: below the header and the column titles.
                let Some(offset) = row.checked_sub(2).map(u64::from) else {
                    return Vec::new();
                };
                let index = self.queue.top + offset;
                if offset >= self.table_height() || index >= self.queue.total.unwrap_or(0) {
                    return Vec::new();
                }
                self.status = None;
                let mut out = self.select(index);
                out.extend(self.follow_cursor());
                if double {
                    out.extend(self.update(Action::Open));
                }
                out
            }
        }
    }

    /// Side by side: the width of the queue on the left (the detail has the rest).
    pub fn queue_width(&self) -> u16 {
        (self.width * 11 / 20).max(90)
    }
}
