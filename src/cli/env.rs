//! `ocgen env NAME`: the env file of one gateway.

use std::io::Write;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::input::{find_gateway, gateway_candidates, load_plan_for};
use super::{Ctx, ExitStatus, Outcome, TemplateArgs, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen env`.
#[derive(Debug, Args)]
pub(crate) struct EnvArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
    /// Gateway name.
    #[arg(add = ArgValueCandidates::new(gateway_candidates))]
    name: String,
}

pub(crate) fn run(args: &EnvArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Host))?;
    let t = args.tpl.load()?;
    let g = find_gateway(&plan, &args.name)?;
    let text = render::env::render(g, &t)?;
    emit(out, &text)?;
    Ok(ExitStatus::Success)
}
