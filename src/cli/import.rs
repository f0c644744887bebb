//! `ocgen import`: adopt an existing host. The work is in `crate::import`;
//! this file holds the command's arguments.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, Outcome};
use crate::import::Imported;

/// The arguments of `ocgen import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// A home to read: its .openclaw* state dirs, user units and LaunchAgents (repeatable).
    #[arg(long = "home", value_name = "DIR")]
    homes: Vec<PathBuf>,
    /// A state dir to read besides those under the homes (repeatable).
    #[arg(long = "state-dir", value_name = "DIR")]
    state_dirs: Vec<PathBuf>,
    /// A directory of system units (openclaw-gateway*.service) to read (repeatable).
    #[arg(long = "system-units", value_name = "DIR")]
    system_units: Vec<PathBuf>,
    /// The file to write; `-` prints it (the report then goes to standard error).
    #[arg(
        short = 'o',
        long = "out",
        value_name = "PATH",
        default_value = "ocgen.yaml"
    )]
    out: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    force: bool,
    /// Move gateways whose ports collide onto free ports of ocgen's
    /// 120-port grid (by default the file keeps the ports the host uses).
    #[arg(long)]
    fix_ports: bool,
}

impl From<&ImportArgs> for crate::import::Options {
    fn from(a: &ImportArgs) -> Self {
        crate::import::Options {
            homes: a.homes.clone(),
            state_dirs: a.state_dirs.clone(),
            system_units: a.system_units.clone(),
            out: a.out.clone(),
            force: a.force,
            fix_ports: a.fix_ports,
        }
    }
}

/// Reads the host and writes the file; the report goes to `err` when the
/// file goes to `out`.
pub(crate) fn run(args: &ImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    Ok(match crate::import::run(&args.into(), out, err)? {
        Imported::Clean => ExitStatus::Success,
        Imported::WithProblems => ExitStatus::Differs,
    })
}
