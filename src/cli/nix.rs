//! `ocgen nix`: the values of ocgen's NixOS module for every gateway, or,
//! with `--self-contained`, one file holding the module and the values.

use std::io::Write;

use clap::Args;

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Outcome, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen nix`.
#[derive(Debug, Args)]
pub(crate) struct NixArgs {
    /// Print one self-contained module for users without flakes: ocgen's
    /// module (nix/module.nix) byte for byte, then the values.
    #[arg(long)]
    self_contained: bool,
}

pub(crate) fn run(args: &NixArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Nixos))?;
    let text = if args.self_contained {
        render::nixos::render_self_contained(&plan)?
    } else {
        render::nixos::render(&plan)?
    };
    emit(out, &text)?;
    Ok(ExitStatus::Success)
}
