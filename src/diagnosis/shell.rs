//! A small sanity check of `sh -c` scripts: it finds scripts a POSIX shell certainly refuses
//! (a loop never closed by `done`, an `if` without `fi`, a stray `done`, an unterminated quote)
//! and never guesses: anything it does not fully understand (`case`, here-documents, function
//! definitions) makes it answer "no opinion" rather than risk a false alarm.

/// A script the shell will refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellProblem {
    /// What the shell will object to, in one line.
    pub message: String,
    /// A word that looks like a misspelling of the keyword the shell expects: (word, keyword).
    pub typo: Option<(String, String)>,
}

/// The shell and script of a container's command line, when it is `SHELL -c SCRIPT`
/// (`sh`, `bash`, `ash`, `dash`, `ksh`, by name or path; `-c` may be combined, as in `-ec`).
pub fn script_of(argv: &[String]) -> Option<(&str, &str)> {
    let program = argv.first()?;
    let shell = program.rsplit('/').next().unwrap_or(program);
    if !matches!(shell, "sh" | "bash" | "ash" | "dash" | "ksh") {
        return None;
    }
    let mut rest = argv[1..].iter();
    for arg in rest.by_ref() {
        let flags = arg.strip_prefix('-')?;
        if flags.is_empty() || !flags.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        if flags.contains('c') {
            return rest.next().map(|script| (shell, script.as_str()));
        }
    }
    None
}

/// Check `script`; `Some` only when the shell certainly rejects it.
pub fn check(script: &str) -> Option<ShellProblem> {
    let tokens = match lex(script) {
        Lexed::Tokens(tokens) => tokens,
        Lexed::Unterminated(what) => {
            return Some(ShellProblem {
                message: format!("the script has an unterminated {what}"),
                typo: None,
            });
        }
        Lexed::NotUnderstood => return None,
    };
    Parser::default().run(&tokens)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A word; `plain` when it has no quoting or expansion, so it may be a keyword.
    Word {
        text: String,
        plain: bool,
    },
    Op(&'static str),
    Newline,
}

enum Lexed {
    Tokens(Vec<Token>),
    Unterminated(&'static str),
    NotUnderstood,
}

const OPERATORS: [&str; 18] = [
    "&&", "||", ";;", "|&", ">>", ">|", ">&", "<&", "<>", "<<", ";", "&", "|", "(", ")", ">", "<",
    "\n",
];

fn lex(script: &str) -> Lexed {
    let chars: Vec<char> = script.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut word = String::new();
    let mut plain = true;
    let mut in_word = false;
    macro_rules! finish_word {
        () => {
            if in_word {
                tokens.push(Token::Word {
                    text: std::mem::take(&mut word),
                    plain,
                });
                plain = true;
                in_word = false;
            }
        };
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => {
                finish_word!();
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\\' => {
                if chars.get(i + 1) == Some(&'\n') {
                    i += 2;
                    continue;
                }
                in_word = true;
                plain = false;
                if let Some(next) = chars.get(i + 1) {
                    word.push(*next);
                }
                i += 2;
            }
            '\'' => {
                in_word = true;
                plain = false;
                let Some(end) = chars[i + 1..].iter().position(|&c| c == '\'') else {
                    return Lexed::Unterminated("single quote (')");
                };
                word.extend(&chars[i + 1..i + 1 + end]);
                i += end + 2;
            }
            '"' => {
                in_word = true;
                plain = false;
                match skip_double_quoted(&chars, i + 1) {
                    Ok(end) => {
                        word.extend(&chars[i + 1..end]);
                        i = end + 1;
                    }
                    Err(e) => return e,
                }
            }
            '`' => {
                in_word = true;
                plain = false;
                match skip_backquoted(&chars, i + 1) {
                    Ok(end) => i = end + 1,
                    Err(e) => return e,
                }
            }
            '$' if matches!(chars.get(i + 1), Some('(') | Some('{')) => {
                in_word = true;
                plain = false;
                match skip_dollar(&chars, i + 1) {
                    Ok(end) => i = end + 1,
                    Err(e) => return e,
                }
            }
            '\n' => {
                finish_word!();
                tokens.push(Token::Newline);
                i += 1;
            }
            ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                // An io number (`2>&1`) belongs to the redirection, not to the command words.
                if in_word && matches!(c, '<' | '>') && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                    plain = true;
                }
                finish_word!();
                let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let op = OPERATORS
                    .iter()
                    .find(|op| rest.starts_with(**op))
                    .copied()
                    .unwrap_or(";");
                if op == "<<" {
                    return Lexed::NotUnderstood;
                }
                tokens.push(Token::Op(op));
                i += op.len();
            }
            _ => {
                in_word = true;
                if c == '$' || c == '*' || c == '?' || c == '[' || c == '~' || c == '=' {
                    plain = false;
                }
                word.push(c);
                i += 1;
            }
        }
    }
    if in_word {
        tokens.push(Token::Word { text: word, plain });
    }
    Lexed::Tokens(tokens)
}

