//! The edge for `debug`'s session: attaching to a container (`pods/attach`, a WebSocket) with
//! the streams asked for, the terminal's size sent once, and the node's verdict on the stream
//! when it ends.

use std::future::Future;
use std::pin::Pin;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams, AttachedProcess, TerminalSize};
use tokio::io::{ReadHalf, SimplexStream, WriteHalf};

use super::Cluster;
use crate::error::{Error, Result};

/// Which streams an attach carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    pub stdin: bool,
    pub stderr: bool,
    pub tty: bool,
}

/// An attached container: its streams, and how the session ended.
pub struct Attached {
    process: AttachedProcess,
    container: String,
    status: Option<Pin<Box<dyn Future<Output = Option<Status>> + Send>>>,
}

impl Cluster {
    /// Attach to `container` of `pod` with `streams` (stdout always); the upgrade is bounded
    /// by the request timeout, the session is not.
    pub async fn attach(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        streams: Streams,
    ) -> Result<Attached> {
        let params = AttachParams::default()
            .container(container)
            .stdin(streams.stdin)
            .stdout(true)
            .stderr(streams.stderr)
            .tty(streams.tty);
        let pods: Api<Pod> = Api::namespaced(self.client(), namespace);
        let mut process = self
            .call(
                "get and create",
                "pods/attach",
                Some(namespace),
                pods.attach(pod, &params),
            )
            .await?;
        let status = process
            .take_status()
            .map(|s| -> Pin<Box<dyn Future<Output = Option<Status>> + Send>> { Box::pin(s) });
        Ok(Attached {
            process,
            container: container.to_string(),
            status,
        })
    }
}

impl Attached {
    /// The container's stdin, when it was attached.
    pub fn stdin(&mut self) -> Option<WriteHalf<SimplexStream>> {
        self.process.stdin()
    }

    /// The container's stdout.
    pub fn stdout(&mut self) -> Option<ReadHalf<SimplexStream>> {
        self.process.stdout()
    }

    /// The container's stderr, when it was attached apart (a TTY carries it on stdout).
    pub fn stderr(&mut self) -> Option<ReadHalf<SimplexStream>> {
        self.process.stderr()
    }

    /// Tell the container's TTY its size (once; nothing without a TTY).
    pub async fn resize(&mut self, width: u16, height: u16) {
        use futures::SinkExt;
        if let Some(mut size) = self.process.terminal_size() {
            let _ = size.send(TerminalSize { width, height }).await;
        }
    }

    /// Wait for the session's end: the node's verdict on the stream (a refused attach arrives
    /// here, after the upgrade) as one line.
    pub async fn end(self) -> Result<()> {
        let _ = self.process.join().await;
        let status = match self.status {
            Some(status) => status.await,
            None => None,
        };
        match status {
            Some(s) if s.status.as_deref() == Some("Failure") => Err(Error::Api {
                verb: "attach to".into(),
                resource: format!("container {}", self.container),
                code: 0,
                message: crate::sanitize::line(&super::config::one_line(
                    s.message
                        .as_deref()
                        .unwrap_or("the node refused the stream"),
                ))
                .into_owned(),
            }),
            _ => Ok(()),
        }
    }
}
