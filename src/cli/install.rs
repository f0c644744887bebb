//! `ocgen install`: the bare-host deployment made real on this machine
//! (the work is `host::install`), and its report.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Outcome, TemplateArgs, emit, report};
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

pub(crate) fn run(args: &InstallArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Host))?;
    let t = args.tpl.load()?;
    let root = match &args.root {
        Some(dir) => crate::host::root_prefix(dir)?,
        None => String::new(),
    };
    let plan = if args.root.is_some() {
        plan.rooted(&root)
    } else {
        plan
    };
    let done = crate::host::install(&plan, &t, args.force)?;
    // Units installed under the name ocgen gave them before it named them
    // by profile: stopped, disabled and set aside, so that they do not run
    // a second copy of a gateway beside its renamed unit.
    let home = std::env::var("HOME").ok();
    let dirs = crate::host::unit_dirs(&root, home.as_deref());
    let retired = crate::host::retire_former_units(
        &plan,
        &dirs,
        args.root.is_none(),
        &crate::host::utc_stamp(),
    )
    .map_err(crate::host::InstallError::Io)?;
    emit(out, &report::install_report(&plan, &done))?;
    emit(out, &report::retired_report(&retired))?;
    Ok(ExitStatus::Success)
}