/// The index of the closing `"` of a double-quoted string starting at `i`.
fn skip_double_quoted(chars: &[char], mut i: usize) -> Result<usize, Lexed> {
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok(i),
            '\\' => i += 2,
            '`' => i = skip_backquoted(chars, i + 1)? + 1,
            '$' if matches!(chars.get(i + 1), Some('(') | Some('{')) => {
                i = skip_dollar(chars, i + 1)? + 1
            }
            _ => i += 1,
        }
    }
    Err(Lexed::Unterminated("double quote (\")"))
}

fn skip_backquoted(chars: &[char], mut i: usize) -> Result<usize, Lexed> {
    while i < chars.len() {
        match chars[i] {
            '`' => return Ok(i),
            '\\' => i += 2,
            _ => i += 1,
        }
    }
    Err(Lexed::Unterminated("backquote (`)"))
}

/// The index of the bracket closing the `(` or `{` at `i` (after a `$`), quotes respected.
fn skip_dollar(chars: &[char], i: usize) -> Result<usize, Lexed> {
    let (open, close, what) = if chars[i] == '(' {
        ('(', ')', "command substitution $(…)")
    } else {
        ('{', '}', "parameter expansion ${…}")
    };
    let mut depth = 0usize;
    let mut j = i;
    while j < chars.len() {
        match chars[j] {
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Ok(j);
                }
            }
            '\\' => j += 1,
            '\'' => match chars[j + 1..].iter().position(|&c| c == '\'') {
                Some(end) => j += end + 1,
                None => return Err(Lexed::Unterminated("single quote (')")),
            },
            '"' => j = skip_double_quoted(chars, j + 1)?,
            '`' => j = skip_backquoted(chars, j + 1)?,
            // `case … in x)` inside $(…) would unbalance the count: do not judge it.
            _ if open == '(' && starts_word(chars, j, "case") => return Err(Lexed::NotUnderstood),
            _ => {}
        }
        j += 1;
    }
    Err(Lexed::Unterminated(what))
}

fn starts_word(chars: &[char], at: usize, word: &str) -> bool {
    let before_ok = at == 0 || !chars[at - 1].is_ascii_alphanumeric();
    let w: Vec<char> = word.chars().collect();
    let after = at + w.len();
    before_ok
        && chars.len() >= after
        && chars[at..after] == w[..]
        && chars.get(after).is_none_or(|c| !c.is_ascii_alphanumeric())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `if`/`elif` condition, waiting for `then`.
    IfCondition,
    /// `then` or `else` branch, waiting for `fi` (or `elif`/`else` after `then`).
    IfThen,
    IfElse,
    /// `while`/`until` condition, waiting for `do`.
    LoopCondition(&'static str),
    /// Loop body, waiting for `done`.
    LoopBody(&'static str),
    /// `for`: waiting for the variable name.
    ForName,
    /// `for NAME`: waiting for `in`, `do` or a separator.
    ForAfterName,
    /// `for NAME in …`: the word list, up to a separator.
    ForList,
    /// `for …;`: waiting for `do`.
    ForDo,
    Brace,
    Subshell,
}

impl Frame {
    fn opener(self) -> &'static str {
        match self {
            Frame::IfCondition | Frame::IfThen | Frame::IfElse => "if",
            Frame::LoopCondition(kw) | Frame::LoopBody(kw) => kw,
            Frame::ForName | Frame::ForAfterName | Frame::ForList | Frame::ForDo => "for",
            Frame::Brace => "{",
            Frame::Subshell => "(",
        }
    }

    fn expects(self) -> &'static str {
        match self {
            Frame::IfCondition => "then",
            Frame::IfThen | Frame::IfElse => "fi",
            Frame::LoopCondition(_) | Frame::ForAfterName | Frame::ForList | Frame::ForDo => "do",
            Frame::LoopBody(_) => "done",
            Frame::ForName => "a variable name",
            Frame::Brace => "}",
            Frame::Subshell => ")",
        }
    }
}

