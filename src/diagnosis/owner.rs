//! Fixes aimed at the owner: a pod made by a controller is fixed in the controller's pod
//! template, not in the pod (a change to the pod is lost when it is replaced, and most of its
//! spec cannot be changed at all). Generic over finding codes: any hint that changes the pod
//! spec — names a `spec.` field of the pod, or says to recreate the pod — is retargeted.

use crate::finding::{Finding, ObjectRef};

/// Pod spec fields a hint may name, rewritten under the owner's template.
const POD_FIELDS: [&str; 4] = [
    "spec.initContainers",
    "spec.containers",
    "spec.activeDeadlineSeconds",
    "spec.restartPolicy",
];

/// Phrases of fixes that change the pod spec without naming a field.
const SPEC_CHANGES: [&str; 4] = [
    "or fix the command",
    "use an image",
    "set imagePullPolicy",
    "imagePullSecret to the pod",
];

/// Phrases that tell the user to recreate the pod by hand; the owner does that.
const RECREATE: [&str; 4] = [
    ", then recreate the pod (or fix the workload's template)",
    " and recreate the pod",
    ", then recreate the pod",
    " (the pod must be recreated for that)",
];

/// `deployment/api`, as kubectl names an object on its command line.
pub fn short_name(owner: &ObjectRef) -> String {
    format!("{}/{}", owner.kind.to_ascii_lowercase(), owner.name)
}

/// Where the pod spec lives in the owner: `spec.template.spec.`, a CronJob's one level deeper.
pub fn template_path(owner: &ObjectRef) -> &'static str {
    if owner.kind == "CronJob" {
        "spec.jobTemplate.spec.template.spec."
    } else {
        "spec.template.spec."
    }
}

/// The command that changes the pod template of `owner`.
pub fn edit_command(owner: &ObjectRef) -> String {
    let object = short_name(owner);
    let ns = &owner.namespace;
    if owner.kind == "Job" {
        // A Job's template is immutable: replace the Job.
        format!(
            "a Job's pod template cannot be changed: `kubectl get {object} -n {ns} -o yaml > job.yaml`, fix it there, then `kubectl replace --force -f job.yaml`"
        )
    } else {
        format!("`kubectl edit {object} -n {ns}`")
    }
}

/// Point every pod-spec fix of `findings` at `owner`.
pub fn retarget(findings: &mut [Finding], owner: &ObjectRef, pod: &str) {
    for f in findings {
        if let Some(hint) = retargeted(&f.hint, owner, pod) {
            f.hint = hint;
        }
    }
}

/// The hint, aimed at the owner, when it changes the pod spec.
fn retargeted(hint: &str, owner: &ObjectRef, pod: &str) -> Option<String> {
    let mut out = hint.to_string();
    let mut spec_fix = false;
    for field in POD_FIELDS {
        if out.contains(field) {
            let under = format!("{}{}", template_path(owner), &field["spec.".len()..]);
            out = out.replace(field, &under);
            spec_fix = true;
        }
    }
    // "…recreate the pod: kubectl delete pod NAME -n NS and apply its manifest again (…)".
    let delete = format!(
        ", then recreate the pod: kubectl delete pod {pod} -n {}",
        owner.namespace
    );
    if let Some(at) = out.find(&delete) {
        out.truncate(at);
        spec_fix = true;
    }
    for phrase in RECREATE {
        if out.contains(phrase) {
            out = out.replace(phrase, "");
            spec_fix = true;
        }
    }
    if SPEC_CHANGES.iter().any(|p| out.contains(p)) {
        spec_fix = true;
    }
    if !spec_fix {
        return None;
    }
    let edit = edit_command(owner);
    let object = short_name(owner);
    let mut text = format!(
        "{} — in the pod template of {object}: {edit}",
        out.trim_end()
    );
    if owner.kind == "StatefulSet" {
        text.push_str(&format!(
            " (a StatefulSet does not replace a pod stuck in init: then `kubectl delete pod {pod} -n {}`)",
            owner.namespace
        ));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_spec_fixes_name_the_owner_and_its_template() {
        let deploy = ObjectRef::new("Deployment", "shop", "api");
        let cron = ObjectRef::new("CronJob", "shop", "nightly");
        let job = ObjectRef::new("Job", "shop", "migrate");
        let sts = ObjectRef::new("StatefulSet", "shop", "db");
        let cases: [(&str, &ObjectRef, Option<&str>); 6] = [
            (
                "fix the image reference \"x\" in spec.initContainers[1].image",
                &deploy,
                Some(
                    "fix the image reference \"x\" in spec.template.spec.initContainers[1].image — in the pod template of deployment/api: `kubectl edit deployment/api -n shop`",
                ),
            ),
            (
                "fix the cause, then recreate the pod: kubectl delete pod api-1 -n shop and apply its manifest again (a Job or Deployment recreates pods for you)",
                &cron,
                Some(
                    "fix the cause — in the pod template of cronjob/nightly: `kubectl edit cronjob/nightly -n shop`",
                ),
            ),
            (
                "raise spec.activeDeadlineSeconds (the pod must be recreated for that)",
                &cron,
                Some(
                    "raise spec.jobTemplate.spec.template.spec.activeDeadlineSeconds — in the pod template of cronjob/nightly: `kubectl edit cronjob/nightly -n shop`",
                ),
            ),
            (
                "fix the script in spec.initContainers[0].command, then recreate the pod (or fix the workload's template)",
                &job,
                Some(
                    "fix the script in spec.template.spec.initContainers[0].command — in the pod template of job/migrate: a Job's pod template cannot be changed: `kubectl get job/migrate -n shop -o yaml > job.yaml`, fix it there, then `kubectl replace --force -f job.yaml`",
                ),
            ),
            (
                "the command cannot run as written: fix the script of init container wait and recreate the pod",
                &sts,
                Some(
                    "the command cannot run as written: fix the script of init container wait — in the pod template of statefulset/db: `kubectl edit statefulset/db -n shop` (a StatefulSet does not replace a pod stuck in init: then `kubectl delete pod api-1 -n shop`)",
                ),
            ),
            ("apply the Service (`kubectl apply -f -`)", &deploy, None),
        ];
        for (hint, owner, want) in cases {
            assert_eq!(retargeted(hint, owner, "api-1").as_deref(), want, "{hint}");
        }
    }
}
