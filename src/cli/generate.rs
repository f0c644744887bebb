//! `ocgen generate --out DIR`: every output file of the plan written into
//! a directory, or (`--check`) the diff of what would change.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::input::load_plan;
use super::{Ctx, ExitStatus, Failure, Outcome, TemplateArgs, emit};
use crate::render::{self, OutFile};
use crate::write::{self, Action, Refused};

/// The arguments of `ocgen generate`.
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
    /// Output directory.
    #[arg(long, short = 'o', value_name = "DIR")]
    out: PathBuf,
    /// Write nothing; print a diff of what would change and exit 1 if anything would.
    #[arg(long)]
    check: bool,
    /// Overwrite or delete files that ocgen did not write (or that were edited since).
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &GenerateArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan(ctx)?;
    let t = args.tpl.load()?;
    let files = render::tree(&plan, &t)?;
    generate(args, &files, out)
}

fn generate(args: &GenerateArgs, files: &[OutFile], out: &mut dyn Write) -> Outcome {
    let (dir, check) = (args.out.as_path(), args.check);
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::OutNotDir { dir: dir.into() });
    }
    if !check {
        // A killed earlier run: finish or undo it before comparing.
        write::recover(&dir.join(write::JOURNAL))
            .map_err(|e| Failure::io("cannot finish the interrupted run in the output tree", e))?;
    }
    let changes =
        write::changes(dir, files).map_err(|e| Failure::io("cannot read the output tree", e))?;
    let pending: Vec<&write::Change> = changes
        .iter()
        .filter(|c| c.action != Action::Keep)
        .collect();
    if check {
        if pending.is_empty() {
            emit(
                out,
                &format!("{}: {} files up to date\n", dir.display(), files.len()),
            )?;
            return Ok(ExitStatus::Success);
        }
        let mut s = String::new();
        for c in &pending {
            s.push_str(&c.diff());
        }
        let _ = writeln!(
            s,
            "{}: {} file{} would change; run `ocgen generate --out {}` to update",
            dir.display(),
            pending.len(),
            if pending.len() == 1 { "" } else { "s" },
            dir.display()
        );
        emit(out, &s)?;
        return Ok(ExitStatus::Differs);
    }
    let foreign: Vec<&write::Change> = pending.iter().copied().filter(|c| c.foreign).collect();
    if !foreign.is_empty() && !args.force {
        return Err(Refused::new(dir, &foreign).into());
    }
    write::apply(dir, files, &changes)
        .map_err(|e| Failure::io("cannot write the output tree", e))?;
    let count = |a: Action| pending.iter().filter(|c| c.action == a).count();
    emit(
        out,
        &format!(
            "{}: {} created, {} updated, {} deleted, {} unchanged\n",
            dir.display(),
            count(Action::Create),
            count(Action::Update),
            count(Action::Delete),
            changes.len() - pending.len()
        ),
    )?;
    Ok(ExitStatus::Success)
}
