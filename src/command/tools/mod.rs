//! The tools understood, one file per family, and the table that names them.
//!
//! To add a tool: a variant of [`Tool`], one entry in [`TOOLS`] (its names, what it asks, how
//! it waits) and, in its family's file, the `fn` that reads its arguments into [`Target`]s
//! (see `tcp::nc` for a host-and-port tool, `http::curl` for URLs). A new family is one
//! more file here.

mod bitnami;
mod classify;
mod cqlsh;
mod db;
mod dev_tcp;
mod dns;
pub mod entrypoints;
pub(super) mod env_url;
mod http;
mod k8s_entrypoint;
mod kafka;
mod kube;
mod kyverno;
mod minio;
pub mod pod_dependency;
mod probes;
mod readiness;
mod remote;
mod sleep;
mod tcp;
mod wait4x;
mod wait_for_port;
mod wrappers;

pub(in crate::command) use classify::classify;
pub(super) use dev_tcp::dev_tcp;

use super::args::Arg;
use super::line::Reader;
use super::{Extraction, HostTarget, Target};
use crate::command::expand::EnvTable;
use crate::command::shell::Ctx;

/// The tools understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Nslookup,
    Dig,
    Host,
    Getent,
    Ping,
    Nc,
    Telnet,
    WaitForPort,
    DevTcp,
    Curl,
    Wget,
    PgIsReady,
    Psql,
    Mysqladmin,
    Mysql,
    RedisCli,
    Mongo,
    Cqlsh,
    Kafka,
    Ssh,
    Python,
    WaitForIt,
    Dockerize,
    KubectlWait,
    K8sWaitFor,
    KubernetesEntrypoint,
    GrpcHealthProbe,
    Etcdctl,
    Wait4x,
    Sleep,
    KubectlRollout,
    /// A command not otherwise known, handed a service's URL in a variable (`env_url.rs`).
    UrlClient,
    KubectlGet,
    /// element-hq/ess-helm's matrix-tools image: `tcpwait -address HOST:PORT`.
    MatrixToolsTcpwait,
    /// ONAP's readiness image (`readiness.rs`).
    Readiness,
    /// `ylonkar/pod-dependency-init-container` (`pod_dependency.rs`).
    PodDependency,
    /// The MinIO client's `mc alias set` / `mc config host add` (`minio.rs`).
    Mc,
    /// Kyverno's `readiness-checker check-endpoints` (`kyverno.rs`).
    KyvernoReadiness,
}

/// What a tool needs of its target to succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asks {
    /// An answer from the name server: it ignores `/etc/hosts` (`nslookup`, `dig`, `host`).
    Dns,
    /// The name to resolve the way the libc resolver does, `/etc/hosts` included (`getent`,
    /// `ping`).
    Name,
    /// A listening port, not just a name.
    Port,
    /// Nothing on the network: the API server (`kubectl wait`) or the clock (`sleep`).
    Nothing,
}

/// One tool: how it is invoked, what it asks, how its arguments are read.
pub struct Spec {
    pub tool: Tool,
    /// The tool's name as users type it.
    pub name: &'static str,
    /// The command names that run it; `"kubectl wait"`: the command `kubectl` whose first
    /// argument is `wait`.
    pub commands: &'static [&'static str],
    pub asks: Asks,
    /// Waits by itself (outside a loop it is still a wait, not a check run once).
    pub waits: bool,
    /// May name no target and still be understood (`wait-for-it` with only `-- CMD`).
    pub target_optional: bool,
    /// Reads the arguments after the command name into targets.
    pub(super) read: fn(&mut Call) -> Vec<Target>,
}

