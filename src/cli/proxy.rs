//! `ocgen proxy`: the Caddyfile of the front door.

use std::io::Write;

use clap::Args;

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Failure, Outcome, TemplateArgs, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen proxy`.
#[derive(Debug, Args)]
pub(crate) struct ProxyArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
}

pub(crate) fn run(args: &ProxyArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (input, plan) = load_plan_for(ctx, Some(Target::Host))?;
    let Some(proxy) = &plan.proxy else {
        return Err(Failure::NoProxy { file: input.name });
    };
    let t = args.tpl.load()?;
    let text = render::caddy::render(&plan, proxy, &t)?;
    emit(out, &text)?;
    Ok(ExitStatus::Success)
}
