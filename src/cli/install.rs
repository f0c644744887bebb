//! `ocgen install`: the bare-host deployment made real on this machine
//! (the work is `host::install`), and its report.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::ExitStatus;
use super::input::load_plan_for;
use super::{Ctx, Failure, TemplateArgs, emit, report};
use crate::host::InstallError;
use crate::target::Target;

/// The arguments of `ocgen install`.
#[derive(Debug, Args)]
pub(crate) struct InstallArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
    /// Install under DIR: every path of the plan, in the files too,
    /// becomes DIR/path (the gateways then run from there).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Replace files that differ from what ocgen would write.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(
    args: &InstallArgs,
    ctx: &Ctx,
    out: &mut dyn Write,
) -> Result<ExitStatus, Failure> {
    let (_, plan) = load_plan_for(ctx, Some(Target::Host))?;
    let t = args.tpl.load()?;
    let plan = match &args.root {
        Some(dir) => {
            let prefix = crate::host::root_prefix(dir).map_err(|e| Failure {
                status: ExitStatus::Usage,
                message: format!("error: {e}\n"),
            })?;
            plan.rooted(&prefix)
        }
        None => plan,
    };
    match crate::host::install(&plan, &t, args.force) {
        Ok(done) => {
            emit(out, &report::install_report(&plan, &done))?;
            Ok(ExitStatus::Success)
        }
        Err(InstallError::Template(e)) => Err(Failure::template(&e)),
        Err(InstallError::Io(e)) => Err(Failure::io("install failed, nothing was replaced", &e)),
        Err(InstallError::Foreign(files)) => {
            let mut message = String::new();
            for c in &files {
                message.push_str(&c.diff());
            }
            let _ = writeln!(
                message,
                "error: refusing to overwrite {} file{} that differ{} from what ocgen would write: {}",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                if files.len() == 1 { "s" } else { "" },
                files
                    .iter()
                    .map(|c| c.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let _ = writeln!(
                message,
                "help: move your changes into ocgen.yaml, or pass --force to replace them"
            );
            Err(Failure {
                status: ExitStatus::Refused,
                message,
            })
        }
    }
}
