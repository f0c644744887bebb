//! `ocgen completions SHELL`: the shell's registration of ocgen's dynamic
//! completion.

use std::io::Write;

use clap::Args;

use super::{COMPLETE_VAR, ExitStatus, Failure, Outcome, command, emit};

/// The arguments of `ocgen completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// Shell.
    shell: clap_complete::Shell,
}

pub(crate) fn run(args: &CompletionsArgs, out: &mut dyn Write) -> Outcome {
    emit(out, &completions(args.shell)?)?;
    Ok(ExitStatus::Success)
}

/// The shell's registration of ocgen's dynamic completion: at each TAB the
/// shell asks `ocgen` itself (with `COMPLETE=<shell>` set), so that
/// `ocgen env <TAB>` offers the gateway names of the file. Shells without
/// dynamic support get clap's static script.
fn completions(shell: clap_complete::Shell) -> Result<String, Failure> {
    use clap_complete::env::EnvCompleter;
    let mut buf = Vec::new();
    let dynamic: Option<&dyn EnvCompleter> = match shell {
        clap_complete::Shell::Bash => Some(&clap_complete::env::Bash),
        clap_complete::Shell::Zsh => Some(&clap_complete::env::Zsh),
        clap_complete::Shell::Fish => Some(&clap_complete::env::Fish),
        clap_complete::Shell::Elvish => Some(&clap_complete::env::Elvish),
        clap_complete::Shell::PowerShell => Some(&clap_complete::env::Powershell),
        _ => None,
    };
    match dynamic {
        Some(c) => c
            .write_registration(COMPLETE_VAR, "ocgen", "ocgen", "ocgen", &mut buf)
            .map_err(|e| Failure::io("cannot write the completion script", e))?,
        None => clap_complete::generate(shell, &mut command(), "ocgen", &mut buf),
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
