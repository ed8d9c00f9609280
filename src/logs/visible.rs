//! Log bytes made safe for a terminal: printable text passes, controls become visible as
//! `cat -v` shows them (`^[`, `^M`, `M-^@`), so the terminal never interprets them.

/// Append `bytes` to `out` with every control made visible. Newlines and tabs pass; other C0
/// controls become `^X`, DEL `^?`; C1 controls (as UTF-8 or as raw bytes) become `M-^X`; Unicode
/// format controls that reorder or hide text (bidi overrides and isolates, zero-width marks)
/// become `<U+XXXX>`; bytes that are not UTF-8 become `M-x`, as `cat -v` writes them.
pub fn visible_into(bytes: &[u8], out: &mut Vec<u8>) {
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                text_into(text, out);
                return;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                text_into(std::str::from_utf8(good).unwrap_or_default(), out);
                let skip = e.error_len().unwrap_or(bad.len());
                for &b in &bad[..skip] {
                    meta_byte(b, out);
                }
                rest = &bad[skip..];
            }
        }
    }
}

/// [`visible_into`] for text (headers, reasons, names supplied by the cluster).
pub fn visible(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    visible_into(text.as_bytes(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn text_into(text: &str, out: &mut Vec<u8>) {
    if !text.chars().any(needs_escape) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    for c in text.chars() {
        let code = c as u32;
        match c {
            '\n' | '\t' => out.push(code as u8),
            '\u{7f}' => out.extend_from_slice(b"^?"),
            _ if code < 0x20 => {
                out.push(b'^');
                out.push((code as u8) + 0x40);
            }
            _ if (0x80..0xa0).contains(&code) => {
                out.extend_from_slice(b"M-^");
                out.push((code as u8 - 0x80) + 0x40);
            }
            c if is_format_control(c) => {
                out.extend_from_slice(format!("<U+{code:04X}>").as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

fn needs_escape(c: char) -> bool {
    let code = c as u32;
    (code < 0x20 && c != '\n' && c != '\t') || (0x7f..0xa0).contains(&code) || is_format_control(c)
}

/// Bidi embeddings, overrides and isolates, and the invisible marks that can disguise text.
fn is_format_control(c: char) -> bool {
    matches!(c as u32, 0x061c | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff)
}

/// A byte that is not part of valid UTF-8, as `cat -v` shows a high byte.
fn meta_byte(b: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(b"M-");
    let low = b & 0x7f;
    match low {
        0x7f => out.extend_from_slice(b"^?"),
        l if l < 0x20 => {
            out.push(b'^');
            out.push(l + 0x40);
        }
        l => out.push(l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(bytes: &[u8]) -> String {
        let mut out = Vec::new();
        visible_into(bytes, &mut out);
        String::from_utf8(out).expect("visible output is UTF-8")
    }

    #[test]
    fn controls_become_visible_and_text_passes() {
        let cases: &[(&[u8], &str)] = &[
            (b"plain line\n", "plain line\n"),
            (b"tab\tkept\n", "tab\tkept\n"),
            ("caf\u{e9} \u{1f600}\n".as_bytes(), "caf\u{e9} \u{1f600}\n"),
            (b"\x1b[2J\x1b]0;owned\x07", "^[[2J^[]0;owned^G"),
            (b"progress\rdone", "progress^Mdone"),
            (b"del\x7f", "del^?"),
            ("c1 \u{9b}31m".as_bytes(), "c1 M-^[31m"),
            ("evil\u{202e}txt".as_bytes(), "evil<U+202E>txt"),
            (b"bad \xff\xfe utf8 \xc3", "bad M-^?M-~ utf8 M-C"),
        ];
        for (input, want) in cases {
            let got = shown(input);
            assert_eq!(&got, want, "input {input:?}");
            assert!(!got.bytes().any(|b| b == 0x1b || b == b'\r' || b == 0x07));
        }
    }

    #[test]
    fn headers_are_sanitised_text() {
        assert_eq!(
            visible("CrashLoop\x1b[31mBackOff"),
            "CrashLoop^[[31mBackOff"
        );
    }
}
