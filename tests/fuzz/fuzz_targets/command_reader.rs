//! The command reader: a container's command, args and env from the fuzz input, read as
//! `sh -c SCRIPT` and as a bare argv; never a panic or a hang.
//!
//! Input: one mode byte, then sections split by U+0001: the script or argv (argv words split by
//! newlines), the args (split by newlines), then `NAME=VALUE` env lines (`NAME@` refers to a
//! ConfigMap key that is not fetched).
#![no_main]

use initdoctor::command;
use k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, Container, EnvVar, EnvVarSource, Pod, PodSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use libfuzzer_sys::fuzz_target;

fn lines(text: &str) -> Vec<String> {
    text.split('\n').map(str::to_string).collect()
}

fn env(text: &str) -> Vec<EnvVar> {
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('=') {
            Some((name, value)) => EnvVar {
                name: name.to_string(),
                value: Some(value.to_string()),
                value_from: None,
            },
            None => EnvVar {
                name: line.trim_end_matches('@').to_string(),
                value: None,
                value_from: Some(EnvVarSource {
                    config_map_key_ref: Some(ConfigMapKeySelector {
                        name: "settings".into(),
                        key: "key".into(),
                        optional: None,
                    }),
                    ..Default::default()
                }),
            },
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut sections = text.splitn(3, '\u{1}');
    let first = sections.next().unwrap_or("");
    let args = sections.next();
    let env_text = sections.next().unwrap_or("");
    let (command, args) = match mode % 4 {
        0 => (
            Some(vec!["sh".into(), "-c".into(), first.into()]),
            args.map(lines),
        ),
        1 => (Some(lines(first)), args.map(lines)),
        2 => (
            Some(vec!["/bin/bash".into(), "-ec".into()]),
            Some(vec![first.into()]),
        ),
        _ => (None, Some(lines(first))),
    };
    let container = Container {
        name: "init".into(),
        image: Some("busybox:1.35".into()),
        command,
        args,
        env: Some(env(env_text)),
        ..Default::default()
    };
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some("web".into()),
            namespace: Some("default".into()),
            ..Default::default()
        },
        spec: Some(PodSpec {
            init_containers: Some(vec![container.clone()]),
            containers: vec![Container {
                name: "app".into(),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    let extraction = command::extract(&pod, &container, None);
    let _ = extraction.needs_cluster();
    let _ = format!("{extraction:?}");
    let _ = command::extract(&pod, &container, Some(&[]));
});
