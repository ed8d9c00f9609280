//! Timed waits: `sleep N` (the sum of its durations, forever for `infinity`).

use super::Call;
use crate::command::Target;

pub(super) fn sleep(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let mut total: Option<u64> = Some(0);
    let written = args
        .iter()
        .map(|a| a.written.clone())
        .collect::<Vec<_>>()
        .join(" ");
    if args.is_empty() {
        return Vec::new();
    }
    for a in args {
        match a.known().and_then(parse_sleep) {
            Some(Some(s)) => total = total.map(|t| t.saturating_add(s)),
            Some(None) => total = None,
            None => return Vec::new(),
        }
    }
    vec![Target::Sleep {
        written,
        seconds: total,
    }]
}

/// `sleep` durations: `60`, `1.5`, `2m`, `1h`, `1d`; `Some(None)` for `infinity`.
fn parse_sleep(text: &str) -> Option<Option<u64>> {
    if text == "infinity" || text == "inf" {
        return Some(None);
    }
    let (num, mult) = match text.chars().last()? {
        's' => (&text[..text.len() - 1], 1.0),
        'm' => (&text[..text.len() - 1], 60.0),
        'h' => (&text[..text.len() - 1], 3600.0),
        'd' => (&text[..text.len() - 1], 86400.0),
        _ => (text, 1.0),
    };
    let n: f64 = num.parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| Some((n * mult).ceil().min(u64::MAX as f64) as u64))
}
