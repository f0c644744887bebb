//! The command line: clap definitions, one file per command, and the glue
//! that runs them. Everything here is I/O and presentation; the work is in
//! `model`, `plan`, `render`, `write` and `host`.
//!
//! Each command file holds the clap `Args` of its command and a `run` that
//! does it (cargo's `commands/`, uv's `Commands`). The options every command
//! shares (`-f`, `--color`) are `GlobalArgs`, declared once and accepted
//! before or after the command. What a command reads (the file, the plan,
//! templates, a gateway by name) is in `input`; what it prints as a table
//! in `report`; the man page in `man`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

mod backup;
mod check;
mod completions;
mod compose;
mod config;
mod doctor;
mod env;
mod exit;
mod failure;
mod generate;
mod import;
mod init;
mod input;
mod install;
mod kube;
mod launchd;
mod man;
mod nix;
mod ports;
mod proxy;
mod report;
mod restore;
mod rollout;
mod schema;
mod status;
mod systemd;
mod table;

pub use exit::ExitStatus;
pub(crate) use failure::Failure;
pub use report::ports;

/// Generate side-by-side OpenClaw gateway deployments from one file.
///
/// ocgen reads ocgen.yaml (a list of gateways), checks that they can run
/// side by side on one host (ports, profiles, paths, auth), and writes what
/// each one needs: env files, openclaw.json configs and deployment files.
#[derive(Debug, Parser)]
#[command(name = "ocgen", version, about, long_about)]
#[command(after_help = ExitStatus::help())]
pub(crate) struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// The options of every command that reads the deployment file, accepted
/// before or after the command.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The deployment file [default: ocgen.yaml]; `-` reads standard input.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "PATH",
        global = true,
        help_heading = GLOBAL
    )]
    file: Option<PathBuf>,
    /// When to colour diagnostics [default: auto].
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        global = true,
        help_heading = GLOBAL
    )]
    color: Option<Color>,
}

/// The heading of the global options in each command's `--help`.
const GLOBAL: &str = "Global options";

/// The commands that read no deployment file, whose `--help` leaves the
/// global options out (they are accepted there and mean nothing); `init`
/// has a `-f` of its own, the file it writes. In the order of [`Command`]:
/// each is moved to the end of the list as it is changed, and the man page
/// lists them in that order.
const NO_INPUT: &[(&str, &[&str])] = &[
    ("schema", &["file", "color"]),
    ("init", &["color"]),
    ("import", &["file", "color"]),
    ("completions", &["file", "color"]),
    ("man", &["file", "color"]),
];

/// The command line as clap sees it: [`Cli`] with the global options hidden
/// where they mean nothing. A subcommand that already has an argument of
/// that id does not receive the global one, so a hidden copy takes its place.
pub(crate) fn command() -> clap::Command {
    let globals = GlobalArgs::augment_args(clap::Command::new("globals"));
    let mut cmd = Cli::command();
    for (name, ids) in NO_INPUT {
        let hidden: Vec<clap::Arg> = globals
            .get_arguments()
            .filter(|a| ids.contains(&a.get_id().as_str()))
            .map(|a| a.clone().global(false).hide(true))
            .collect();
        cmd = cmd.mut_subcommand(name, |sub| sub.args(hidden));
    }
    cmd
}

/// The option of every command that renders a template.
#[derive(Debug, Args)]
pub(crate) struct TemplateArgs {
    /// Use templates from DIR instead of the built-in ones (files named as in templates/).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[allow(missing_docs)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

/// Output format of listing commands.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Format {
    Table,
    Json,
}

