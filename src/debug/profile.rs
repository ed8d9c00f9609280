//! `--profile`: small appliers of a security context, as in kubectl's debug profiles.

use clap::ValueEnum;
use k8s_openapi::api::core::v1::{
    Capabilities, EphemeralContainer, SeccompProfile, SecurityContext,
};

/// The profiles of `kubectl debug --profile`, applied to an ephemeral container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Add SYS_PTRACE, to trace the target's processes (the default)
    General,
    /// No security context: what Pod Security "baseline" allows
    Baseline,
    /// Non-root, all capabilities dropped, no privilege escalation, seccomp RuntimeDefault
    Restricted,
    /// Add NET_ADMIN and NET_RAW, for network tools
    Netadmin,
    /// Privileged
    Sysadmin,
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Profile::General => "general",
            Profile::Baseline => "baseline",
            Profile::Restricted => "restricted",
            Profile::Netadmin => "netadmin",
            Profile::Sysadmin => "sysadmin",
        };
        f.write_str(name)
    }
}

fn add_capabilities(names: &[&str]) -> SecurityContext {
    SecurityContext {
        capabilities: Some(Capabilities {
            add: Some(names.iter().map(|s| s.to_string()).collect()),
            drop: None,
        }),
        ..Default::default()
    }
}

impl Profile {
    /// Set the container's security context for this profile.
    pub fn apply(self, container: &mut EphemeralContainer) {
        container.security_context = match self {
            Profile::General => Some(add_capabilities(&["SYS_PTRACE"])),
            Profile::Baseline => None,
            Profile::Restricted => Some(SecurityContext {
                run_as_non_root: Some(true),
                allow_privilege_escalation: Some(false),
                capabilities: Some(Capabilities {
                    add: None,
                    drop: Some(vec!["ALL".into()]),
                }),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    localhost_profile: None,
                }),
                ..Default::default()
            }),
            Profile::Netadmin => Some(add_capabilities(&["NET_ADMIN", "NET_RAW"])),
            Profile::Sysadmin => Some(SecurityContext {
                privileged: Some(true),
                ..Default::default()
            }),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(profile: Profile) -> serde_json::Value {
        let mut c = EphemeralContainer {
            name: "d".into(),
            ..Default::default()
        };
        profile.apply(&mut c);
        serde_json::to_value(c.security_context).unwrap()
    }

    #[test]
    fn each_profile_sets_what_kubectl_sets() {
        assert_eq!(
            applied(Profile::General),
            serde_json::json!({"capabilities": {"add": ["SYS_PTRACE"]}})
        );
        assert_eq!(applied(Profile::Baseline), serde_json::Value::Null);
        assert_eq!(
            applied(Profile::Restricted),
            serde_json::json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
                               "runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}})
        );
        assert_eq!(
            applied(Profile::Netadmin),
            serde_json::json!({"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}})
        );
        assert_eq!(
            applied(Profile::Sysadmin),
            serde_json::json!({"privileged": true})
        );
    }
}