/// The tools, by family.
pub const TOOLS: &[Spec] = &[
    // DNS tools
    spec(
        Tool::Nslookup,
        "nslookup",
        &["nslookup"],
        Asks::Dns,
        dns::nslookup,
    ),
    spec(Tool::Dig, "dig", &["dig"], Asks::Dns, dns::dig),
    spec(Tool::Host, "host", &["host"], Asks::Dns, dns::host),
    Spec {
        target_optional: true,
        ..spec(Tool::Getent, "getent", &["getent"], Asks::Name, dns::getent)
    },
    // TCP tools
    spec(
        Tool::Ping,
        "ping",
        &["ping", "ping6"],
        Asks::Name,
        tcp::ping,
    ),
    spec(
        Tool::Nc,
        "nc",
        &["nc", "ncat", "netcat"],
        Asks::Port,
        tcp::nc,
    ),
    spec(Tool::Telnet, "telnet", &["telnet"], Asks::Port, tcp::telnet),
    Spec {
        waits: true,
        ..spec(
            Tool::WaitForPort,
            "wait-for-port",
            &["wait-for-port"],
            Asks::Port,
            wait_for_port::wait_for_port,
        )
    },
    // bash connecting for a `/dev/tcp/HOST/PORT` redirection (no command name).
    spec(Tool::DevTcp, "bash", &[], Asks::Port, dev_tcp::none),
    // HTTP clients
    spec(Tool::Curl, "curl", &["curl"], Asks::Port, http::curl),
    spec(Tool::Wget, "wget", &["wget"], Asks::Port, http::wget),
    // Database clients
    spec(
        Tool::PgIsReady,
        "pg_isready",
        &["pg_isready"],
        Asks::Port,
        db::pg_isready,
    ),
    spec(Tool::Psql, "psql", &["psql"], Asks::Port, db::psql),
    spec(
        Tool::Mysqladmin,
        "mysqladmin",
        &["mysqladmin"],
        Asks::Port,
        db::mysql,
    ),
    spec(
        Tool::Mysql,
        "mysql",
        &["mysql", "mariadb"],
        Asks::Port,
        db::mysql,
    ),
    spec(
        Tool::RedisCli,
        "redis-cli",
        &["redis-cli"],
        Asks::Port,
        db::redis_cli,
    ),
    spec(
        Tool::Mongo,
        "mongosh",
        &["mongosh", "mongo"],
        Asks::Port,
        db::mongo,
    ),
    spec(Tool::Cqlsh, "cqlsh", &["cqlsh"], Asks::Port, cqlsh::cqlsh),
    spec(
        Tool::Kafka,
        "kafka",
        &[
            "kafka-topics",
            "kafka-topics.sh",
            "kafka-broker-api-versions",
            "kafka-broker-api-versions.sh",
            "kafka-consumer-groups",
            "kafka-consumer-groups.sh",
        ],
        Asks::Port,
        kafka::kafka,
    ),
    spec(
        Tool::Kafka,
        "kafka",
        &["kcat", "kafkacat"],
        Asks::Port,
        kafka::kcat,
    ),
    // Clients run by bitnami's shell libraries (`bitnami.rs`).
    spec(
        Tool::Psql,
        "psql",
        &["postgresql_execute"],
        Asks::Port,
        bitnami::postgresql_execute,
    ),
    spec(
        Tool::Psql,
        "psql",
        &["postgresql_remote_execute"],
        Asks::Port,
        bitnami::postgresql_remote_execute,
    ),
    Spec {
        waits: true,
        ..spec(
            Tool::Mongo,
            "mongosh",
            &["appsmith_wait_for_mongodb_connection"],
            Asks::Port,
            bitnami::appsmith_wait_for_mongodb_connection,
        )
    },
    Spec {
        waits: true,
        ..spec(
            Tool::RedisCli,
            "redis-cli",
            &["mastodon_wait_for_redis_connection"],
            Asks::Port,
            bitnami::mastodon_wait_for_redis_connection,
        )
    },
    // Wrappers
    // Other clients
    spec(Tool::Ssh, "ssh", &["ssh"], Asks::Port, remote::ssh),
    spec(Tool::Mc, "mc", &["mc"], Asks::Port, minio::mc),
    spec(
        Tool::Python,
        "python",
        &["python", "python3", "python2"],
        Asks::Port,
        remote::python,
    ),
    Spec {
        waits: true,
        target_optional: true,
        ..spec(
            Tool::WaitForIt,
            "wait-for-it",
            &["wait-for-it", "wait-for-it.sh", "wait-for", "wait-for.sh"],
            Asks::Port,
            wrappers::wait_for_it,
        )
    },
    Spec {
        waits: true,
        target_optional: true,
        ..spec(
            Tool::Dockerize,
            "dockerize",
            &["dockerize"],
            Asks::Port,
            wrappers::dockerize,
        )
    },
    // Kubernetes waiters
    Spec {
        waits: true,
        ..spec(
            Tool::KubectlWait,
            "kubectl wait",
            &["kubectl wait"],
            Asks::Nothing,
            kube::kubectl_wait,
        )
    },
    Spec {
        waits: true,
        ..spec(
            Tool::K8sWaitFor,
            "k8s-wait-for",
            &["wait_for.sh", "k8s-wait-for"],
            Asks::Nothing,
            kube::k8s_wait_for,
        )
    },
    Spec {
        waits: true,
        target_optional: true,
        ..spec(
            Tool::KubernetesEntrypoint,
            "kubernetes-entrypoint",
            &["kubernetes-entrypoint"],
            Asks::Nothing,
            k8s_entrypoint::kubernetes_entrypoint,
        )
    },
    Spec {
        waits: true,
        ..spec(
            Tool::KyvernoReadiness,
            "readiness-checker",
            &["readiness-checker check-endpoints"],
            Asks::Nothing,
            kyverno::check_endpoints,
        )
    },
    Spec {
        waits: true,
        ..spec(
            Tool::Readiness,
            "readiness",
            &["readiness"],
            Asks::Nothing,
            readiness::readiness,
        )
    },
    Spec {
        waits: true,
        // Says itself what it cannot read (`KUBE_NAMESPACE` unset).
        target_optional: true,
        ..spec(
            Tool::PodDependency,
            "pod-dependency-init-container",
            &["pod-dependency-init-container"],
            Asks::Nothing,
            pod_dependency::pod_dependency,
        )
    },
    // Clients of one service's protocol
    spec(
        Tool::GrpcHealthProbe,
        "grpc-health-probe",
        &["grpc-health-probe", "grpc_health_probe"],
        Asks::Port,
        probes::grpc_health_probe,
    ),
    spec(
        Tool::Etcdctl,
        "etcdctl",
        &["etcdctl"],
        Asks::Port,
        probes::etcdctl,
    ),
    Spec {
        waits: true,
        ..spec(
            Tool::Wait4x,
            "wait4x",
            &["wait4x"],
            Asks::Port,
            wait4x::wait4x,
        )
    },
    Spec {
        waits: true,
        ..spec(
            Tool::MatrixToolsTcpwait,
            "matrix-tools",
            &["matrix-tools tcpwait"],
            Asks::Port,
            probes::matrix_tools_tcpwait,
        )
    },
    // Timed waits
    Spec {
        waits: true,
        ..spec(
            Tool::Sleep,
            "sleep",
            &["sleep"],
            Asks::Nothing,
            sleep::sleep,
        )
    },
    Spec {
        waits: true,
        ..spec(
            Tool::KubectlRollout,
            "kubectl rollout status",
            &["kubectl rollout"],
            Asks::Nothing,
            kube::kubectl_rollout,
        )
    },
    // No command names it: the reader falls back to it (`env_url.rs`).
    spec(Tool::UrlClient, "client", &[], Asks::Port, no_arguments),
    spec(
        Tool::KubectlGet,
        "kubectl get",
        &["kubectl get"],
        Asks::Nothing,
        kube::kubectl_get_pods,
    ),
];