/// Subcommands: each wraps the arguments of its file.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate the file and print one line per gateway.
    Check(check::CheckArgs),
    /// Print the port plan: every range each gateway reserves.
    Ports(ports::PortsArgs),
    /// Print the env file of one gateway.
    Env(env::EnvArgs),
    /// Print the openclaw.json of one gateway.
    Config(config::ConfigArgs),
    /// Print the values of ocgen's NixOS module for every gateway (`nixos/openclaw-gateways.nix`).
    Nix(nix::NixArgs),
    /// Print the systemd unit of one gateway (`systemd/openclaw-gateway-<profile>.service`).
    Systemd(systemd::SystemdArgs),
    /// Print the macOS LaunchAgent of one gateway (`launchd/ai.openclaw.<profile>.plist`).
    Launchd(launchd::LaunchdArgs),
    /// Print the Docker Compose file: one isolated service per gateway.
    Compose(compose::ComposeArgs),
    /// Print the Caddyfile of the front door (`proxy:`): every gateway
    /// behind one HTTPS reverse proxy, at its own host name or path.
    Proxy(proxy::ProxyArgs),
    /// Print the Kubernetes manifests as one YAML stream (`ocgen kube |
    /// kubectl apply -f -`): per gateway a StatefulSet, Service, ConfigMap
    /// and NetworkPolicy; the namespaces first.
    Kube,
    /// Write every output file into a directory.
    Generate(generate::GenerateArgs),
    /// Make the bare-host deployment real on this machine: create each
    /// gateway's state dir and workspace (0700), write its openclaw.json to
    /// its config path and its env file beside it (`<config dir>/<name>.env`, 0600).
    ///
    /// Idempotent. A file that differs from what ocgen would write is not
    /// replaced without --force; the diff is shown. All files are staged
    /// before any is renamed into place.
    Install(install::InstallArgs),
    /// Back up gateways now, on this machine: one archive each, made by
    /// OpenClaw's own `openclaw backup create --verify` into the gateway's
    /// archive directory (`backup.dir`/<gateway>/, 0700; archives 0600),
    /// then the newest `backup.keep` are kept. Prints where each went.
    Backup(backup::BackupArgs),
    /// Restore one gateway from an archive on this machine: OpenClaw
    /// verifies it, the gateway is stopped, `openclaw backup restore`
    /// extracts it beside the state, the replaced state is renamed aside
    /// (never deleted), the restored one takes its place, `openclaw doctor`
    /// runs, the gateway starts and ocgen waits until it is healthy.
    /// Journaled: after a kill, the same command finishes the restore.
    Restore(restore::RestoreArgs),
    /// Roll another `openclaw` out to the gateways of this machine, one at
    /// a time (the first is the canary): a backup, the switch, a wait
    /// until healthy; on failure the previous version and the state of that
    /// backup are put back, the rollout stops and exits 69 with a report.
    /// Journaled: after a kill, the same command finishes or undoes.
    Rollout(rollout::RolloutArgs),
    /// Probe every gateway on 127.0.0.1: listening, /healthz, /readyz; for
    /// the ones that are down, which reserved ports something else holds.
    /// Exit 0 only if all are healthy.
    Status(status::StatusArgs),
    /// Compare what runs on this host with ocgen.yaml: per gateway what
    /// differs and how to fix it (compose containers, systemd units, host
    /// processes), and the OpenClaw gateways here that ocgen does not
    /// manage. Reads only; says what it could not see. Exit 0 when all
    /// matches, 1 when something differs.
    Doctor(doctor::DoctorArgs),
    /// Print the JSON Schema of ocgen.yaml.
    Schema,
    /// Write a starter ocgen.yaml (OpenClaw's main + rescue layout) and its schema.
    Init(init::InitArgs),
    /// Adopt an existing host: read the OpenClaw gateways it runs (state
    /// dirs and their openclaw.json, OpenClaw's systemd units and
    /// LaunchAgents) and write an ocgen.yaml that describes them, with a
    /// report: what was found, where each secret's value must go (values
    /// are never copied), what could not be read or decided, and `ocgen
    /// check`'s verdict.
    ///
    /// Without --home, --state-dir or --system-units it reads $HOME and
    /// /etc/systemd/system. Exit 0 when the file passes `ocgen check`, 1
    /// when it was written but the host has problems.
    Import(import::ImportArgs),
    /// Print shell completions.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

/// What every command may read: the global options, resolved.
pub(crate) struct Ctx {
    /// The deployment file.
    file: PathBuf,
    /// Whether diagnostics are coloured.
    color: bool,
}

impl Ctx {
    fn new(global: &GlobalArgs) -> Self {
        let color = match global.color {
            Some(Color::Always) => true,
            Some(Color::Never) => false,
            None | Some(Color::Auto) => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
            }
        };
        Ctx {
            file: global
                .file
                .clone()
                .unwrap_or_else(|| PathBuf::from("ocgen.yaml")),
            color,
        }
    }
}

/// Runs ocgen with these arguments; returns how it ended. Output goes to
/// the given writers so tests and `main` share one path.
pub fn run(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    let parsed = command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let status = if e.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return status;
        }
    };
    let ctx = Ctx::new(&cli.global);
    match execute(&cli.command, &ctx, out, err) {
        Ok(status) => status,
        Err(f) => {
            let _ = err.write_all(f.report().as_bytes());
            f.status()
        }
    }
}

/// What a command's `run` returns: how ocgen exits, or why it stopped.
pub(crate) type Outcome = Result<ExitStatus, Failure>;

/// Each command's `run`.
fn execute(command: &Command, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    match command {
        Command::Check(a) => check::run(a, ctx, out),
        Command::Ports(a) => ports::run(a, ctx, out),
        Command::Env(a) => env::run(a, ctx, out),
        Command::Config(a) => config::run(a, ctx, out),
        Command::Nix(a) => nix::run(a, ctx, out),
        Command::Systemd(a) => systemd::run(a, ctx, out),
        Command::Launchd(a) => launchd::run(a, ctx, out),
        Command::Compose(a) => compose::run(a, ctx, out),
        Command::Proxy(a) => proxy::run(a, ctx, out),
        Command::Kube => kube::run(ctx, out),
        Command::Generate(a) => generate::run(a, ctx, out),
        Command::Install(a) => install::run(a, ctx, out),
        Command::Status(a) => status::run(a, ctx, out),
        Command::Doctor(a) => doctor::run(a, ctx, out),
        Command::Backup(a) => backup::run(a, ctx, out),
        Command::Restore(a) => restore::run(a, ctx, out),
        Command::Rollout(a) => rollout::run(a, ctx, out),
        Command::Schema => schema::run(out),
        Command::Init(a) => init::run(a, out),
        Command::Import(a) => import::run(a, out, err),
        Command::Completions(a) => completions::run(a, out),
        Command::Man => man::run(out),
    }
}

/// Writes `text` to standard output.
fn emit(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::io("cannot write to standard output", e))
}

/// The variable that makes `ocgen` answer a completion request.
pub(crate) const COMPLETE_VAR: &str = "COMPLETE";

/// Answers a shell's completion request when `COMPLETE` is set (see
/// `ocgen completions`) and exits; otherwise returns.
pub fn complete_if_asked() {
    clap_complete::CompleteEnv::with_factory(command)
        .var(COMPLETE_VAR)
        .complete();
}
