//! `ocgen init`: a starter ocgen.yaml (OpenClaw's main + rescue layout)
//! and its schema beside it, never over a file that exists without `--force`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::schema::schema_json;
use super::{ExitStatus, Failure, Outcome, emit};
use crate::write;

/// The arguments of `ocgen init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The file to write [default: ocgen.yaml]; the schema goes beside it.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    file: Option<PathBuf>,
    /// Overwrite the file and its schema if they exist.
    #[arg(long)]
    force: bool,
}

/// The starter file `ocgen init` writes.
const INIT_TEMPLATE: &str = include_str!("../../examples/rescue-bot.yaml");

/// The `home` of the starter file, named in the hint after it is written.
const STARTER_HOME: &str = "/home/openclaw";

pub(crate) fn run(args: &InitArgs, out: &mut dyn Write) -> Outcome {
    let path = args
        .file
        .clone()
        .unwrap_or_else(|| PathBuf::from("ocgen.yaml"));
    init(&path, args.force, out)
}

fn init(path: &Path, force: bool, out: &mut dyn Write) -> Outcome {
    if path == Path::new("-") {
        return Err(Failure::InitStdin);
    }
    let schema_path = path.with_file_name("ocgen.schema.json");
    let schema = schema_json()?;
    // The examples point at the schema beside them, as the file written
    // here does (examples/ocgen.schema.json links to the repository's).
    let text = INIT_TEMPLATE.to_string();
    // Stage beside the target, then hard-link: atomic, and it fails if the
    // target exists, so a person's file is never overwritten. With --force,
    // a rename replaces it (atomically too).
    let create = |p: &Path, contents: &str| -> Result<(), Failure> {
        if force {
            return write::write_atomic(p, contents, false)
                .map_err(|e| Failure::io(format!("cannot write {}", p.display()), e));
        }
        let tmp = write::stage(p, contents, false)
            .map_err(|e| Failure::io(format!("cannot create {}", p.display()), e))?;
        let linked = std::fs::hard_link(&tmp, p);
        let _ = std::fs::remove_file(&tmp);
        linked.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Failure::Exists { path: p.into() }
            } else {
                Failure::io(format!("cannot create {}", p.display()), e)
            }
        })
    };
    create(path, &text)?;
    let mut msg = format!("wrote {}\n", path.display());
    if schema_path.exists() && !force {
        let _ = writeln!(msg, "kept {} (already there)", schema_path.display());
    } else {
        create(&schema_path, &schema)?;
        let _ = writeln!(msg, "wrote {}", schema_path.display());
    }
    // `-f` only where it is not the default.
    let check = if path == Path::new("ocgen.yaml") {
        "ocgen check".to_string()
    } else {
        format!("ocgen check -f {}", path.display())
    };
    let _ = writeln!(
        msg,
        "next: change `home: {STARTER_HOME}` if the gateways run as another user, then run `{check}`"
    );
    emit(out, &msg)?;
    Ok(ExitStatus::Success)
}