#[derive(Default)]
struct Parser {
    stack: Vec<(Frame, usize)>,
    /// The next word starts a command (so it may be a keyword).
    at_command: bool,
    /// The next word is the target of a redirection.
    redirect_target: bool,
    /// The previous token was a command word (`name (` starts a function definition).
    after_command_word: bool,
    /// Every word at a command position that is not a keyword, with its position.
    command_words: Vec<(usize, String)>,
}

impl Parser {
    fn run(mut self, tokens: &[Token]) -> Option<ShellProblem> {
        self.at_command = true;
        for (pos, token) in tokens.iter().enumerate() {
            let step = match token {
                Token::Word { text, plain } => self.word(pos, text, *plain),
                Token::Op(op) => self.operator(op),
                Token::Newline => self.operator("\n"),
            };
            match step {
                Step::Go => {}
                Step::Problem(p) => return Some(p),
                Step::NoOpinion => return None,
            }
        }
        let (frame, opened) = *self.stack.last()?;
        let expected = frame.expects();
        let typo = self.typo_after(opened, expected);
        let mut message = format!(
            "the `{}` is never closed: the shell reaches the end of the script still expecting `{expected}`",
            frame.opener()
        );
        if let Some((word, keyword)) = &typo {
            message.push_str(&format!(" (`{word}` looks like a typo of `{keyword}`)"));
        }
        Some(ShellProblem { message, typo })
    }

    fn word(&mut self, pos: usize, text: &str, plain: bool) -> Step {
        self.after_command_word = false;
        if self.redirect_target {
            self.redirect_target = false;
            return Step::Go;
        }
        match self.top() {
            Some(Frame::ForName) => {
                self.replace_top(Frame::ForAfterName);
                return Step::Go;
            }
            Some(Frame::ForAfterName) => {
                return match (plain, text) {
                    (true, "in") => {
                        self.replace_top(Frame::ForList);
                        Step::Go
                    }
                    (true, "do") => {
                        self.replace_top(Frame::LoopBody("for"));
                        self.at_command = true;
                        Step::Go
                    }
                    _ => Step::NoOpinion,
                };
            }
            Some(Frame::ForList) => return Step::Go,
            Some(Frame::ForDo) => {
                return if plain && text == "do" {
                    self.replace_top(Frame::LoopBody("for"));
                    self.at_command = true;
                    Step::Go
                } else {
                    self.unexpected(text, "do")
                };
            }
            _ => {}
        }
        if !self.at_command {
            return Step::Go;
        }
        if !plain {
            // A quoted or expanded word is never a keyword; an assignment keeps the position.
            if !is_assignment(text) {
                self.command(pos, text);
            }
            return Step::Go;
        }
        match text {
            "if" => self.stack.push((Frame::IfCondition, pos)),
            "then" => return self.advance(text, &[Frame::IfCondition], Frame::IfThen),
            "elif" => return self.advance(text, &[Frame::IfThen], Frame::IfCondition),
            "else" => return self.advance(text, &[Frame::IfThen], Frame::IfElse),
            "fi" => return self.close(text, &[Frame::IfThen, Frame::IfElse]),
            "while" => self.stack.push((Frame::LoopCondition("while"), pos)),
            "until" => self.stack.push((Frame::LoopCondition("until"), pos)),
            "for" => {
                self.stack.push((Frame::ForName, pos));
                self.at_command = false;
            }
            "do" => {
                return match self.top() {
                    Some(Frame::LoopCondition(kw)) => {
                        self.replace_top(Frame::LoopBody(kw));
                        Step::Go
                    }
                    _ => self.stray(text),
                };
            }
            "done" => {
                return match self.top() {
                    Some(Frame::LoopBody(_)) => {
                        self.stack.pop();
                        self.at_command = false;
                        Step::Go
                    }
                    _ => self.stray(text),
                };
            }
            "{" => self.stack.push((Frame::Brace, pos)),
            "}" => return self.close(text, &[Frame::Brace]),
            "!" => {}
            "case" | "select" | "function" | "coproc" | "[[" => return Step::NoOpinion,
            _ => {
                self.command(pos, text);
            }
        }
        Step::Go
    }

