//! Files a script writes from a here-document (`cat <<EOF > /tmp/my.cnf`), kept so that a client
//! later pointed at one (`mysql --defaults-file=/tmp/my.cnf`) is read with the options it holds.
//! Only an unquoted delimiter's body is kept (its `${VAR}` expanded where it is written), at most
//! [`MAX_FILES`] files, the last write of a path winning.

use super::args::Arg;
use super::line::Reader;
use crate::command::expand::EnvTable;
use crate::command::shell::SimpleCommand;

/// Files kept per script.
const MAX_FILES: usize = 8;

/// A file's lines, each as its words' values.
pub(super) type Lines = Vec<Vec<Arg>>;

impl Reader<'_> {
    /// Keep what `cat <<EOF > FILE` writes (nothing when the path is not known).
    pub(super) fn remember_file(
        &self,
        cmd: &SimpleCommand,
        body: &[SimpleCommand],
        env: &EnvTable,
    ) {
        if cmd.stdin_quoted {
            return;
        }
        let Some(path) = cmd.stdout.as_ref().and_then(|w| {
            let a = self.eval(w, env);
            a.known().map(str::to_string)
        }) else {
            return;
        };
        let lines: Lines = body
            .iter()
            .map(|c| c.words.iter().map(|w| self.eval(w, env)).collect())
            .collect();
        let mut files = self.files.borrow_mut();
        files.retain(|(p, _)| *p != path);
        if files.len() < MAX_FILES {
            files.push((path, lines));
        }
    }

    /// The value of `key` in an option file the script wrote (`key=value` or `key = value`),
    /// within one of `sections` (`[client]`), the last one given winning.
    pub(super) fn file_option(&self, path: &str, sections: &[&str], key: &str) -> Option<Arg> {
        let files = self.files.borrow();
        let (_, lines) = files.iter().find(|(p, _)| p == path)?;
        let mut section_ok = false;
        let mut found = None;
        for words in lines {
            let Some(first) = words.first() else { continue };
            if let Some(name) = first
                .known()
                .and_then(|t| t.strip_prefix('['))
                .and_then(|t| t.strip_suffix(']'))
            {
                section_ok = sections.contains(&name.trim());
                continue;
            }
            if !section_ok {
                continue;
            }
            let value = match words.as_slice() {
                [kv] => kv
                    .text
                    .split_once('=')
                    .filter(|(k, _)| k.trim() == key)
                    .map(|(k, _)| kv.strip(k.chars().count() + 1)),
                [k, eq, v] if k.known() == Some(key) && eq.known() == Some("=") => Some(v.clone()),
                _ => None,
            };
            if value.is_some() {
                found = value;
            }
        }
        found
    }
}
