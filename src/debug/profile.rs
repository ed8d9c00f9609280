//! `--profile`: small appliers of a security context, as in kubectl's debug profiles.

use clap::ValueEnum;
use k8s_openapi::api::core::v1::{
    Capabilities, EphemeralContainer, SeccompProfile, SecurityContext,
};

/// The profiles of `kubectl debug --profile`, applied to an ephemeral container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Profile {
    /// The most capable of general, baseline, restricted that the namespace's Pod Security admits
    Auto,
    /// Add SYS_PTRACE, to trace the target's processes (the default)
    #[default]
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
            Profile::Auto => "auto",
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
            add: Some(names.iter().map(std::string::ToString::to_string).collect()),
            drop: None,
        }),
        ..Default::default()
    }
}

impl Profile {
    /// Set the container's security context for this profile.
    pub fn apply(self, container: &mut EphemeralContainer) {
        container.security_context = match self {
            // `auto` is resolved (see [`resolve`]) before anything is applied.
            Profile::Auto | Profile::General => Some(add_capabilities(&["SYS_PTRACE"])),
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

/// The label Pod Security admission reads.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

/// True when a Pod Security level (`privileged`, `baseline`, `restricted`; none: privileged)
/// admits the container this profile makes. Baseline refuses added capabilities beyond its
/// default set (SYS_PTRACE, NET_ADMIN and NET_RAW among them) and privileged containers;
/// restricted admits only the restricted profile's settings.
pub fn admitted(level: Option<&str>, profile: Profile) -> bool {
    match level.unwrap_or("privileged") {
        "restricted" => profile == Profile::Restricted,
        "baseline" => matches!(profile, Profile::Baseline | Profile::Restricted),
        _ => true,
    }
}

/// `--profile auto`: the most capable profile for looking at an init container (general, then
/// baseline, then restricted) that the level admits, and the line that says why.
pub fn resolve(level: Option<&str>, profile: Profile) -> (Profile, Option<String>) {
    if profile != Profile::Auto {
        return (profile, None);
    }
    let chosen = [Profile::General, Profile::Baseline, Profile::Restricted]
        .into_iter()
        .find(|p| admitted(level, *p))
        .unwrap_or(Profile::Restricted);
    let why = match level {
        Some(level) => format!(
            "--profile auto: the namespace's {ENFORCE_LABEL} label is {level:?}: using the {chosen} profile"
        ),
        None => format!(
            "--profile auto: the namespace has no {ENFORCE_LABEL} label: using the {chosen} profile"
        ),
    };
    (chosen, Some(why))
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
    fn auto_picks_the_most_capable_admitted_profile() {
        let cases = [
            (None, Profile::General),
            (Some("privileged"), Profile::General),
            (Some("baseline"), Profile::Baseline),
            (Some("restricted"), Profile::Restricted),
        ];
        for (level, expected) in cases {
            let (chosen, why) = resolve(level, Profile::Auto);
            assert_eq!(chosen, expected, "{level:?}");
            assert!(why.unwrap().contains(ENFORCE_LABEL));
            assert!(admitted(level, chosen));
        }
        assert_eq!(
            resolve(Some("restricted"), Profile::Sysadmin),
            (Profile::Sysadmin, None)
        );
    }

    #[test]
    fn baseline_refuses_added_capabilities() {
        let cases = [
            ("baseline", Profile::General, false),
            ("baseline", Profile::Netadmin, false),
            ("baseline", Profile::Sysadmin, false),
            ("baseline", Profile::Baseline, true),
            ("baseline", Profile::Restricted, true),
            ("restricted", Profile::Baseline, false),
            ("restricted", Profile::Restricted, true),
            ("privileged", Profile::Sysadmin, true),
        ];
        for (level, profile, ok) in cases {
            assert_eq!(admitted(Some(level), profile), ok, "{level} {profile}");
        }
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
