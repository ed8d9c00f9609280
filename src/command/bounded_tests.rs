//! The reader's work is bounded: scripts and variables built to make it slow or large end
//! within its step budget, "too complex to read" or "too large to read", never a hang.

use std::time::Instant;

use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::expand::{MAX_VALUE, Unknown, Value};
use super::{Extraction, STEPS, TOO_COMPLEX, Target, extract, extract_within};

fn pod(command: serde_json::Value, env: serde_json::Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": "app", "namespace": "shop"},
        "spec": {"containers": [{"name": "main", "image": "busybox"}],
                 "initContainers": [{"name": "w", "image": "busybox", "env": env, "command": command}]}
    }))
    .expect("pod")
}

fn read(pod: &Pod) -> Extraction {
    let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
    extract(pod, c, None)
}

/// Variables that double each other, as Kubernetes expands them: `V1='$(V0)$(V0)'`…
fn doubling_env(levels: usize) -> serde_json::Value {
    let mut env = vec![json!({"name": "V0", "value": "abcdefghij"})];
    for i in 1..=levels {
        env.push(json!({"name": format!("V{i}"), "value": format!("$(V{0})$(V{0})", i - 1)}));
    }
    serde_json::Value::Array(env)
}

/// The pathological scripts: each must end within the budget.
fn pathological() -> Vec<(&'static str, Pod)> {
    let sh = |script: String| json!(["sh", "-c", script]);
    let a60 = "a".repeat(60);
    let nested_subst = format!(
        "X=$({}echo db{} | cut -d: -f1); until nc -z $X 1; do sleep 1; done",
        "echo $(".repeat(40),
        " | cut -d: -f1)".repeat(40)
    );
    vec![
        (
            "a backtracking pattern",
            pod(
                sh(format!(
                    "V={a60}; until nc -z ${{V%*a*a*a*a*a*a*a*a*a*b}} 1; do sleep 1; done"
                )),
                json!([]),
            ),
        ),
        (
            "a backtracking pattern over a long value",
            pod(
                sh(format!(
                    "V={}; until nc -z ${{V%*a*a*a*a*a*a*b}}${{V##*a*a*a*a*a*b}} 1; do sleep 1; done",
                    "a".repeat(20_000)
                )),
                json!([]),
            ),
        ),
        (
            "env vars that double each other",
            pod(
                sh("until nc -z $V40 1; do sleep 1; done".into()),
                doubling_env(40),
            ),
        ),
        (
            "$(V40) in the command itself",
            pod(json!(["nc", "-z", "$(V40)$(V40)", "1"]), doubling_env(40)),
        ),
        (
            "a=$a$a repeated",
            pod(
                sh(format!(
                    "a=x; {} until nc -z $a 1; do sleep 1; done",
                    "a=$a$a; ".repeat(60)
                )),
                json!([]),
            ),
        ),
        ("$(…) nested 40 deep", pod(sh(nested_subst), json!([]))),
        (
            // Each `$(` looks for its `)`: one pass over the text, not one per `$(`.
            "`$(` a hundred thousand times, never closed",
            pod(json!(["sh", "-c", "$(".repeat(100_000)]), json!([])),
        ),
        (
            "functions calling each other",
            pod(
                sh(format!(
                    "{} f30; until nc -z db 1; do sleep 1; done",
                    (0..30)
                        .map(|i| format!("f{i}() {{ f{0}; f{0}; }}; ", i + 1))
                        .collect::<String>()
                )),
                json!([]),
            ),
        ),
    ]
}

#[test]
fn pathological_scripts_end_within_the_budget() {
    for (name, pod) in pathological() {
        let start = Instant::now();
        let e = read(&pod);
        let took = start.elapsed();
        eprintln!("{name}: {took:?}, too complex: {}", e.too_complex);
        // Generous: the budget is a few milliseconds; a hang or blow-up is seconds.
        assert!(took.as_secs() < 2, "{name}: took {took:?}");
        let text = format!("{e:?}");
        assert!(
            text.len() < 4 * MAX_VALUE,
            "{name}: {} bytes kept",
            text.len()
        );
    }
}

#[test]
fn a_backtracking_pattern_runs_out_of_steps_and_says_so() {
    // 20,000 characters and a pattern that backtracks: matching it whole would cost billions
    // of comparisons; the reader stops at its budget and says so.
    let (_, pod) = pathological().remove(1);
    let e = read(&pod);
    assert!(e.too_complex, "{e:?}");
    assert_eq!(e.not_understood, [TOO_COMPLEX]);
    assert!(e.checks.is_empty());
    // The 60-character one of the report is read, and exactly: no `b`, nothing trimmed.
    let (_, pod) = pathological().remove(0);
    let e = read(&pod);
    assert!(!e.too_complex);
    match &e.checks[0].target {
        Target::Host(h) => assert_eq!(h.written, "${V%*a*a*a*a*a*a*a*a*a*b}"),
        t => panic!("{t:?}"),
    }
}

