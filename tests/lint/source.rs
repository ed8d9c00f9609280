//! Rust source as the layers test reads it: comments and literals blanked, then tokens
//! (identifiers, `::`, single characters) with their line numbers.

/// `text` with comments, string and char literals replaced by spaces (lines kept).
pub(crate) fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if !ident_before
            && (c == 'r' || (c == 'b' && next == Some('r')))
            && raw_string_hashes(&chars, i + usize::from(c == 'b') + 1).is_some()
        {
            let start = i + usize::from(c == 'b') + 1;
            let hashes = raw_string_hashes(&chars, start).unwrap();
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body = start + hashes + 1;
            let rest: String = chars[body..].iter().collect();
            let len = rest.find(&close).map_or(rest.len(), |n| n + close.len());
            let end = body + rest[..len].chars().count();
            while i < end.min(chars.len()) {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let step = if chars[i] == '\\' { 2 } else { 1 };
                for _ in 0..step {
                    if let Some(&c) = chars.get(i) {
                        blank(&mut out, c);
                    }
                    i += 1;
                }
            }
            if i < chars.len() {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '\'' && next == Some('\\') {
            // '\n', '\'', '\u{..}'
            let mut j = i + 2;
            j += 1;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            while i <= j.min(chars.len() - 1) {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            for _ in 0..3 {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// At `i`: `#…#"` opens a raw string; how many `#`.
fn raw_string_hashes(chars: &[char], i: usize) -> Option<usize> {
    let hashes = chars[i.min(chars.len())..]
        .iter()
        .take_while(|c| **c == '#')
        .count();
    (chars.get(i + hashes) == Some(&'"')).then_some(hashes)
}

/// A token of code: an identifier, `::`, or one other character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Ident(String),
    Path,
    Punct(char),
}

pub(crate) fn tokens(code: &str) -> Vec<(usize, Token)> {
    let chars: Vec<char> = code.chars().collect();
    let mut line = 1;
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((line, Token::Ident(chars[start..i].iter().collect())));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((line, Token::Path));
            i += 2;
        } else {
            out.push((line, Token::Punct(c)));
            i += 1;
        }
    }
    out
}

pub(crate) fn ident(token: Option<&(usize, Token)>) -> Option<&str> {
    match token {
        Some((_, Token::Ident(name))) => Some(name),
        _ => None,
    }
}

pub(crate) fn is(token: Option<&(usize, Token)>, want: &Token) -> bool {
    token.is_some_and(|(_, t)| t == want)
}

/// The first identifier of each comma-separated item of the `{…}` group whose items start at
/// `k` (just after its `{`).
pub(crate) fn group_items(toks: &[(usize, Token)], mut k: usize) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut first = true;
    while let Some((_, token)) = toks.get(k) {
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') if depth == 0 => break,
            Token::Punct('}') => depth -= 1,
            Token::Punct(',') if depth == 0 => first = true,
            Token::Ident(name) if first && depth == 0 => {
                items.push(name.clone());
                first = false;
            }
            _ => {}
        }
        k += 1;
    }
    items
}
