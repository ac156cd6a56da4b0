//! The import reader on arbitrary bytes (NDJSON, a JSON array, or neither): the
//! properties are in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
#[allow(dead_code)]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::import_reader(data);
});
