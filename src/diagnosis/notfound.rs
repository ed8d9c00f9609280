//! Exit 127 ("command not found"), read from the log: which program is missing, and the tool
//! it is likely a typo of (`nslookupp: not found` → `nslookup`).

/// The program a shell could not find, from lines like `sh: nslookupp: not found`,
/// `sh: 1: nslookupp: not found` or `/bin/sh: line 1: nslookupp: command not found`: the last
/// such line's name.
pub fn missing_program(lines: &[String]) -> Option<String> {
    lines.iter().rev().find_map(|line| {
        let line = line.trim();
        let head = line
            .strip_suffix(": command not found")
            .or_else(|| line.strip_suffix(": not found"))?;
        let name = head.rsplit(": ").next()?.trim();
        (!name.is_empty() && !name.contains(' ')).then(|| name.to_string())
    })
}

/// Programs init containers commonly call, beside the wait tools.
const COMMON: [&str; 12] = [
    "sh",
    "bash",
    "sleep",
    "echo",
    "until",
    "test",
    "cat",
    "grep",
    "psql",
    "mysql",
    "pg_isready",
    "redis-cli",
];

/// A known tool one or two edits away from `name`, when `name` is not itself one.
pub fn near_tool(name: &str) -> Option<&'static str> {
    let known = crate::command::tools::TOOLS
        .iter()
        .flat_map(|t| t.commands.iter().copied())
        .chain(COMMON);
    let mut best: Option<(&'static str, usize)> = None;
    for tool in known {
        if tool == name {
            return None;
        }
        let d = distance(name, tool);
        if d <= 2 && best.is_none_or(|(_, b)| d < b) {
            best = Some((tool, d));
        }
    }
    best.map(|(t, _)| t)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_program_and_its_likely_spelling() {
        let cases: [(&str, Option<&str>, Option<&str>); 5] = [
            (
                "sh: nslookupp: not found",
                Some("nslookupp"),
                Some("nslookup"),
            ),
            ("sh: 1: wgett: not found", Some("wgett"), Some("wget")),
            (
                "/bin/sh: line 1: migrate-db: command not found",
                Some("migrate-db"),
                None,
            ),
            ("sh: nslookup: not found", Some("nslookup"), None),
            ("connection refused", None, None),
        ];
        for (line, program, near) in cases {
            let found = missing_program(&[line.to_string()]);
            assert_eq!(found.as_deref(), program, "{line}");
            assert_eq!(found.as_deref().and_then(near_tool), near, "{line}");
        }
    }
}
