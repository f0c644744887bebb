//! `ocgen nix`: the NixOS module that runs every gateway.

use std::io::Write;

use clap::Args;

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Outcome, TemplateArgs, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen nix`.
#[derive(Debug, Args)]
pub(crate) struct NixArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
}

pub(crate) fn run(args: &NixArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Nixos))?;
    let t = args.tpl.load()?;
    let text = render::nixos::render(&plan, &t)?;
    emit(out, &text)?;
    Ok(ExitStatus::Success)
}
