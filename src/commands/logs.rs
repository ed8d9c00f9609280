//! `logs`: init container logs in spec order; with `-f`, follow the running one, then the next
//! as it starts, until initialization is done. Headers go to stderr, log lines to stdout.

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use futures::AsyncReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use crate::cli::{GlobalArgs, LogsArgs};
use crate::cluster::Cluster;
use crate::diagnosis::timeline::{self, InitState};
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::logplan::{self, Step};

/// How often to look at the pod while waiting for a container to start.
const POLL: Duration = Duration::from_secs(1);

pub async fn run(args: &LogsArgs, global: &GlobalArgs) -> Result<ExitCode> {
    if args.tail < -1 {
        return Err(Error::Usage(
            "--tail takes -1 (all) or a number of lines".into(),
        ));
    }
    let cluster = Cluster::connect(global).await?;
    let namespace = cluster.namespace().to_string();
    let pod = cluster.get_pod(&namespace, &args.pod).await?;
    if timeline::rows(&pod).is_empty() {
        return Err(Error::NotFound {
            kind: "init container".into(),
            name: "any".into(),
            namespace: None,
            hint: Some(format!(
                "pod {:?} has none; use `kubectl logs {}`",
                args.pod, args.pod
            )),
        });
    }
    let api: Api<Pod> = Api::namespaced(cluster.client(), &namespace);
    let reader = Reader {
        cluster: &cluster,
        api,
        namespace: &namespace,
        args,
    };
    if args.follow {
        reader.follow(pod).await?;
    } else {
        reader.print_all(&pod).await?;
    }
    Ok(ExitCode::Ok)
}

struct Reader<'a> {
    cluster: &'a Cluster,
    api: Api<Pod>,
    namespace: &'a str,
    args: &'a LogsArgs,
}

impl Reader<'_> {
    fn params(&self, container: &str, follow: bool, previous: bool) -> LogParams {
        LogParams {
            container: Some(container.to_string()),
            follow,
            previous,
            tail_lines: (self.args.tail >= 0).then_some(self.args.tail),
            timestamps: self.args.timestamps,
            ..Default::default()
        }
    }

    /// Every init container in spec order, its log or why there is none.
    async fn print_all(&self, pod: &Pod) -> Result<()> {
        for row in timeline::rows(pod) {
            eprintln!("{}", logplan::header(pod, &row.name));
            let ever_ran =
                row.state != InitState::Waiting || row.restarts > 0 || row.exit_code.is_some();
            if self.args.previous && row.restarts == 0 {
                eprintln!("(no previous instance: it has not restarted)");
                continue;
            }
            if !ever_ran {
                eprintln!("(not started yet)");
                continue;
            }
            let text = self
                .cluster
                .call(
                    "get",
                    "pods/log",
                    Some(self.namespace),
                    self.api.logs(
                        &self.args.pod,
                        &self.params(&row.name, false, self.args.previous),
                    ),
                )
                .await?;
            write_stdout(text.as_bytes())?;
        }
        Ok(())
    }

    /// Print finished instances, stream running ones, wait for the next to start.
    async fn follow(&self, mut pod: Pod) -> Result<()> {
        let mut shown: Vec<(String, i32)> = Vec::new();
        let mut announced: HashSet<String> = HashSet::new();
        loop {
            match logplan::next_step(&pod, &shown) {
                Step::Print { name, restarts } => {
                    eprintln!("{}", logplan::header(&pod, &name));
                    let text = self
                        .cluster
                        .call(
                            "get",
                            "pods/log",
                            Some(self.namespace),
                            self.api
                                .logs(&self.args.pod, &self.params(&name, false, false)),
                        )
                        .await?;
                    write_stdout(text.as_bytes())?;
                    shown.push((name, restarts));
                }
                Step::Follow { name, restarts } => {
                    eprintln!("{}", logplan::header(&pod, &name));
                    self.stream(&name).await?;
                    shown.push((name, restarts));
                }
                Step::Wait { name, why } => {
                    if announced.insert(format!("{name}/{why}")) {
                        eprintln!("waiting for {name} to start ({why})...");
                    }
                    tokio::time::sleep(POLL).await;
                }
                Step::Done => {
                    eprintln!("All init containers have completed.");
                    return Ok(());
                }
                Step::Over { why } => {
                    eprintln!("Stopped following: {why}.");
                    return Ok(());
                }
            }
            pod = match self.cluster.get_pod(self.namespace, &self.args.pod).await {
                Ok(pod) => pod,
                Err(Error::NotFound { .. }) => {
                    eprintln!("Stopped following: the pod was deleted.");
                    return Ok(());
                }
                Err(other) => return Err(other),
            };
        }
    }

    /// Stream one running container's log until the node ends it (the container terminated).
    async fn stream(&self, container: &str) -> Result<()> {
        let params = self.params(container, true, false);
        let mut stream = Box::pin(
            self.cluster
                .call(
                    "get",
                    "pods/log",
                    Some(self.namespace),
                    self.api.log_stream(&self.args.pod, &params),
                )
                .await?,
        );
        let mut buffer = vec![0u8; 8192];
        loop {
            let read = stream
                .read(&mut buffer)
                .await
                .map_err(|e| Error::io(format!("reading the log of {container}"), e))?;
            if read == 0 {
                return Ok(());
            }
            write_stdout(&buffer[..read])?;
        }
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("writing to stdout", e))
}
