//! bitnami's `wait-for-port [--host=HOST] [--state=inuse|free] [--timeout=N] PORT`: polls until
//! something listens on HOST:PORT (`inuse`, the default) or nothing does (`free`, not a wait
//! on a target: not understood).

use super::{Call, one};
use crate::command::Target;
use crate::command::args::{host_target, opts};

pub(super) fn wait_for_port(call: &mut Call) -> Vec<Target> {
    let o = opts(call.args, "", &["--host", "--state", "--timeout", "--user"]);
    if o.get(&["--state"])
        .is_some_and(|s| s.known() != Some("inuse"))
    {
        return Vec::new();
    }
    let [port] = o.positional.as_slice() else {
        return Vec::new();
    };
    match o.get(&["--host"]) {
        Some(h) if !matches!(h.known(), Some("localhost" | "127.0.0.1")) => {
            one(host_target(h, Some(port), None))
        }
        _ => vec![Target::Local {
            port: port.known().and_then(|p| p.parse().ok()),
            what: format!("localhost:{} (no --host)", port.written),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen};

    #[test]
    fn wait_for_port_forms() {
        let cases: &[(&str, Env, Option<Seen>)] = &[
            (
                "wait-for-port --host=db --state=inuse --timeout=120 5432",
                &[],
                Some(("wait-for-port", "db", Some(5432), "ToolWaits")),
            ),
            (
                "wait-for-port --host db 3306",
                &[],
                Some(("wait-for-port", "db", Some(3306), "ToolWaits")),
            ),
            (
                "wait-for-port --timeout=5 --host=\"$H\" --state=inuse $P",
                &[("H", "search"), ("P", "9200")],
                Some(("wait-for-port", "search", Some(9200), "ToolWaits")),
            ),
            (
                "wait-for-port 8080",
                &[],
                Some(("wait-for-port", "local", Some(8080), "ToolWaits")),
            ),
            // Waiting for a port to be free is not a wait on a target.
            ("wait-for-port --state=free 8080", &[], None),
            ("wait-for-port --host=db", &[], None),
        ];
        for (script, env, want) in cases {
            assert_eq!(seen(script, env).first().cloned(), *want, "{script}");
        }
    }
}
