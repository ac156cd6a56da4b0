//! Fixtures the tests and the benchmarks share (benches/support includes this file by
//! path, as benchmarks cannot import a test's modules).

#![allow(dead_code)] // each includer uses its own part of this

use ratatui::buffer::Buffer;

/// Variables of the runner's own environment that must not reach a console started for a
/// test or a benchmark: they would choose its database, policy, reviewer, language or colours.
pub const CONSOLE_ENV_TO_CLEAR: [&str; 7] = [
    "SHENHE_DB",
    "SHENHE_DATA",
    "SHENHE_REVIEWER",
    "SHENHE_TEST_PAUSE",
    "NO_COLOR",
    "LC_ALL",
    "LC_MESSAGES",
];

// The applications (record, with): a file of their own so that crates/store's tests can
// take them without the frame helpers below.
include!("records.rs");

/// A frame as text, one string a row, a wide character once (not followed by the blank
/// cell it covers).
pub fn buffer_rows(buffer: &Buffer) -> Vec<String> {
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| {
            let mut line = String::new();
            let mut skip = 0;
            for cell in row {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let symbol = cell.symbol();
                skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
                line.push_str(symbol);
            }
            line
        })
        .collect()
}
