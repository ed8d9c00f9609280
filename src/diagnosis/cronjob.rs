//! `CronJobWithoutPods`: `explain cronjob/NAME` selects the pods of its Jobs; when there are
//! none and no Job recorded a refusal (`PodCreationFailed`), the CronJob itself says why — it
//! is suspended, its schedule has not come yet, or the Jobs it made are gone or have no pod
//! left. Pure: what the edge read of the CronJob in, at most one finding out.

use crate::finding::{Finding, ObjectRef, Severity, finding};

/// What the edge read of a CronJob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CronJobState {
    pub suspended: bool,
    pub schedule: String,
    /// `status.lastScheduleTime`, as written.
    pub last_schedule: Option<String>,
    /// How many Jobs it controls now.
    pub jobs: usize,
}

/// Why `owner` (a CronJob in `state`) has no pod.
pub fn without_pods(owner: &ObjectRef, state: &CronJobState) -> Finding {
    let (ns, name) = (&owner.namespace, &owner.name);
    let run_now = format!(
        "to run it once now: kubectl create job {name}-manual --from=cronjob/{name} -n {ns}"
    );
    let (severity, why, hint) = if state.suspended {
        (
            Severity::Warning,
            "it is suspended (spec.suspend: true), so it creates no Job".to_string(),
            format!(
                "resume it: kubectl patch cronjob {name} -n {ns} -p '{{\"spec\":{{\"suspend\":false}}}}'; or {run_now}"
            ),
        )
    } else if state.jobs > 0 {
        (
            Severity::Info,
            format!(
                "its {} Job(s) have no pod now (finished pods removed, or not created yet)",
                state.jobs
            ),
            format!(
                "see its Jobs: kubectl get jobs -n {ns} -o wide, and kubectl describe of the newest"
            ),
        )
    } else if let Some(at) = &state.last_schedule {
        (
            Severity::Info,
            format!(
                "it last ran at {at} and none of its Jobs is left (removed by successfulJobsHistoryLimit/failedJobsHistoryLimit or a ttlSecondsAfterFinished)"
            ),
            run_now,
        )
    } else {
        (
            Severity::Info,
            format!(
                "it has created no Job yet: its schedule {:?} has not come since it was created",
                state.schedule
            ),
            run_now,
        )
    };
    let mut f = finding(
        "CronJobWithoutPods",
        severity,
        None,
        format!("cronjob/{name} has no pod: {why}"),
    );
    f.evidence.push(format!(
        "schedule {:?}, suspend {}, last scheduled {}, Jobs now {}",
        state.schedule,
        state.suspended,
        state.last_schedule.as_deref().unwrap_or("never"),
        state.jobs
    ));
    f.hint = hint;
    f.resolved = Some(owner.clone());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_says_why_there_is_no_pod() {
        let owner = ObjectRef::new("CronJob", "shop", "nightly");
        let base = CronJobState {
            schedule: "0 8 * * *".into(),
            ..Default::default()
        };
        let cases = [
            (
                CronJobState {
                    suspended: true,
                    ..base.clone()
                },
                "suspended",
                "suspend\":false",
                Severity::Warning,
            ),
            (
                base.clone(),
                "has not come",
                "--from=cronjob/nightly",
                Severity::Info,
            ),
            (
                CronJobState {
                    last_schedule: Some("2026-01-01T08:00:00Z".into()),
                    ..base.clone()
                },
                "none of its Jobs is left",
                "--from=cronjob/nightly",
                Severity::Info,
            ),
            (
                CronJobState {
                    jobs: 2,
                    ..base.clone()
                },
                "2 Job(s) have no pod",
                "kubectl get jobs",
                Severity::Info,
            ),
        ];
        for (state, why, hint, severity) in cases {
            let f = without_pods(&owner, &state);
            assert_eq!(f.code, "CronJobWithoutPods");
            assert!(f.message.contains(why), "{}", f.message);
            assert!(f.hint.contains(hint), "{}", f.hint);
            assert_eq!(f.severity, severity);
        }
    }
}
