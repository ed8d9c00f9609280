//! The edge for `logs`: one request of a container's log through `pods/log`, with the kubelet's
//! timestamps, opened under the request timeout. Reading the stream (in bounded chunks, resumed
//! from the last timestamp) is [`crate::logs::stream`]'s.

use futures::AsyncBufRead;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::Cluster;
use crate::error::Result;

/// Which part of a container's log one request asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRequest {
    pub container: String,
    pub follow: bool,
    pub previous: bool,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<jiff::Timestamp>,
}

impl Cluster {
    /// Open the log of `pod`'s container as `request` says, each line stamped by the kubelet
    /// (`timestamps=true`): the body as it comes. Only the opening is bounded here; the reader
    /// bounds each read.
    pub async fn open_log(
        &self,
        namespace: &str,
        pod: &str,
        request: &LogRequest,
    ) -> Result<impl AsyncBufRead + use<>> {
        let api: Api<Pod> = Api::namespaced(self.client(), namespace);
        let params = LogParams {
            container: Some(request.container.clone()),
            follow: request.follow,
            previous: request.previous,
            timestamps: true,
            tail_lines: request.tail_lines,
            since_seconds: request.since_seconds,
            since_time: request.since_time,
            ..Default::default()
        };
        self.call(
            "get",
            "pods/log",
            Some(namespace),
            api.log_stream(pod, &params),
        )
        .await
    }
}
