//! Wrappers that wait for a host and port, then run the rest of their arguments
//! (`wait-for-it`, `dockerize -wait`).

use super::{Call, one};
use crate::command::Target;
use crate::command::args::{host_target, opts, url_target};
use crate::command::line::MAX_NESTING;
use crate::command::shell::{Piece, Word};

pub(super) fn wait_for_it(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(args, "hpt", &["--host", "--port", "--timeout"]);
    let t = match (o.get(&["-h", "--host"]), o.positional.first()) {
        (Some(h), _) => Some(host_target(h, o.get(&["-p", "--port"]), None)),
        (None, Some(hp)) => Some(host_target(hp, None, None)),
        _ => None,
    };
    if !o.rest.is_empty() && call.depth < MAX_NESTING {
        let words: Vec<Word> = o
            .rest
            .iter()
            .map(|a| Word {
                pieces: vec![Piece::Text(a.text.clone())],
                written: a.written.clone(),
                quoted: true,
                notes: a.notes.clone(),
            })
            .collect();
        let raw_rest = o
            .rest
            .iter()
            .map(|a| a.written.clone())
            .collect::<Vec<_>>()
            .join(" ");
        call.reader.command(
            &words,
            &raw_rest,
            call.ctx,
            call.env,
            call.out,
            call.depth + 1,
            call.timeout.clone(),
        );
    }
    t.map(one).unwrap_or_default()
}

pub(super) fn dockerize(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let mut targets = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text.trim_start_matches('-');
        let dashes = a.text.len() - t.len();
        if dashes == 0 {
            break;
        }
        if t.starts_with("wait=") {
            let v = a.strip(dashes + 5);
            if let Some(h) = url_target(&v) {
                targets.push(Target::Host(h));
            }
            i += 1;
        } else if t == "wait" {
            if let Some(h) = args.get(i + 1).and_then(url_target) {
                targets.push(Target::Host(h));
            }
            i += 2;
        } else if t.contains('=') || matches!(t, "poll" | "no-overwrite" | "version") {
            i += 1;
        } else {
            i += 2;
        }
    }
    targets
}
