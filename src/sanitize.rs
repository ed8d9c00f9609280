//! Text the cluster supplies, made safe for a terminal: no byte of it may be read by the terminal
//! as a control. Everything of a pod's status, its events and its logs is attacker-writable (by
//! anyone who may create a pod), so the human output passes it through [`terminal`] first, and
//! `logs` on a terminal passes log bytes through [`bytes_into`]: one sanitiser for every command.
//! JSON output stays exact (its encoder escapes controls itself); `logs` on a pipe passes bytes
//! through unchanged, as kubectl does.
//!
//! Shown the way kubectl shows them (`^[` for ESC, `\r` for CR), extended to every control a
//! terminal or a bidi-aware viewer acts on:
//! - C0 controls and DEL in caret notation (`^[`, `^G`, `^H`, `^?`), except tab and newline;
//!   CR as `\r`;
//! - C1 controls (U+0080–U+009F, where U+009B is a one-character CSI), bidi embeddings,
//!   overrides, isolates and marks, and the line/paragraph separators as `<U+202E>`;
//! - bytes that are not UTF-8 (see [`bytes`]) as `\xff`.
//!
//! With ESC itself shown, no CSI, OSC (window title, hyperlink, clipboard), DCS or clear-screen
//! sequence can start.

use std::borrow::Cow;

/// `text` with every terminal control shown instead of acted on; tabs and newlines are kept.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`terminal`], with tabs and newlines shown too (`\t`, `\n`): for a table cell or a header
/// that must stay one line.
pub fn line(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| needs_escape(c) || c == '\t' || c == '\n')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => push_char(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// Bytes that may not be UTF-8 (a container's log), as safe text: valid UTF-8 as [`terminal`]
/// shows it, every other byte as `\xNN`. Nothing is dropped.
pub fn bytes(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    bytes_into(raw, &mut out);
    // Only valid UTF-8 was written: shown text and `\xNN`.
    String::from_utf8(out).unwrap_or_default()
}

/// [`bytes`], appended to `out` (the log writer's buffer on a terminal): clean text is copied
/// as it is.
pub fn bytes_into(raw: &[u8], out: &mut Vec<u8>) {
    for chunk in raw.utf8_chunks() {
        out.extend_from_slice(terminal(chunk.valid()).as_bytes());
        for byte in chunk.invalid() {
            out.extend_from_slice(format!("\\x{byte:02x}").as_bytes());
        }
    }
}

/// Bytes that may not be UTF-8, as text with each invalid byte shown as `\xNN`, and nothing
/// else changed (for evidence that is sanitised for the terminal later, and JSON that keeps it).
pub fn lossless_utf8(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(text) => text.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(raw.len() + 8);
            for chunk in raw.utf8_chunks() {
                out.push_str(chunk.valid());
                for byte in chunk.invalid() {
                    out.push_str(&format!("\\x{byte:02x}"));
                }
            }
            out
        }
    }
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || is_format_control(c)
}