/// The reader of a tool no command names.
fn no_arguments(_: &mut Call) -> Vec<Target> {
    Vec::new()
}

/// An entry that is a check (not a waiter) and must name a target.
const fn spec(
    tool: Tool,
    name: &'static str,
    commands: &'static [&'static str],
    asks: Asks,
    read: fn(&mut Call) -> Vec<Target>,
) -> Spec {
    Spec {
        tool,
        name,
        commands,
        asks,
        waits: false,
        target_optional: false,
        read,
    }
}

impl Tool {
    /// The tool's entry in [`TOOLS`].
    pub fn spec(self) -> &'static Spec {
        TOOLS.iter().find(|s| s.tool == self).unwrap_or(&TOOLS[0])
    }

    /// True for tools that only ask DNS (they ignore `/etc/hosts`).
    pub fn dns_only(self) -> bool {
        self.spec().asks == Asks::Dns
    }

    /// True for tools that need a listening port, not just a name.
    pub fn connects(self) -> bool {
        self.spec().asks == Asks::Port
    }

    /// The tool's name as users type it.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// True for tools whose host targets name Services waited on through the API server (their
    /// endpoints or the pods they select), not hosts to resolve or reach.
    pub fn names_services(self) -> bool {
        matches!(
            self,
            Tool::KubernetesEntrypoint | Tool::Readiness | Tool::KyvernoReadiness
        )
    }
}

