//! `ocgen kube`: the Kubernetes manifests as one YAML stream.

use std::io::Write;

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Outcome, emit};
use crate::render;
use crate::target::Target;

pub(crate) fn run(ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Kubernetes))?;
    emit(out, &render::kubernetes::render(&plan))?;
    Ok(ExitStatus::Success)
}