/// Bidi embeddings, overrides, isolates and marks, the Unicode line separators, and the invisible
/// characters that can disguise text (zero-width space, word joiner and invisible operators,
/// the deprecated format controls, the Mongolian vowel separator, the interlinear annotation
/// marks, the byte order mark, and the tag characters, which can carry a whole hidden ASCII
/// text): they reorder, hide or break what the reader sees without being visible themselves.
/// The zero-width (non-)joiners stay: scripts and emoji sequences need them.
pub fn is_format_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\t' | '\n' => out.push(c),
        '\u{0}'..='\u{1f}' => {
            out.push('^');
            out.push(char::from(c as u8 + 0x40));
        }
        '\u{7f}' => out.push_str("^?"),
        c if needs_escape(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_acted_on() {
        let cases: &[(&str, &str, &str)] = &[
            ("plain text", "plain text", "unchanged"),
            (
                "ünïcødé ✓ 漢字",
                "ünïcødé ✓ 漢字",
                "printable unicode unchanged",
            ),
            ("a\tb\nc", "a\tb\nc", "tab and newline kept"),
            ("\x1b[2J\x1b[H", "^[[2J^[[H", "clear screen (CSI)"),
            ("\x1b]0;pwned\x07", "^[]0;pwned^G", "OSC window title"),
            (
                "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
                "^[]8;;http://x^[\\link^[]8;;^[\\",
                "OSC 8 hyperlink",
            ),
            ("\x1b[31mred\x1b[0m", "^[[31mred^[[0m", "SGR colour"),
            ("\x1bP+q\x1b\\", "^[P+q^[\\", "DCS"),
            ("fake\roverwrite", "fake\\roverwrite", "carriage return"),
            ("bell\x07", "bell^G", "BEL"),
            ("back\x08\x08", "back^H^H", "backspace"),
            ("nul\0", "nul^@", "NUL"),
            ("del\x7f", "del^?", "DEL"),
            ("\u{9b}31m", "<U+009B>31m", "C1 CSI"),
            ("\u{9d}0;t\u{9c}", "<U+009D>0;t<U+009C>", "C1 OSC and ST"),
            ("\u{85}", "<U+0085>", "C1 NEL"),
            (
                "user\u{202e}gnp.exe",
                "user<U+202E>gnp.exe",
                "bidi override",
            ),
            (
                "\u{2066}a\u{2069}\u{200f}",
                "<U+2066>a<U+2069><U+200F>",
                "bidi isolates and marks",
            ),
            ("a\u{2028}b", "a<U+2028>b", "line separator"),
            (
                "x\u{e0041}\u{e0042}y",
                "x<U+E0041><U+E0042>y",
                "tag characters (hidden ASCII)",
            ),
            (
                "a\u{180e}\u{206a}\u{fff9}b",
                "a<U+180E><U+206A><U+FFF9>b",
                "other invisible format controls",
            ),
        ];
        for (input, want, what) in cases {
            assert_eq!(terminal(input), *want, "{what}");
            assert!(
                !terminal(input)
                    .chars()
                    .any(|c| c == '\x1b' || c == '\r' || c == '\u{9b}'),
                "{what}"
            );
        }
    }

    #[test]
    fn line_also_shows_tabs_and_newlines() {
        let cases = [
            ("one line", "one line"),
            ("a\nb", "a\\nb"),
            ("a\tb", "a\\tb"),
            ("\x1b[1A\r\n", "^[[1A\\r\\n"),
        ];
        for (input, want) in cases {
            assert_eq!(line(input), want, "{input:?}");
        }
    }

    #[test]
    fn bytes_keep_what_is_not_utf8() {
        let cases: &[(&[u8], &str)] = &[
            (b"ok", "ok"),
            (b"bad \xff\xfe end", "bad \\xff\\xfe end"),
            (b"half \xe2\x82", "half \\xe2\\x82"),
            (b"\xc3\xa9t\xc3\xa9", "été"),
            (b"\x1b]2;x\x07\xff", "^[]2;x^G\\xff"),
        ];
        for (input, want) in cases {
            assert_eq!(bytes(input), *want, "{input:?}");
        }
        assert_eq!(lossless_utf8(b"a\xffb\x1b"), "a\\xffb\x1b");
    }

    /// What `logs` writes on a terminal (the cases of the former `logs::visible`).
    #[test]
    fn log_bytes_on_a_terminal() {
        let cases: &[(&[u8], &str)] = &[
            (b"plain line\n", "plain line\n"),
            (b"tab\tkept\n", "tab\tkept\n"),
            ("caf\u{e9} \u{1f600}\n".as_bytes(), "caf\u{e9} \u{1f600}\n"),
            (b"\x1b[2J\x1b]0;owned\x07", "^[[2J^[]0;owned^G"),
            (b"progress\rdone", "progress\\rdone"),
            (b"del\x7f", "del^?"),
            ("c1 \u{9b}31m".as_bytes(), "c1 <U+009B>31m"),
            ("evil\u{202e}txt".as_bytes(), "evil<U+202E>txt"),
            (
                "zero\u{200b}width\u{feff}".as_bytes(),
                "zero<U+200B>width<U+FEFF>",
            ),
            (
                "joined \u{1f468}\u{200d}\u{1f469}".as_bytes(),
                "joined \u{1f468}\u{200d}\u{1f469}",
            ),
            (b"bad \xff\xfe utf8 \xc3", "bad \\xff\\xfe utf8 \\xc3"),
        ];
        for (input, want) in cases {
            let mut out = b"kept ".to_vec();
            bytes_into(input, &mut out);
            let got = String::from_utf8(out).expect("shown bytes are UTF-8");
            assert_eq!(got, format!("kept {want}"), "input {input:?}");
            assert!(!got.bytes().any(|b| b == 0x1b || b == b'\r' || b == 0x07));
        }
        assert_eq!(lossless_utf8("é".as_bytes()), "é");
    }

    proptest::proptest! {
        /// Whatever the bytes, nothing a terminal acts on survives, and `line` stays one line.
        #[test]
        fn no_control_survives_any_input(raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let text = bytes(&raw);
            let one = line(&text).into_owned();
            for out in [&text, &one] {
                proptest::prop_assert!(!out.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || is_format_control(c)));
            }
            proptest::prop_assert!(!one.contains('\n'));
        }

        #[test]
        fn any_string_is_made_safe(text in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}a]*") {
            let out = terminal(&text);
            proptest::prop_assert!(!out.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || is_format_control(c)));
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(terminal("fine"), Cow::Borrowed(_)));
        assert!(matches!(line("fine"), Cow::Borrowed(_)));
    }
}