/// What a tool's reader gets: its arguments, and the command reader for the commands some
/// tools run in turn (`wait-for-it host:port -- CMD`).
pub(super) struct Call<'a, 'r> {
    pub reader: &'a Reader<'r>,
    pub tool: Tool,
    /// The arguments after the command name.
    pub args: &'a [Arg],
    pub env: &'a EnvTable,
    pub ctx: Ctx,
    pub out: &'a mut Extraction,
    pub depth: usize,
    pub timeout: Option<String>,
}

impl Call<'_, '_> {
    /// The container's environment variable `name`, as an argument written `$name`, when its
    /// value is known (`PGHOST`, `CQLSH_HOST`: what a client reads when no flag names a host).
    fn env_arg(&self, name: &str) -> Option<Arg> {
        match self.env.shell(name) {
            crate::command::expand::Value::Known { text, .. } => Some(Arg {
                written: format!("${name}"),
                text,
                ..Default::default()
            }),
            _ => None,
        }
    }
}

/// One host target.
fn one(h: HostTarget) -> Vec<Target> {
    vec![Target::Host(h)]
}

#[cfg(test)]
pub(super) mod tests {
    //! What the tool files' tables compare: each check as (tool, host or `local`, port, mode).
    use crate::command::{Part, Target, extract};
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    pub type Seen = (&'static str, &'static str, Option<u16>, &'static str);
    /// A case's environment: (name, value) pairs.
    pub type Env = &'static [(&'static str, &'static str)];

    /// The checks of `sh -c SCRIPT` with `env`.
    pub fn seen(script: &str, env: &[(&str, &str)]) -> Vec<Seen> {
        seen_in("sh", script, env)
    }

    /// Everything read from `SHELL -c SCRIPT`.
    pub fn extraction(shell: &str, script: &str) -> crate::command::Extraction {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "app", "namespace": "shop"},
            "spec": {"containers": [{"name": "main", "image": "busybox"}],
                     "initContainers": [{"name": "w", "image": "busybox",
                                         "command": [shell, "-c", script]}]}
        }))
        .unwrap();
        let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
        extract(&pod, c, None)
    }

    /// A row of a shapes table: (source, shell, script, environment, checks seen).
    pub type ScriptRow = (
        &'static str,
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        Vec<Seen>,
    );

    /// Each row's script must be seen as its row says ([`seen_in`]).
    pub fn check_rows(rows: Vec<ScriptRow>) {
        for (source, shell, script, env, want) in rows {
            assert_eq!(seen_in(shell, script, env), want, "{source}: {script}");
        }
    }

    /// The checks of `SHELL -c SCRIPT` with `env`.
    pub fn seen_in(shell: &str, script: &str, env: &[(&str, &str)]) -> Vec<Seen> {
        let env: Vec<_> = env
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v}))
            .collect();
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "app", "namespace": "shop"},
            "spec": {"containers": [{"name": "main", "image": "busybox"}],
                     "initContainers": [{"name": "w", "image": "busybox", "env": env,
                                         "command": [shell, "-c", script]}]}
        }))
        .unwrap();
        let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
        // Leaked: the table's strings live as long as the test.
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        extract(&pod, c, None)
            .checks
            .iter()
            .filter(|c| !(c.in_loop && matches!(c.target, Target::Sleep { .. })))
            .map(|c| {
                let (host, port) = match &c.target {
                    Target::Host(h) => (
                        match &h.host {
                            Part::Known(s) => leak(s.clone()),
                            _ => "?",
                        },
                        match h.port {
                            Some(Part::Known(p)) => Some(p),
                            _ => None,
                        },
                    ),
                    Target::Local { port, .. } => ("local", *port),
                    _ => ("-", None),
                };
                (c.tool.name(), host, port, leak(format!("{:?}", c.mode)))
            })
            .collect()
    }
}
