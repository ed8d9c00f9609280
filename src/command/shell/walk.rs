//! The walk that finds guarded commands: the compound commands (`until`, `while`, `for`,
//! `if`, `case`, `{ }`, `( )`) and the [`Ctx`] each gives the commands inside it — which
//! condition guards them, which loop repeats them.

use super::lexer::Tok;
use super::parser::Parser;
use super::syntax::{A_NAME, Fault, Found};
use super::{Ctx, Frame, Guard, Loop};

impl Parser<'_> {
    /// The condition of an `until`/`while` loop is guarded by it; the body runs in the loop.
    pub(super) fn loop_clause(&mut self, opener: &'static str, ctx: Ctx) -> Result<(), Fault> {
        let kind = if opener == "until" {
            Loop::Until
        } else {
            Loop::While
        };
        self.next()?;
        self.open(opener, "do");
        let cond = Ctx {
            guard: Some(if kind == Loop::Until {
                Guard::Until
            } else {
                Guard::While
            }),
            in_loop: Some(kind),
            negated: false,
            ..ctx
        };
        if self.list(&["do"], cond)? == 0 {
            return Err(self.unexpected_here()?);
        }
        self.expect_reserved("do")?;
        self.expects("done");
        let body = Ctx {
            guard: None,
            negated: false,
            in_loop: Some(kind),
            ..ctx
        };
        self.list(&["done"], body)?;
        self.expect_reserved("done")?;
        self.open.pop();
        Ok(())
    }

    /// `for NAME [in WORDS]; do …; done`: the body runs in the loop, in a [`Frame::For`]
    /// naming the variable and its words. bash's `for ((…; …; …))` is read as a loop whose
    /// values are not known.
    pub(super) fn for_clause(&mut self, ctx: Ctx) -> Result<(), Fault> {
        self.next()?;
        self.open("for", A_NAME);
        let mut var = None;
        let mut words = None;
        match self.next()? {
            Tok::Word(w, ..) => var = w.plain().map(str::to_string),
            Tok::Op("(", at) if self.lx.chars.get(at + 1).is_some_and(|c| c.c == '(') => {
                // bash's `for ((i = 0; …))`: sh refuses it, so no opinion on the syntax.
                self.lx.unsure = true;
                let close = self.lx.find_close(at + 1, '(', false)?;
                if self.lx.chars.get(close - 1).is_none_or(|c| c.c != ')') {
                    return Err(Fault::unexpected(&Tok::Op("(", at)));
                }
                self.lx.pos = close + 1;
            }
            other => {
                if matches!(other, Tok::Op("(", _)) {
                    self.lx.unsure = true;
                }
                return Err(Fault::unexpected(&other));
            }
        }
        self.expects("do");
        self.skip_newlines()?;
        if var.is_some() && self.peek_reserved()? == Some("in") {
            self.next()?;
            let mut list = Vec::new();
            // Up to `;` or a newline: `for i in do; do …` loops once, over `do`.
            while let Tok::Word(..) = self.peek()? {
                if let Tok::Word(w, ..) = self.next()? {
                    list.push(w);
                }
            }
            words = Some(list);
        }
        if matches!(self.peek()?, Tok::Op(";", _)) {
            self.next()?;
        }
        self.skip_newlines()?;
        self.expect_reserved("do")?;
        self.expects("done");
        let body = Ctx {
            guard: None,
            negated: false,
            in_loop: Some(Loop::For),
            ..ctx
        };
        self.loops += 1;
        self.frames.push(Frame::For {
            id: self.loops,
            var,
            words,
        });
        let result = self.list(&["done"], body);
        self.frames.pop();
        result?;
        self.expect_reserved("done")?;
        self.open.pop();
        Ok(())
    }

    /// `if`/`elif` conditions are guarded by the `if`; bodies are not.
    pub(super) fn if_clause(&mut self, ctx: Ctx) -> Result<(), Fault> {
        self.next()?;
        self.open("if", "then");
        loop {
            let cond = Ctx {
                guard: Some(Guard::If),
                negated: false,
                ..ctx
            };
            if self.list(&["then"], cond)? == 0 {
                return Err(self.unexpected_here()?);
            }
            self.expect_reserved("then")?;
            self.expects("fi");
            let body = Ctx {
                guard: None,
                negated: false,
                ..ctx
            };
            self.list(&["elif", "else", "fi"], body)?;
            self.skip_newlines()?;
            match self.peek_reserved()? {
                Some("elif") => {
                    self.next()?;
                    self.expects("then");
                }
                Some("else") => {
                    self.next()?;
                    self.list(&["fi"], body)?;
                    self.expect_reserved("fi")?;
                    break;
                }
                _ => {
                    self.expect_reserved("fi")?;
                    break;
                }
            }
        }
        self.open.pop();
        Ok(())
    }

    /// `case WORD in PATTERN) …;; esac`.
    pub(super) fn case_clause(&mut self, ctx: Ctx) -> Result<(), Fault> {
        self.next()?;
        self.open("case", "in");
        self.next()?; // the word
        self.skip_newlines()?;
        self.expect_reserved("in")?;
        self.expects("esac");
        let body = Ctx {
            guard: None,
            negated: false,
            ..ctx
        };
        loop {
            self.skip_newlines()?;
            if self.peek_reserved()? == Some("esac") {
                self.next()?;
                break;
            }
            // Patterns up to `)`.
            loop {
                match self.next()? {
                    Tok::Op(")", _) => break,
                    Tok::Eof => {
                        return Err(Fault::Unexpected {
                            found: Found::Eof,
                            expecting: Some("esac"),
                        });
                    }
                    _ => {}
                }
            }
            self.list(&["esac"], body)?;
            match self.peek()? {
                Tok::Op(";;", _) => {
                    self.next()?;
                }
                _ => {
                    self.expect_reserved("esac")?;
                    break;
                }
            }
        }
        self.open.pop();
        Ok(())
    }

    /// `{ …; }`.
    pub(super) fn group(&mut self, ctx: Ctx) -> Result<(), Fault> {
        self.next()?;
        self.open("{", "}");
        self.list(&["}"], ctx)?;
        self.expect_reserved("}")?;
        self.open.pop();
        Ok(())
    }

    /// `( … )`, the `(` next.
    pub(super) fn subshell(&mut self, ctx: Ctx) -> Result<(), Fault> {
        self.next()?;
        self.open("(", ")");
        self.list(&[], ctx)?;
        match self.next()? {
            Tok::Op(")", _) => {}
            Tok::Eof => {
                return Err(Fault::Unexpected {
                    found: Found::Eof,
                    expecting: Some(")"),
                });
            }
            other => return Err(Fault::unexpected(&other)),
        }
        self.open.pop();
        Ok(())
    }
}
