//! The `sh -c` reader: any text is read to a script or a syntax error, never a panic or a hang.
#![no_main]

use initdoctor::command::expand::Ch;
use initdoctor::command::shell;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let script = shell::parse_text(text);
    let _ = format!("{script:?}");
    // The same characters as if a `$(VAR)` reference Kubernetes replaced had supplied none of
    // them: `parse` on characters must agree with `parse_text`.
    let chars: Vec<Ch> = text.chars().map(|c| Ch { c, origin: None }).collect();
    assert_eq!(shell::parse(&chars, &[]), script);
    let argv = vec!["sh".to_string(), "-c".to_string(), text.to_string()];
    let _ = shell::script_of(&argv);
});
