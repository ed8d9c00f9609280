//! The process exit codes, in one place (documented in the README).

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success; for `explain --exit-code`, every selected pod is initialized and Ready (or
    /// Completed).
    Ok,
    /// An error that fits no narrower code.
    Error,
    /// The command line is wrong (clap uses 2 as well).
    Usage,
    /// `explain --exit-code`: at least one selected pod is blocked in initialization, or (without
    /// `--init-only`) not Ready and not Completed.
    Blocked,
    /// A pod, namespace or container that was named does not exist.
    NotFound,
    /// The cluster refused the credentials (401) or the permission (403).
    Denied,
    /// The cluster could not be reached, or did not answer in time.
    Unreachable,
    /// No usable kubeconfig: missing file, bad YAML, unknown context, cluster or user.
    Config,
    /// The command or feature is not available (yet, or on this server).
    Unavailable,
}

impl ExitCode {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Error => 1,
            ExitCode::Usage => 2,
            ExitCode::Blocked => 3,
            ExitCode::NotFound => 4,
            ExitCode::Denied => 5,
            ExitCode::Unreachable => 6,
            ExitCode::Config => 7,
            ExitCode::Unavailable => 8,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode::*;

    #[test]
    fn codes_are_distinct_and_stable() {
        let all = [
            Ok,
            Error,
            Usage,
            Blocked,
            NotFound,
            Denied,
            Unreachable,
            Config,
            Unavailable,
        ];
        let codes: Vec<u8> = all.iter().map(|c| c.code()).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
