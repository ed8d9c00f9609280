//! The MinIO client's `mc alias set ALIAS URL [ACCESS SECRET]` and its older spelling
//! `mc config host add ALIAS URL …`: without `--api`, mc probes the server at URL before it
//! saves the alias (minio/mc `cmd/alias-set.go`: `BuildS3Config` calls `probeS3Signature`, a
//! Stat of a random bucket signed S3v4 then S3v2, and `fatalIf` exits non-zero when neither
//! answers), so the command fails while the server does not answer. With `--api` the signature
//! is taken as given and nothing is asked of the server: not a check. Other subcommands act on
//! a saved alias, whose URL this reader does not follow: not read.

use super::Call;
use crate::command::Target;
use crate::command::args::{Arg, opts, url_target};

/// mc's global options that take a value in the next word (`mc --help`).
const GLOBAL_VALUED: &[&str] = &[
    "--config-dir",
    "-C",
    "--limit-upload",
    "--limit-download",
    "--custom-header",
    "-H",
    "--resolve",
];

/// The options of `alias set` / `config host add` that take a value in the next word.
const SET_VALUED: &[&str] = &["--api", "--path", "--lookup"];

pub(super) fn mc(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let mut i = 0;
    while let Some(t) = args.get(i).and_then(Arg::known) {
        if !t.starts_with('-') {
            break;
        }
        i += if GLOBAL_VALUED.contains(&t) { 2 } else { 1 };
    }
    let words: Vec<Option<&str>> = args[i.min(args.len())..].iter().map(Arg::known).collect();
    let after = match words.as_slice() {
        [Some("alias"), Some("set" | "s"), ..] => i + 2,
        [Some("config"), Some("host"), Some("add" | "a"), ..] => i + 3,
        _ => return Vec::new(),
    };
    let o = opts(&args[after.min(args.len())..], "", SET_VALUED);
    if o.get(&["--api"]).is_some() {
        return Vec::new();
    }
    o.positional
        .get(1)
        .and_then(url_target)
        .map(Target::Host)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen_in};

    #[test]
    fn mc_probes_the_server_unless_told_the_signature() {
        let cases: &[(&str, &str, Env, &[Seen])] = &[
            // apache/submarine submarine-cloud-v3/artifacts/submarine-server.yaml
            (
                "bash",
                "while ! /bin/bash -c 'mc --config-dir /tmp/.mc config host add minio \
                 http://submarine-minio-service:9000 ${MINIO_ACCESS_KEY} ${MINIO_SECRET_KEY}' \
                 2>&1; do sleep 15; done",
                &[],
                &[("mc", "submarine-minio-service", Some(9000), "Loop")],
            ),
            // mattermost/mattermost-operator pkg/mattermost/file_store.go
            (
                "sh",
                "mc config host add localminio http://mm-minio-hl-svc.corpus.svc.cluster.local:9000 \
                 $(MINIO_ACCESS_KEY) $(MINIO_SECRET_KEY) && mc mb localminio/mm -q -p",
                &[],
                &[(
                    "mc",
                    "mm-minio-hl-svc.corpus.svc.cluster.local",
                    Some(9000),
                    "Once",
                )],
            ),
            // supabase-community/supabase-kubernetes charts/supabase/templates/storage/deployment.yaml
            (
                "sh",
                "until /usr/bin/mc alias set supa-minio http://myrel-supabase-minio:9000 \
                 $MINIO_ROOT_USER $MINIO_ROOT_PASSWORD; do sleep 2; done",
                &[],
                &[("mc", "myrel-supabase-minio", Some(9000), "Loop")],
            ),
            // With the signature given mc asks the server nothing
            // (wiremind/wiremind-helm-charts charts/pythie/templates/_helpers.tpl).
            (
                "sh",
                "set -e; mc config host add s3 $S3_ENDPOINT_URL $S3_ACCESS_KEY_ID \
                 $S3_SECRET_ACCESS_KEY --api S3v4",
                &[("S3_ENDPOINT_URL", "http://minio:9000")],
                &[],
            ),
            (
                "sh",
                "mc alias set m https://s3.example.org k s --api=s3v4",
                &[],
                &[],
            ),
            // A subcommand on a saved alias: its URL is not followed.
            ("sh", "mc mb --ignore-existing m/bucket", &[], &[]),
        ];
        for (shell, script, env, want) in cases {
            assert_eq!(seen_in(shell, script, env), want.to_vec(), "{script}");
        }
    }
}