    fn command(&mut self, pos: usize, text: &str) {
        self.command_words.push((pos, text.to_string()));
        self.at_command = false;
        self.after_command_word = true;
    }

    fn operator(&mut self, op: &str) -> Step {
        let after_command_word = std::mem::take(&mut self.after_command_word);
        if self.redirect_target {
            return Step::NoOpinion;
        }
        match op {
            ";" | "\n" | "&" | "&&" | "||" | "|" | "|&" => {
                match self.top() {
                    Some(Frame::ForAfterName | Frame::ForList) if matches!(op, ";" | "\n") => {
                        self.replace_top(Frame::ForDo)
                    }
                    Some(Frame::ForDo) if op == "\n" => {}
                    Some(Frame::ForName | Frame::ForAfterName | Frame::ForList | Frame::ForDo) => {
                        return Step::NoOpinion;
                    }
                    _ => {}
                }
                self.at_command = true;
                Step::Go
            }
            "(" if after_command_word => Step::NoOpinion,
            "(" if self.at_command => {
                self.stack.push((Frame::Subshell, usize::MAX));
                Step::Go
            }
            "(" => Step::NoOpinion,
            ")" => match self.top() {
                Some(Frame::Subshell) => {
                    self.stack.pop();
                    self.at_command = false;
                    Step::Go
                }
                _ => Step::NoOpinion,
            },
            ">" | ">>" | ">|" | ">&" | "<&" | "<>" | "<" => {
                self.redirect_target = true;
                Step::Go
            }
            _ => Step::NoOpinion,
        }
    }

    fn top(&self) -> Option<Frame> {
        self.stack.last().map(|(f, _)| *f)
    }

    fn replace_top(&mut self, frame: Frame) {
        if let Some(last) = self.stack.last_mut() {
            last.0 = frame;
        }
    }

    fn advance(&mut self, keyword: &str, from: &[Frame], to: Frame) -> Step {
        match self.top() {
            Some(top) if from.contains(&top) => {
                self.replace_top(to);
                Step::Go
            }
            _ => self.stray(keyword),
        }
    }

    fn close(&mut self, keyword: &str, from: &[Frame]) -> Step {
        match self.top() {
            Some(top) if from.contains(&top) => {
                self.stack.pop();
                self.at_command = false;
                Step::Go
            }
            _ => self.stray(keyword),
        }
    }

    /// A keyword where the grammar does not allow it.
    fn stray(&self, keyword: &str) -> Step {
        let message = match self.top() {
            Some(frame) => format!(
                "`{keyword}` is unexpected here: the shell expects `{}` to close the `{}` first",
                frame.expects(),
                frame.opener()
            ),
            None => format!("`{keyword}` is unexpected here: nothing open for it to close"),
        };
        Step::Problem(ShellProblem {
            message,
            typo: None,
        })
    }

    fn unexpected(&self, word: &str, expected: &str) -> Step {
        let typo = looks_like(word, expected).then(|| (word.to_string(), expected.to_string()));
        Step::Problem(ShellProblem {
            message: format!("`{word}` is where the shell expects `{expected}`"),
            typo,
        })
    }

    /// The last command word after `opened` that looks like a typo of `keyword`.
    fn typo_after(&self, opened: usize, keyword: &str) -> Option<(String, String)> {
        self.command_words
            .iter()
            .rev()
            .filter(|(pos, _)| opened == usize::MAX || *pos > opened)
            .find(|(_, word)| looks_like(word, keyword))
            .map(|(_, word)| (word.clone(), keyword.to_string()))
    }
}

