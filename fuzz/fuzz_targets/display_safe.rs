//! `display_safe`, `width`, `fit` and `pad` on arbitrary text (bytes that are not UTF-8
//! through `display_safe_bytes`): the properties are in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
#[allow(dead_code)]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::display_safe_bytes_and_text(data);
});
