//! The process exit codes, in one place (documented in the README).

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Success; for `explain --exit-code`, every selected pod is initialized and Ready (or
    /// Completed).
    Ok = 0,
    /// An error that fits no narrower code.
    Error = 1,
    /// The command line is wrong (clap uses 2 as well).
    Usage = 2,
    /// `explain --exit-code`: at least one selected pod is blocked in initialization, or (without
    /// `--init-only`) not Ready and not Completed.
    Blocked = 3,
    /// A pod, namespace or container that was named does not exist.
    NotFound = 4,
    /// The cluster refused the credentials (401) or the permission (403).
    Denied = 5,
    /// The cluster could not be reached, or did not answer in time.
    Unreachable = 6,
    /// No usable kubeconfig: missing file, bad YAML, unknown context, cluster or user.
    Config = 7,
    /// The command or feature is not available (yet, or on this server).
    Unavailable = 8,
}

impl ExitCode {
    /// The numeric code (the documented one: the discriminant).
    pub fn code(self) -> u8 {
        self as u8
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
        let codes = [
            (Ok, 0),
            (Error, 1),
            (Usage, 2),
            (Blocked, 3),
            (NotFound, 4),
            (Denied, 5),
            (Unreachable, 6),
            (Config, 7),
            (Unavailable, 8),
        ];
        for (exit, code) in codes {
            assert_eq!(exit.code(), code, "{exit:?}");
        }
    }
}