#[test]
fn doubling_values_are_too_large_to_read() {
    let (_, pod) = pathological().remove(2);
    let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
    let env = super::expand::EnvTable::new(&pod, c, None);
    // V12 is 10 · 2^12 = 40,960 bytes: read; V13 (81,920) is not.
    assert!(matches!(env.shell("V12"), Value::Known { text, .. } if text.len() == 40_960));
    assert_eq!(
        env.shell("V13"),
        Value::Unknown(Unknown::TooLarge { var: "V13".into() })
    );
    assert!(matches!(
        env.shell("V40"),
        Value::Unknown(Unknown::TooLarge { .. })
    ));
    let e = read(&pod);
    match &e.checks[0].target {
        Target::Host(h) => match &h.host {
            super::Part::Unknown(u) => {
                assert!(u[0].describe().contains("too large to read"), "{u:?}");
            }
            p => panic!("{p:?}"),
        },
        t => panic!("{t:?}"),
    }
    // In the shell: `a=$a$a` doubles to the cap, then is too large.
    let (_, pod) = pathological().remove(4);
    let e = read(&pod);
    assert!(!e.too_complex);
    match &e.checks[0].target {
        Target::Host(h) => assert!(
            matches!(&h.host, super::Part::Unknown(u) if u.iter().any(|u| matches!(u, Unknown::TooLarge { .. }))),
            "{h:?}"
        ),
        t => panic!("{t:?}"),
    }
}

#[test]
fn nested_substitutions_are_read_once_each() {
    // Each `$(…)` evaluated once: 40 levels of `echo $(… | cut)` cost little; evaluated twice
    // per level they would cost 2^40.
    let (_, pod) = pathological().remove(5);
    let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
    let e = extract_within(&pod, c, None, STEPS);
    assert!(!e.too_complex, "{e:?}");
    assert!(
        e.checks.iter().any(|c| c.tool == super::Tool::Nc),
        "{:?}",
        e.checks
    );
}

#[test]
fn ordinary_scripts_use_a_small_part_of_the_budget() {
    // The budget is far above what real scripts need: the corpus's longest shapes read well
    // within a tenth of it.
    let script = "retry_while() {\n  local -r cmd=\"${1:?cmd is missing}\"\n  read -r -a command <<< \"$cmd\"\n  for ((i = 1 ; i <= 12 ; i+=1 )); do\n    \"${command[@]}\" && return_value=0 && break\n    sleep 5\n  done\n}\nDB=mysql.shop:3306; H=$(echo $DB | awk -F: '{print $1}')\nfor h in a b c d; do retry_while \"nc -z $h.${DB##*:} 1\"; done\nuntil nc -z ${DB%:*} ${DB##*:}; do sleep 2; done";
    let pod = pod(json!(["bash", "-c", script]), json!([]));
    let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
    let e = extract_within(&pod, c, None, STEPS / 10);
    assert!(!e.too_complex);
    assert!(!e.checks.is_empty());
}

#[test]
fn a_command_over_the_cap_is_too_large_to_read_before_any_work() {
    // (what, the command, too large): a script one byte over the cap is refused whole, before
    // it is expanded or parsed; one at the cap is read; so is an argument over it.
    let at_cap = |extra: usize| {
        let mut s = String::from("until nc -z db 5432; do sleep 2; done # ");
        s.push_str(&"-".repeat(super::MAX_SCRIPT - s.len() + extra));
        s
    };
    let cases = [
        ("a script at the cap", json!(["sh", "-c", at_cap(0)]), false),
        (
            "a script one byte over",
            json!(["sh", "-c", at_cap(1)]),
            true,
        ),
        (
            "1.3 MB of lookups",
            json!(["sh", "-c", "nslookup db; ".repeat(100_000)]),
            true,
        ),
        (
            "an argument over the cap",
            json!(["nc", "-z", "db", "a".repeat(super::MAX_SCRIPT + 1)]),
            true,
        ),
    ];
    for (what, command, too_large) in cases {
        let e = read(&pod(command, json!([])));
        assert_eq!(e.too_large, too_large, "{what}: {:?}", e.not_understood);
        if too_large {
            assert_eq!(e.not_understood, [super::TOO_LARGE], "{what}");
            assert!(e.checks.is_empty() && !e.too_complex, "{what}");
            assert!(e.script.as_ref().is_some_and(|s| s.len() < 1024), "{what}");
        } else {
            assert!(!e.too_complex, "{what}");
            assert!(!e.checks.is_empty(), "{what}");
        }
    }
}
