//! How `ocgen` exits: sysexits-style codes, the contract with scripts and
//! CI. `--help`, the man page's EXIT STATUS and the README's table are all
//! written from [`ExitStatus`] (a test keeps the README's equal).

/// The outcome of a run, and the code it exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything went as asked.
    Success,
    /// A check found a difference: `generate --check` a file that would
    /// change, `status` a gateway that is not healthy, `check --host` a
    /// reserved port in use, either a seeded config that strays, `doctor`
    /// a host that differs from the plan.
    Differs,
    /// A bad command line (clap's own code).
    Usage,
    /// The input file is invalid (`EX_DATAERR`).
    Invalid,
    /// A file exists that ocgen did not write (or that differs from what it
    /// would write), and `--force` was not given (`EX_CANTCREAT`).
    Refused,
    /// A file could not be read or written (`EX_IOERR`).
    Io,
    /// A live operation failed (`EX_UNAVAILABLE`): a backup, a restore, or
    /// a rollout (which put the gateway back first).
    Failed,
}

impl ExitStatus {
    /// Every status, in the order of their codes.
    pub const ALL: [ExitStatus; 7] = [
        ExitStatus::Success,
        ExitStatus::Differs,
        ExitStatus::Usage,
        ExitStatus::Invalid,
        ExitStatus::Failed,
        ExitStatus::Refused,
        ExitStatus::Io,
    ];

    /// The process's exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Differs => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Invalid => 65,
            ExitStatus::Refused => 73,
            ExitStatus::Io => 74,
            ExitStatus::Failed => 69,
        }
    }

    /// What the code means, for the man page and the README (Markdown
    /// code spans in backticks).
    pub fn meaning(self) -> &'static str {
        match self {
            ExitStatus::Success => "success",
            ExitStatus::Differs => {
                "`generate --check` found files that differ; `status`: a gateway is not healthy; `check --host`: a reserved port is in use; `status` and `check --host`: a seeded config strays from what ocgen pins; `import`: the file was written, but the host has problems (see the report); `doctor`: what runs on this host differs from ocgen.yaml, or a gateway ocgen does not manage sits beside it"
            }
            ExitStatus::Usage => {
                "usage error (unknown flag, unknown gateway name, a `--templates` directory that does not exist)"
            }
            ExitStatus::Invalid => {
                "the input file is invalid, or lacks what the command prints (`proxy` without `proxy:`)"
            }
            ExitStatus::Refused => {
                "`generate`/`install`/`init` refused to overwrite a file ocgen did not write (or that was edited since); `--force` overwrites (`init --force` too)"
            }
            ExitStatus::Io => "a file could not be read or written",
            ExitStatus::Failed => {
                "`backup`, `restore` or `rollout` failed on a gateway (a rollout first puts back the gateway's previous version and state); the report says what was done to each"
            }
        }
    }

    /// The few words `--help` says of it.
    fn brief(self) -> &'static str {
        match self {
            ExitStatus::Success => "ok",
            ExitStatus::Differs => {
                "drift found by --check, a gateway not healthy (status), a reserved port in use (check --host) or a host that differs from the plan (doctor)"
            }
            ExitStatus::Usage => "usage",
            ExitStatus::Invalid => "invalid input",
            ExitStatus::Refused => "refused to overwrite a file ocgen did not write",
            ExitStatus::Io => "I/O error",
            ExitStatus::Failed => "a backup, restore or rollout failed",
        }
    }

    /// The line `ocgen --help` ends with.
    pub(crate) fn help() -> String {
        let codes: Vec<String> = Self::ALL
            .iter()
            .map(|s| format!("{} {}", s.code(), s.brief()))
            .collect();
        format!("Exit codes: {}.", codes.join(", "))
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_in_order() {
        let codes: Vec<u8> = ExitStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 1, 2, 65, 69, 73, 74]);
    }

    #[test]
    fn the_help_line_names_every_code() {
        assert_eq!(
            ExitStatus::help(),
            "Exit codes: 0 ok, 1 drift found by --check, a gateway not healthy (status), a \
             reserved port in use (check --host) or a host that differs from the plan (doctor), 2 usage, 65 invalid input, 69 a backup, restore or rollout failed, 73 refused to \
             overwrite a file ocgen did not write, 74 I/O error."
        );
    }
}