enum Step {
    Go,
    Problem(ShellProblem),
    NoOpinion,
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// True when `word` is a plausible misspelling of `keyword`: one edit away, or the keyword with
/// a letter or two stuck on (`donel`, `done;;`).
fn looks_like(word: &str, keyword: &str) -> bool {
    if word == keyword || !keyword.chars().all(|c| c.is_ascii_alphabetic()) || word.len() < 2 {
        return false;
    }
    let short_slip =
        keyword.len() == 2 && word.len() == 2 && word.chars().next() == keyword.chars().next();
    (word.starts_with(keyword) && word.len() <= keyword.len() + 2)
        || (keyword.len() >= 3 && edit_distance(word, keyword) == 1)
        || short_slip
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_the_script_of_sh_dash_c() {
        assert_eq!(
            script_of(&argv(&["sh", "-c", "echo hi"])),
            Some(("sh", "echo hi"))
        );
        assert_eq!(
            script_of(&argv(&["/bin/bash", "-ec", "x"])),
            Some(("bash", "x"))
        );
        assert_eq!(
            script_of(&argv(&["sh", "-e", "-c", "x"])),
            Some(("sh", "x"))
        );
        assert_eq!(script_of(&argv(&["sh", "script.sh"])), None);
        assert_eq!(script_of(&argv(&["python", "-c", "x"])), None);
        assert_eq!(script_of(&argv(&["sh", "-c"])), None);
    }

    #[test]
    fn the_seed_scripts_are_valid() {
        for script in [
            "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done",
            "for i in $(seq 1 10); do echo $i; done",
            "for i in 1 2 3\ndo\n  echo \"$i\" # done\ndone",
            "if [ -f /x ]; then echo yes; elif true; then :; else echo no; fi",
            "while ! nc -z db 5432; do sleep 1; done; echo ready",
            "{ echo a; echo b; } > /tmp/x 2>&1",
            "(cd /tmp && ls) || exit 1",
            "echo done; echo 'fi' \"done\"",
            "x=1 y=2 env | grep x",
            "until [ \"$(curl -s -o /dev/null -w '%{http_code}' http://db:8080/health)\" = 200 ]; do sleep 2; done",
            "echo ${HOME:-/root}; trap 'exit 0' TERM; sleep 3600 & wait",
        ] {
            assert_eq!(check(script), None, "{script}");
        }
    }

    #[test]
    fn donel_for_done_is_found_with_the_typo() {
        let problem =
            check("until nslookup mydb; do echo waiting for mydb; sleep 2; donel").unwrap();
        assert!(
            problem.message.contains("`until` is never closed"),
            "{}",
            problem.message
        );
        assert!(problem.message.contains("expecting `done`"));
        assert_eq!(problem.typo, Some(("donel".into(), "done".into())));
    }

    #[test]
    fn other_certain_errors() {
        assert!(
            check("if true; then echo x")
                .unwrap()
                .message
                .contains("expecting `fi`")
        );
        assert!(
            check("while true; echo x; done")
                .unwrap()
                .message
                .contains("`done` is unexpected")
        );
        assert!(
            check("echo x; done")
                .unwrap()
                .message
                .contains("nothing open")
        );
        assert!(
            check("echo 'unterminated")
                .unwrap()
                .message
                .contains("unterminated single quote")
        );
        assert!(
            check("echo \"$(date)")
                .unwrap()
                .message
                .contains("unterminated double quote")
        );
        let p = check("for i in 1 2; dp echo $i; done").unwrap();
        assert_eq!(p.typo, Some(("dp".into(), "do".into())));
        let p = check("if true; then echo; fii").unwrap();
        assert_eq!(p.typo, Some(("fii".into(), "fi".into())));
    }

    #[test]
    fn no_opinion_on_what_it_does_not_understand() {
        assert_eq!(check("case $x in a) echo a;; esac"), None);
        assert_eq!(check("cat <<EOF\ndone\nEOF"), None);
        assert_eq!(check("f() { echo; }; f"), None);
        assert_eq!(check("[[ -f x ]] && echo"), None);
    }
}
