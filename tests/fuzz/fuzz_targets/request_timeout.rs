//! The `--request-timeout` (and `--since`, `--timeout`) parser: a duration or a message,
//! never a panic; an accepted duration is never zero, and the error messages can show it.
#![no_main]

use initdoctor::cli::parse_timeout;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(duration) = parse_timeout(text) {
        assert!(!duration.is_zero());
        let _ = humantime::format_duration(duration).to_string();
    }
});
