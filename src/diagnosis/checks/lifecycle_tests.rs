//! The lifecycle findings on pods recorded on the real node (`tests/data/lifecycle/`): the
//! kubelet v1.37 wrote these statuses and events; each case names the finding it must give,
//! words it must say, and the findings it must not give beside it.

use crate::diagnosis::Severity;
use crate::diagnosis::checks::testing::*;

struct Case {
    file: &'static str,
    logs: &'static [(&'static str, &'static str)],
    code: &'static str,
    container: Option<&'static str>,
    severity: Severity,
    /// Each must appear in the message, an evidence line or the hint.
    says: &'static [&'static str],
    /// Codes that must not be found beside it.
    not: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        file: "ready404",
        logs: &[],
        code: "ReadinessProbeFailing",
        container: Some("web"),
        severity: Severity::Error,
        says: &[
            "readinessProbe: httpGet :80/index1.html, every 2s, first after 1s",
            "HTTP probe failed with statuscode: 404",
            "404: the server answers on port 80 but has nothing at /index1.html",
            "wget -qO- http://127.0.0.1:80/index1.html",
            "never restarts it",
        ],
        not: &[
            "LivenessProbeRestarting",
            "AppCrashLoop",
            "ProbePortNotDeclared",
        ],
    },
    Case {
        file: "undeclared",
        logs: &[],
        code: "ProbePortNotDeclared",
        container: Some("app"),
        severity: Severity::Warning,
        says: &[
            "probes port 8080",
            "declared: 80 (http, app)",
            "connection refused",
        ],
        not: &[],
    },
    Case {
        file: "undeclared",
        logs: &[],
        code: "ReadinessProbeFailing",
        container: Some("app"),
        severity: Severity::Error,
        says: &[
            "connection refused: nothing listens on port 8080",
            "0.0.0.0",
        ],
        not: &[],
    },
    Case {
        file: "live",
        logs: &[],
        code: "LivenessProbeRestarting",
        container: Some("app"),
        severity: Severity::Error,
        says: &[
            "because its livenessProbe failed",
            "livenessProbe: exec test -e /tmp/healthy, every 2s, first after 1s, gives up after 2 failures",
            "restarted before it could ever become healthy",
            "failed liveness probe, will be restarted",
            "startupProbe",
        ],
        not: &["AppCrashLoop", "AppExitedNonZero", "ReadinessProbeFailing"],
    },
    Case {
        file: "poststart",
        logs: &[],
        code: "PostStartHookFailed",
        container: Some("app"),
        severity: Severity::Error,
        says: &[
            "lifecycle.postStart: exec sh -c echo hook failing; exit 7",
            "FailedPostStartHook",
            "SIGKILL",
            "spec.containers[0].lifecycle.postStart",
        ],
        not: &["AppCrashLoop", "AppExitedNonZero"],
    },
    Case {
        file: "ports",
        logs: &[("web2", "nc: bind: Address already in use\n")],
        code: "PortConflictInPod",
        container: Some("web2"),
        severity: Severity::Error,
        says: &[
            "web1 declares the same port",
            "log says: nc: bind: Address already in use",
            "declared: web2 containerPort 80/TCP",
        ],
        not: &["AppExitedNonZero", "AppCrashLoop"],
    },
    Case {
        file: "httpd2",
        logs: &[("web2", "httpd: bind: Address already in use\n")],
        code: "PortConflictInPod",
        container: Some("web2"),
        severity: Severity::Error,
        says: &["another container of the pod already binds that port"],
        not: &["AppExitedNonZero"],
    },
    Case {
        file: "execmissing",
        logs: &[],
        code: "ProbeCommandNotFound",
        container: Some("app"),
        severity: Severity::Error,
        says: &[
            "its readinessProbe runs \"pg_isready\", which the image \"busybox:1.35\" does not have",
            "executable file not found in $PATH",
            "which pg_isready",
        ],
        not: &["ReadinessProbeFailing"],
    },
    Case {
        file: "sandbox",
        logs: &[],
        code: "SandboxNotReady",
        container: None,
        severity: Severity::Error,
        says: &[
            "condition PodReadyToStartContainers False (PodSandboxNotReady)",
            "no runtime for \"nope\" is configured",
            "no handler for the pod's RuntimeClass",
            "kubectl get runtimeclass h15-nope",
        ],
        not: &["AppContainersStarting"],
    },
    Case {
        file: "hp2",
        logs: &[],
        code: "HostPortConflict",
        container: None,
        severity: Severity::Error,
        says: &[
            "rejected the pod",
            "didn't have free ports",
            "hostPort 18901/TCP (a, containerPort 80)",
        ],
        not: &[],
    },
    Case {
        file: "crashapp",
        logs: &[("app", "boom\n")],
        code: "AppCrashLoop",
        container: Some("app"),
        severity: Severity::Error,
        says: &["exits 3 (Error)", "boom", "kubectl logs"],
        not: &["AppContainersStarting", "CrashLoop"],
    },
    Case {
        file: "neverapp",
        logs: &[("app", "boom\n")],
        code: "AppExitedNonZero",
        container: Some("app"),
        severity: Severity::Error,
        says: &["restartPolicy is Never, so it will not run again", "boom"],
        not: &["SandboxNotReady", "ExitedNonZero"],
    },
    Case {
        file: "pullapp",
        logs: &[],
        code: "AppImagePullFailed",
        container: Some("app"),
        severity: Severity::Error,
        says: &[
            "cannot pull image \"nginx:1.14.2\"",
            "the node can reach its registry",
        ],
        not: &["AppContainersStarting", "ImagePullFailed"],
    },
];

#[test]
fn lifecycle_findings_on_pods_recorded_on_the_real_node() {
    for case in CASES {
        let e = recorded(case.file, case.logs);
        // Exactly one finding with the code, about the container.
        only(&e, case.code);
        check_recorded(
            &e,
            case.file,
            case.code,
            case.container,
            case.severity,
            case.says,
            case.not,
        );
    }
}
