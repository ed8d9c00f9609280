//! The edge for `debug`: the server's version (does it serve ephemeral containers), the target
//! namespace (its Pod Security label), adding an ephemeral container to a pod
//! (`pods/ephemeralcontainers`), and the copy of a pod `--copy-to` creates (and the original
//! `--replace` deletes). These are the only writes the plugin makes; each is bounded by the
//! request timeout.

use k8s_openapi::api::core::v1::{EphemeralContainer, Namespace, Pod};
use k8s_openapi::apimachinery::pkg::version::Info;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::json;

use super::Cluster;
use crate::error::{Error, Result};

/// Why the API server did not add an ephemeral container.
#[derive(Debug)]
pub enum Refused {
    /// Pod Security admission refused it: the level its message names (`baseline` of
    /// `violates PodSecurity "baseline:latest"`), and the message.
    PodSecurity {
        level: Option<String>,
        message: String,
    },
    /// The cluster does not serve `pods/ephemeralcontainers` (the 404 of a missing subresource
    /// names no object).
    NotServed,
    /// Anything else, as one line.
    Failed(Error),
}

impl Cluster {
    /// `GET /version`.
    pub async fn server_version(&self) -> Result<Info> {
        self.call("get", "version", None, self.client().apiserver_version())
            .await
    }

    /// One namespace; `None` when it does not exist.
    pub async fn get_namespace(&self, name: &str) -> Result<Option<Namespace>> {
        let namespaces: Api<Namespace> = Api::all(self.client());
        self.call("get", "namespaces", None, namespaces.get_opt(name))
            .await
    }

    /// Add `container` to the ephemeral containers of `pod` (a strategic merge patch of
    /// `pods/ephemeralcontainers`); with `dry_run`, the server checks it and changes nothing.
    pub async fn add_ephemeral_container(
        &self,
        namespace: &str,
        pod: &str,
        container: &EphemeralContainer,
        dry_run: bool,
    ) -> std::result::Result<(), Refused> {
        let pods: Api<Pod> = Api::namespaced(self.client(), namespace);
        let patch = json!({"spec": {"ephemeralContainers": [container]}});
        let params = PatchParams {
            dry_run,
            ..Default::default()
        };
        let patch = Patch::Strategic(patch);
        let call = pods.patch_ephemeral_containers(pod, &params, &patch);
        // The outer call bounds it; the inner result keeps the server's message for the mapping.
        let answered = self
            .call(
                "patch",
                "pods/ephemeralcontainers",
                Some(namespace),
                async { Ok(call.await) },
            )
            .await
            .map_err(Refused::Failed)?;
        let Err(err) = answered else {
            return Ok(());
        };
        if let kube::Error::Api(status) = &err {
            if status.code == 403 && status.message.contains("PodSecurity") {
                return Err(Refused::PodSecurity {
                    level: pod_security_level(&status.message).map(str::to_string),
                    message: status.message.clone(),
                });
            }
            if status.code == 404 && status.details.as_ref().is_none_or(|d| d.name.is_empty()) {
                return Err(Refused::NotServed);
            }
        }
        Err(Refused::Failed(self.map_error(
            err,
            "patch",
            "pods/ephemeralcontainers",
            Some(namespace),
        )))
    }

    /// Create `pod` in `namespace`; with `dry_run`, the server checks it and creates nothing.
    pub async fn create_pod(&self, namespace: &str, pod: &Pod, dry_run: bool) -> Result<Pod> {
        let pods: Api<Pod> = Api::namespaced(self.client(), namespace);
        let params = PostParams {
            dry_run,
            ..Default::default()
        };
        self.call("create", "pods", Some(namespace), pods.create(&params, pod))
            .await
    }

    /// Delete the pod `name` of `namespace` (its default grace period).
    pub async fn delete_pod(&self, namespace: &str, name: &str) -> Result<()> {
        let pods: Api<Pod> = Api::namespaced(self.client(), namespace);
        self.call(
            "delete",
            "pods",
            Some(namespace),
            pods.delete(name, &DeleteParams::default()),
        )
        .await
        .map(drop)
    }
}

/// `violates PodSecurity "baseline:latest"` → `baseline`.
fn pod_security_level(message: &str) -> Option<&str> {
    let rest = message.split("violates PodSecurity \"").nth(1)?;
    rest.split([':', '"']).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pod_security_level_is_read_from_the_refusal() {
        let message = "pods \"web\" is forbidden: violates PodSecurity \"baseline:latest\": non-default capabilities (container \"debugger-x\" must not include \"SYS_PTRACE\" in securityContext.capabilities.add)";
        assert_eq!(pod_security_level(message), Some("baseline"));
        assert_eq!(pod_security_level("forbidden"), None);
    }
}
