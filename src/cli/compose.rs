//! `ocgen compose`: the Docker Compose file, one isolated service per gateway.

use std::io::Write;

use clap::Args;

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Outcome, TemplateArgs, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen compose`.
#[derive(Debug, Args)]
pub(crate) struct ComposeArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
}

pub(crate) fn run(args: &ComposeArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Compose))?;
    let t = args.tpl.load()?;
    let text = render::compose::render(&plan, &t)?;
    emit(out, &text)?;
    Ok(ExitStatus::Success)
}
