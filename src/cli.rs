//! The command line: clap definitions and the glue that runs each command.
//! Everything here is I/O and presentation; the work is in `model`, `plan`,
//! `render` and `write`.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCandidates;

use crate::diag::{self, Problem, exit};
use crate::plan::Plan;
use crate::render::{self, Templates};
use crate::target::Target;
use crate::write::{self, Action};

/// Generate side-by-side OpenClaw gateway deployments from one file.
///
/// ocgen reads ocgen.yaml (a list of gateways), checks that they can run
/// side by side on one host (ports, profiles, paths, auth), and writes what
/// each one needs: env files, openclaw.json configs and deployment files.
#[derive(Debug, Parser)]
#[command(name = "ocgen", version, about, long_about)]
#[command(
    after_help = "Exit codes: 0 ok, 1 drift found by --check, a gateway not healthy (status) or a \
                        reserved port in use (check --host), 2 usage, 65 invalid input, \
                        73 refused to overwrite a file ocgen did not write, 74 I/O error."
)]
pub struct Cli {
    /// The deployment file [default: ocgen.yaml]; `-` reads standard
    /// input. Also accepted after the command.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// When to colour diagnostics [default: auto]. Also accepted after the command.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<Color>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The options of every command that reads the deployment file. They are
/// the command's own (not global), so that a command's `--help` shows only
/// what means something to it; the same options before the command count
/// too.
#[derive(Debug, Args, Default)]
pub struct InputArgs {
    /// The deployment file [default: ocgen.yaml]; `-` reads standard input.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// When to colour diagnostics [default: auto].
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<Color>,
}

/// The option of every command that renders a template.
#[derive(Debug, Args, Default)]
pub struct TemplateArgs {
    /// Use templates from DIR instead of the built-in ones (files named as in templates/).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// The gateway names of the deployment file, for dynamic shell completion
/// (`ocgen env <TAB>`): the file named by `-f`/`--file` on the line being
/// completed, else ./ocgen.yaml. Nothing when it cannot be read.
fn gateway_candidates() -> Vec<clap_complete::CompletionCandidate> {
    let args: Vec<String> = std::env::args().collect();
    let mut file = PathBuf::from("ocgen.yaml");
    for (i, a) in args.iter().enumerate() {
        if let Some(v) = a.strip_prefix("--file=") {
            file = PathBuf::from(v);
        } else if (a == "-f" || a == "--file") && i + 1 < args.len() {
            file = PathBuf::from(&args[i + 1]);
        }
    }
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Vec::new();
    };
    let Ok(doc) = crate::model::load(&text) else {
        return Vec::new();
    };
    doc.gateways
        .keys()
        .map(|k| clap_complete::CompletionCandidate::new(k.value.clone()))
        .collect()
}

/// Colour choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[allow(missing_docs)]
pub enum Color {
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

/// Subcommands.
#[derive(Debug, Subcommand)]
// The flattened option groups are documented on their types.
#[allow(missing_docs)]
pub enum Command {
    /// Validate the file and print one line per gateway.
    Check {
        #[command(flatten)]
        input: InputArgs,
        /// Also report reserved ports that are already in use on this host
        /// (reads /proc/net/tcp: Linux only, skipped elsewhere); exit 1 if any.
        #[arg(long)]
        host: bool,
    },
    /// Print the port plan: every range each gateway reserves.
    Ports {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the env file of one gateway.
    Env {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        tpl: TemplateArgs,
        /// Gateway name.
        #[arg(add = ArgValueCandidates::new(gateway_candidates))]
        name: String,
    },
    /// Print the openclaw.json of one gateway.
    Config {
        #[command(flatten)]
        input: InputArgs,
        /// Gateway name.
        #[arg(add = ArgValueCandidates::new(gateway_candidates))]
        name: String,
        /// The config as the systemd unit sees it (an `auth.file` secret
        /// read from its credentials directory), as in `systemd/config/`.
        #[arg(long)]
        service: bool,
        /// With --service: for a user unit.
        #[arg(long, requires = "service")]
        user: bool,
    },
    /// Print the NixOS module that runs every gateway (`nixos/openclaw-gateways.nix`).
    Nix {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        tpl: TemplateArgs,
    },
    /// Print the systemd unit of one gateway (`systemd/openclaw-gateway-<name>.service`).
    Systemd {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        tpl: TemplateArgs,
        /// Gateway name.
        #[arg(add = ArgValueCandidates::new(gateway_candidates))]
        name: String,
        /// Write a user unit (`systemctl --user`) even if ocgen.yaml asks for system units.
        #[arg(long)]
        user: bool,
    },
    /// Print the macOS LaunchAgent of one gateway (`launchd/ai.openclaw.<profile>.plist`).
    Launchd {
        #[command(flatten)]
        input: InputArgs,
        /// Gateway name.
        #[arg(add = ArgValueCandidates::new(gateway_candidates))]
        name: String,
    },
    /// Print the Docker Compose file: one isolated service per gateway.
    Compose {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        tpl: TemplateArgs,
    },
    /// Print the Caddyfile of the front door (`proxy:`): every gateway
    /// behind one HTTPS reverse proxy, at its own host name or path.
    Proxy {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        tpl: TemplateArgs,
    },
    /// Print the Kubernetes manifests as one YAML stream (`ocgen kube |
    /// kubectl apply -f -`): per gateway a StatefulSet, Service, ConfigMap
    /// and NetworkPolicy; the namespaces first.
    Kube {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Write every output file into a directory.
    Generate {
        #[command(flatten)]
        input: InputArgs,
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
    },
    /// Make the bare-host deployment real on this machine: create each
    /// gateway's state dir and workspace (0700), write its openclaw.json to
    /// its config path and its env file beside it (`<config dir>/<name>.env`, 0600).
    ///
    /// Idempotent. A file that differs from what ocgen would write is not
    /// replaced without --force; the diff is shown. All files are staged
    /// before any is renamed into place.
    Install {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        tpl: TemplateArgs,
        /// Install under DIR: every path of the plan, in the files too,
        /// becomes DIR/path (the gateways then run from there).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Replace files that differ from what ocgen would write.
        #[arg(long)]
        force: bool,
    },
    /// Probe every gateway on 127.0.0.1: listening, /healthz, /readyz; for
    /// the ones that are down, which reserved ports something else holds.
    /// Exit 0 only if all are healthy.
    Status {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the JSON Schema of ocgen.yaml.
    Schema,
    /// Write a starter ocgen.yaml (OpenClaw's main + rescue layout) and its schema.
    Init {
        /// The file to write [default: ocgen.yaml]; the schema goes beside it.
        #[arg(short = 'f', long = "file", value_name = "PATH")]
        file: Option<PathBuf>,
        /// Overwrite the file and its schema if they exist.
        #[arg(long)]
        force: bool,
    },
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
    Import(ImportArgs),
    /// Print shell completions.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// `ocgen import`'s options (the work is in `crate::import`).
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A home to read: its .openclaw* state dirs, user units and LaunchAgents (repeatable).
    #[arg(long = "home", value_name = "DIR")]
    pub homes: Vec<PathBuf>,
    /// A state dir to read besides those under the homes (repeatable).
    #[arg(long = "state-dir", value_name = "DIR")]
    pub state_dirs: Vec<PathBuf>,
    /// A directory of system units (openclaw-gateway*.service) to read (repeatable).
    #[arg(long = "system-units", value_name = "DIR")]
    pub system_units: Vec<PathBuf>,
    /// The file to write; `-` prints it (the report then goes to standard error).
    #[arg(
        short = 'o',
        long = "out",
        value_name = "PATH",
        default_value = "ocgen.yaml"
    )]
    pub out: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Move gateways whose ports collide onto free ports of ocgen's
    /// 120-port grid (by default the file keeps the ports the host uses).
    #[arg(long)]
    pub fix_ports: bool,
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

/// The input file as read: its display name and text.
pub struct Input {
    /// Name shown in messages.
    pub name: String,
    /// Text.
    pub text: String,
}

/// A failure of a command, with the exit code it maps to.
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Text for standard error (already formatted).
    pub message: String,
}

impl Failure {
    fn io(what: &str, e: &dyn std::fmt::Display) -> Self {
        Failure {
            code: exit::IO,
            message: format!("error: {what}: {e}\n"),
        }
    }
}

/// Runs ocgen with these arguments; returns the exit code. Output goes to
/// the given writers so tests and `main` share one path.
pub fn run(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return code;
        }
    };
    if let Command::Import(args) = &cli.command {
        return crate::import::run(&args.into(), out, err);
    }
    let ctx = Ctx::new(&cli);
    match execute(&cli, &ctx, out) {
        Ok(code) => code,
        Err(f) => {
            let _ = err.write_all(f.message.as_bytes());
            f.code
        }
    }
}

fn read_input(path: &Path, explicit: bool) -> Result<Input, Failure> {
    let (name, bytes) = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(crate::model::MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Failure::io("cannot read standard input", &e))?;
        ("<stdin>".to_string(), buf)
    } else {
        let name = path.display().to_string();
        // Bounded: `-f /dev/zero` or a runaway file is refused, not slurped.
        let read = |path: &Path| -> std::io::Result<Vec<u8>> {
            let mut buf = Vec::new();
            std::fs::File::open(path)?
                .take(crate::model::MAX_INPUT_BYTES as u64 + 1)
                .read_to_end(&mut buf)?;
            Ok(buf)
        };
        let bytes = read(path).map_err(|e| {
            let mut msg = format!("error: cannot read {name}: {e}\n");
            if e.kind() == std::io::ErrorKind::NotFound {
                if explicit {
                    let _ = writeln!(
                        msg,
                        "help: check the path, or run `ocgen init -f {name}` to write a starter file there"
                    );
                } else {
                    msg.push_str(
                        "help: run `ocgen init` to write a starter file, or pass -f PATH to read another one\n",
                    );
                }
            }
            Failure {
                code: exit::IO,
                message: msg,
            }
        })?;
        (name, bytes)
    };
    if bytes.len() > crate::model::MAX_INPUT_BYTES {
        return Err(Failure {
            code: exit::INVALID,
            message: format!(
                "error: {name}: the file is larger than {} bytes, the most ocgen reads\nhelp: a deployment file is a few kilobytes: check that -f names the right file, or split it into several\n",
                crate::model::MAX_INPUT_BYTES
            ),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Input { name, text }),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let col = at
                - bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            Err(Failure {
                code: exit::INVALID,
                message: format!(
                    "error: {name}:{line}:{col}: not valid UTF-8 (byte {at})\nhelp: save the file as UTF-8\n"
                ),
            })
        }
    }
}

fn invalid(input: &Input, problems: &[Problem], color: bool) -> Failure {
    Failure {
        code: exit::INVALID,
        message: diag::render(problems, &input.name, &input.text, color),
    }
}

/// Reads, parses and plans the input for the targets the file names.
pub fn load_plan(path: &Path, color: bool) -> Result<(Input, Plan), Failure> {
    load_plan_for(path, None, color)
}

/// Reads, parses and plans the input, checking the rules every target
/// shares and those of `only` (else of the file's targets).
pub fn load_plan_for(
    path: &Path,
    only: Option<crate::target::Target>,
    color: bool,
) -> Result<(Input, Plan), Failure> {
    // The default name, unless -f named it.
    let explicit = path != Path::new("ocgen.yaml");
    let input = read_input(path, explicit)?;
    // An unknown key is reported with everything else that is wrong.
    let (doc, mut problems) = crate::model::load_lenient(&input.text);
    let Some(doc) = doc else {
        return Err(invalid(&input, &problems, color));
    };
    match crate::plan::plan_for(&doc, only) {
        Ok(plan) if problems.is_empty() => Ok((input, plan)),
        Ok(_) => Err(invalid(&input, &problems, color)),
        Err(more) => {
            problems.extend(more);
            Err(invalid(&input, &problems, color))
        }
    }
}

/// What a command reads, from its own options or those before it.
struct Ctx {
    file: PathBuf,
    color: bool,
    templates: Option<PathBuf>,
}

impl Ctx {
    fn new(cli: &Cli) -> Self {
        let input = cli.command.input();
        let file = input
            .and_then(|i| i.file.clone())
            .or_else(|| cli.file.clone())
            .unwrap_or_else(|| PathBuf::from("ocgen.yaml"));
        let color = match input.and_then(|i| i.color).or(cli.color) {
            Some(Color::Always) => true,
            Some(Color::Never) => false,
            None | Some(Color::Auto) => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
            }
        };
        let templates = cli.command.templates().and_then(|t| t.templates.clone());
        Ctx {
            file,
            color,
            templates,
        }
    }
}

impl Command {
    fn input(&self) -> Option<&InputArgs> {
        match self {
            Command::Check { input, .. }
            | Command::Ports { input, .. }
            | Command::Env { input, .. }
            | Command::Config { input, .. }
            | Command::Nix { input, .. }
            | Command::Systemd { input, .. }
            | Command::Compose { input, .. }
            | Command::Proxy { input, .. }
            | Command::Kube { input, .. }
            | Command::Launchd { input, .. }
            | Command::Generate { input, .. }
            | Command::Install { input, .. }
            | Command::Status { input, .. } => Some(input),
            Command::Schema
            | Command::Init { .. }
            | Command::Import(_)
            | Command::Completions { .. }
            | Command::Man => None,
        }
    }

    fn templates(&self) -> Option<&TemplateArgs> {
        match self {
            Command::Env { tpl, .. }
            | Command::Nix { tpl, .. }
            | Command::Systemd { tpl, .. }
            | Command::Compose { tpl, .. }
            | Command::Proxy { tpl, .. }
            | Command::Generate { tpl, .. }
            | Command::Install { tpl, .. } => Some(tpl),
            _ => None,
        }
    }
}

fn templates(ctx: &Ctx) -> Result<Templates, Failure> {
    if let Some(dir) = &ctx.templates {
        if !dir.is_dir() {
            return Err(Failure {
                code: exit::USAGE,
                message: format!(
                    "error: --templates {}: {}\nhelp: give a directory holding templates named as in ocgen's templates/ (compose.hbs, ...)\n",
                    dir.display(),
                    if dir.exists() {
                        "not a directory"
                    } else {
                        "no such directory"
                    }
                ),
            });
        }
    }
    let t = match &ctx.templates {
        Some(dir) => Templates::with_overrides(dir),
        None => Templates::builtin(),
    };
    t.map_err(|e| Failure {
        code: exit::INVALID,
        message: format!("error: {e}\n"),
    })
}

fn template_failure(e: &render::TemplateError) -> Failure {
    Failure {
        code: exit::INVALID,
        message: format!("error: {e}\n"),
    }
}

fn find_gateway<'p>(plan: &'p Plan, name: &str) -> Result<&'p crate::plan::Gateway, Failure> {
    plan.gateway(name).ok_or_else(|| {
        let names: Vec<&str> = plan.gateways.iter().map(|g| g.name.as_str()).collect();
        let mut message = format!("error: no gateway named `{name}`\n");
        if let Some(best) = diag::did_you_mean(name, &names) {
            let _ = writeln!(message, "help: did you mean `{best}`?");
        }
        let _ = writeln!(message, "help: gateways in this file: {}", names.join(", "));
        Failure {
            code: exit::USAGE,
            message,
        }
    })
}

fn emit(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::io("cannot write to standard output", &e))
}

fn execute(cli: &Cli, ctx: &Ctx, out: &mut dyn Write) -> Result<i32, Failure> {
    let color = ctx.color;
    match &cli.command {
        Command::Check { host, .. } => {
            let only = host.then_some(Target::Host);
            let (input, plan) = load_plan_for(&ctx.file, only, color)?;
            emit(out, &check_summary(&input, &plan))?;
            if *host {
                let (report, used) = crate::host::check_host(&plan);
                emit(out, &report)?;
                let drift = crate::host::check_configs(&plan);
                for d in &drift {
                    emit(out, &format!("{d}\n"))?;
                }
                if !drift.is_empty() {
                    emit(
                        out,
                        "help: a seeded config is OpenClaw's to edit, but ocgen pins these keys through the environment and arguments: set them back (`openclaw config set KEY VALUE`), or move the gateway in ocgen.yaml and install again\n",
                    )?;
                }
                if used.is_some_and(|u| !u.is_empty()) {
                    return Ok(exit::PORTS_IN_USE);
                }
                if !drift.is_empty() {
                    return Ok(exit::DRIFT);
                }
            }
        }
        Command::Install { root, force, .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Host), color)?;
            let t = templates(ctx)?;
            return install(&plan, root.as_deref(), &t, *force, out);
        }
        Command::Status { format, .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Host), color)?;
            let all = crate::host::status(&plan);
            emit(
                out,
                &match format {
                    Format::Table => crate::host::status_table(&plan, &all),
                    Format::Json => crate::host::status_json(&all),
                },
            )?;
            if all.iter().any(|g| g.state != crate::host::State::Healthy) {
                return Ok(exit::UNHEALTHY);
            }
            if all.iter().any(|g| !g.config_drift.is_empty()) {
                return Ok(exit::DRIFT);
            }
        }
        Command::Ports { format, .. } => {
            let (_, plan) = load_plan(&ctx.file, color)?;
            emit(out, &ports(&plan, *format))?;
        }
        Command::Env { name, .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Host), color)?;
            let t = templates(ctx)?;
            let g = find_gateway(&plan, name)?;
            let text = render::env::render(g, &t).map_err(|e| Failure {
                code: exit::INVALID,
                message: format!("error: {e}\n"),
            })?;
            emit(out, &text)?;
        }
        Command::Config {
            name,
            service,
            user,
            ..
        } => {
            let only = if *service {
                Target::Systemd
            } else {
                Target::Host
            };
            let (_, plan) = load_plan_for(&ctx.file, Some(only), color)?;
            let g = find_gateway(&plan, name)?;
            if *service {
                let view = g.service_view(render::systemd::scope(&plan, *user));
                emit(out, &render::openclaw::render(&view))?;
            } else {
                emit(out, &render::openclaw::render(g))?;
            }
        }
        Command::Compose { .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Compose), color)?;
            let t = templates(ctx)?;
            let text = render::compose::render(&plan, &t).map_err(|e| template_failure(&e))?;
            emit(out, &text)?;
        }
        Command::Proxy { .. } => {
            let (input, plan) = load_plan_for(&ctx.file, Some(Target::Host), color)?;
            let Some(proxy) = &plan.proxy else {
                return Err(Failure {
                    code: exit::USAGE,
                    message: format!(
                        "error: {} has no `proxy` section: there is no front door to print\nhelp: add e.g. `proxy: {{ domain: example.com }}` to serve each gateway at https://<gateway>.example.com\n",
                        input.name
                    ),
                });
            };
            let t = templates(ctx)?;
            let text = render::caddy::render(&plan, proxy, &t).map_err(|e| template_failure(&e))?;
            emit(out, &text)?;
        }
        Command::Kube { .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Kubernetes), color)?;
            emit(out, &render::kubernetes::render(&plan))?;
        }
        Command::Nix { .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Nixos), color)?;
            let t = templates(ctx)?;
            let text = render::nixos::render(&plan, &t).map_err(|e| template_failure(&e))?;
            emit(out, &text)?;
        }
        Command::Systemd { name, user, .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Systemd), color)?;
            let t = templates(ctx)?;
            let g = find_gateway(&plan, name)?;
            let scope = render::systemd::scope(&plan, *user);
            let text =
                render::systemd::render(&plan, g, scope, &t).map_err(|e| template_failure(&e))?;
            emit(out, &text)?;
        }
        Command::Launchd { name, .. } => {
            let (_, plan) = load_plan_for(&ctx.file, Some(Target::Launchd), color)?;
            let g = find_gateway(&plan, name)?;
            emit(out, &render::launchd::render(&plan, g))?;
        }
        Command::Generate {
            out: dir,
            check,
            force,
            ..
        } => {
            let (_, plan) = load_plan(&ctx.file, color)?;
            let t = templates(ctx)?;
            let files = render::tree(&plan, &t).map_err(|e| template_failure(&e))?;
            return generate(dir, &files, *check, *force, out);
        }
        Command::Schema => emit(out, &schema_json())?,
        Command::Init { file, force } => {
            let path = file
                .clone()
                .or_else(|| cli.file.clone())
                .unwrap_or_else(|| PathBuf::from("ocgen.yaml"));
            return init(&path, *force, out);
        }
        Command::Completions { shell } => emit(out, &completions(*shell)?)?,
        // Run from `run`, which gives it standard error too.
        Command::Import(_) => {}
        Command::Man => {
            let buf = man_page().map_err(|e| Failure::io("cannot render the man page", &e))?;
            out.write_all(&buf)
                .map_err(|e| Failure::io("cannot write to standard output", &e))?;
        }
    }
    Ok(exit::OK)
}

/// The shell's registration of ocgen's dynamic completion: at each TAB the
/// shell asks `ocgen` itself (with `COMPLETE=<shell>` set), so that
/// `ocgen env <TAB>` offers the gateway names of the file. Shells without
/// dynamic support get clap's static script.
fn completions(shell: clap_complete::Shell) -> Result<String, Failure> {
    use clap_complete::env::EnvCompleter;
    let mut buf = Vec::new();
    let dynamic: Option<&dyn EnvCompleter> = match shell {
        clap_complete::Shell::Bash => Some(&clap_complete::env::Bash),
        clap_complete::Shell::Zsh => Some(&clap_complete::env::Zsh),
        clap_complete::Shell::Fish => Some(&clap_complete::env::Fish),
        clap_complete::Shell::Elvish => Some(&clap_complete::env::Elvish),
        clap_complete::Shell::PowerShell => Some(&clap_complete::env::Powershell),
        _ => None,
    };
    match dynamic {
        Some(c) => c
            .write_registration(COMPLETE_VAR, "ocgen", "ocgen", "ocgen", &mut buf)
            .map_err(|e| Failure::io("cannot write the completion script", &e))?,
        None => clap_complete::generate(shell, &mut Cli::command(), "ocgen", &mut buf),
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The variable that makes `ocgen` answer a completion request.
pub const COMPLETE_VAR: &str = "COMPLETE";

/// Answers a shell's completion request when `COMPLETE` is set (see
/// `ocgen completions`) and exits; otherwise returns.
pub fn complete_if_asked() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_VAR)
        .complete();
}

/// The man page: clap's NAME, DESCRIPTION and OPTIONS, then every command
/// with its options written out (there are no per-command pages to refer
/// to), then EXIT STATUS.
fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    let _ = writeln!(
        buf,
        ".SH SYNOPSIS\n\\fBocgen\\fR [\\fB\\-f\\fR \\fIPATH\\fR] [\\fB\\-\\-color\\fR \\fIWHEN\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]"
    );
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    let _ = writeln!(buf, ".SH COMMANDS");
    for sub in cmd.get_subcommands() {
        let mut usage = format!("\\fBocgen {}\\fR", roff(sub.get_name()));
        for a in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = a.get_id().as_str();
            if id == "help" {
                continue;
            }
            let value = a
                .get_value_names()
                .and_then(|v| v.first())
                .map_or_else(|| id.to_ascii_uppercase(), ToString::to_string);
            if a.is_positional() {
                let _ = write!(usage, " \\fI{}\\fR", roff(&value));
                continue;
            }
            let flag = a.get_short().map_or_else(
                || format!("\\-\\-{}", roff(a.get_long().unwrap_or(id))),
                |c| format!("\\-{c}"),
            );
            let takes_value = a.get_action().takes_values();
            if takes_value {
                let _ = write!(usage, " [\\fB{flag}\\fR \\fI{}\\fR]", roff(&value));
            } else {
                let _ = write!(usage, " [\\fB{flag}\\fR]");
            }
        }
        let _ = writeln!(buf, ".TP\n{usage}");
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(ToString::to_string)
            .unwrap_or_default();
        let _ = writeln!(buf, "{}", roff(&about).replace("\n\n", "\n.sp\n"));
    }
    let _ = writeln!(buf, ".SH \"EXIT STATUS\"");
    for (code, meaning) in EXIT_STATUS {
        let _ = writeln!(buf, ".TP\n\\fB{code}\\fR\n{}", roff(meaning));
    }
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

/// The exit codes, for `--help` and the man page.
const EXIT_STATUS: &[(i32, &str)] = &[
    (exit::OK, "success"),
    (
        1,
        "generate --check found files that differ; status: a gateway is not healthy; check --host: a reserved port is in use",
    ),
    (
        exit::USAGE,
        "usage error (unknown flag, unknown gateway name, a --templates directory that does not exist)",
    ),
    (exit::INVALID, "the input file is invalid"),
    (
        exit::REFUSED,
        "generate, install or init refused to overwrite a file ocgen did not write (or that was edited since); --force overwrites",
    ),
    (exit::IO, "a file could not be read or written"),
];

/// Text as roff: backslashes, hyphens and leading dots or quotes escaped.
fn roff(text: &str) -> String {
    let mut s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        s.insert_str(0, "\\&");
    }
    s
}

/// One line per gateway and a total.
pub fn check_summary(input: &Input, plan: &Plan) -> String {
    let rows: Vec<[String; 6]> = plan
        .gateways
        .iter()
        .map(|g| {
            [
                g.name.clone(),
                format!("profile {}", g.profile),
                format!(
                    "ports {}-{}{}",
                    g.port,
                    g.port + crate::plan::FOOTPRINT,
                    if g.port_assigned { " (assigned)" } else { "" }
                ),
                format!("bind {}", g.bind.as_str()),
                format!(
                    "auth {}",
                    g.auth.as_ref().map_or("none", |a| a.mode.as_str())
                ),
                format!("state {}", g.state_dir),
            ]
        })
        .collect();
    let mut width = [0usize; 6];
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for row in &rows {
        let mut line = String::from("ok");
        for (i, cell) in row.iter().enumerate() {
            line.push_str("  ");
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(width[i] - cell.chars().count()));
            }
        }
        s.push_str(&line);
        s.push('\n');
    }
    let n = plan.gateways.len();
    let _ = writeln!(
        s,
        "{}: {n} gateway{} can run side by side",
        input.name,
        if n == 1 { "" } else { "s" }
    );
    s
}

/// The port plan as a table or JSON.
pub fn ports(plan: &Plan, format: Format) -> String {
    let table = plan.port_table();
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = table
            .iter()
            .map(|r| {
                serde_json::json!({
                    "gateway": r.gateway,
                    "purpose": r.purpose.as_str(),
                    "start": r.start,
                    "end": r.end,
                    "bind": r.bind,
                })
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
        s.push('\n');
        return s;
    }
    let w = table
        .iter()
        .map(|r| r.gateway.len())
        .max()
        .unwrap_or(0)
        .max("GATEWAY".len());
    let mut s = format!(
        "{:<w$}  {:<15}  {:>5}  {:>5}  BIND\n",
        "GATEWAY", "PURPOSE", "START", "END"
    );
    for r in &table {
        let _ = writeln!(
            s,
            "{:<w$}  {:<15}  {:>5}  {:>5}  {}",
            r.gateway,
            r.purpose.as_str(),
            r.start,
            r.end,
            r.bind
        );
    }
    s
}

fn generate(
    dir: &Path,
    files: &[render::OutFile],
    check: bool,
    force: bool,
    out: &mut dyn Write,
) -> Result<i32, Failure> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure {
            code: exit::IO,
            message: format!(
                "error: --out {}: not a directory\nhelp: give a directory (it is created if it does not exist)\n",
                dir.display()
            ),
        });
    }
    if !check {
        // A killed earlier run: finish or undo it before comparing.
        write::recover(&dir.join(write::JOURNAL))
            .map_err(|e| Failure::io("cannot finish the interrupted run in the output tree", &e))?;
    }
    let changes =
        write::changes(dir, files).map_err(|e| Failure::io("cannot read the output tree", &e))?;
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
            return Ok(exit::OK);
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
        return Ok(exit::DRIFT);
    }
    let foreign: Vec<&&write::Change> = pending.iter().filter(|c| c.foreign).collect();
    if !foreign.is_empty() && !force {
        let mut message = String::new();
        for c in &foreign {
            message.push_str(&c.diff());
        }
        let _ = writeln!(
            message,
            "error: refusing to {} {} file{} that ocgen did not write (or that was edited since): {}",
            if foreign.iter().all(|c| c.action == Action::Delete) {
                "delete"
            } else {
                "overwrite"
            },
            foreign.len(),
            if foreign.len() == 1 { "" } else { "s" },
            foreign
                .iter()
                .map(|c| dir.join(&c.path).display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            message,
            "help: move your changes into ocgen.yaml, or pass --force to replace them"
        );
        return Err(Failure { code: 73, message });
    }
    write::apply(dir, files, &changes)
        .map_err(|e| Failure::io("cannot write the output tree", &e))?;
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
    Ok(exit::OK)
}

fn install(
    plan: &Plan,
    root: Option<&Path>,
    t: &Templates,
    force: bool,
    out: &mut dyn Write,
) -> Result<i32, Failure> {
    use crate::host::InstallError;
    let plan = match root {
        Some(dir) => {
            let prefix = crate::host::root_prefix(dir).map_err(|e| Failure {
                code: exit::USAGE,
                message: format!("error: {e}\n"),
            })?;
            plan.rooted(&prefix)
        }
        None => plan.clone(),
    };
    match crate::host::install(&plan, t, force) {
        Ok(done) => {
            emit(out, &crate::host::install_report(&plan, &done))?;
            Ok(exit::OK)
        }
        Err(InstallError::Template(e)) => Err(Failure {
            code: exit::INVALID,
            message: format!("error: {e}\n"),
        }),
        Err(InstallError::Io(e)) => Err(Failure::io("install failed, nothing was replaced", &e)),
        Err(InstallError::Foreign(files)) => {
            let mut message = String::new();
            for c in &files {
                message.push_str(&c.diff());
            }
            let _ = writeln!(
                message,
                "error: refusing to overwrite {} file{} that differ{} from what ocgen would write: {}",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                if files.len() == 1 { "s" } else { "" },
                files
                    .iter()
                    .map(|c| c.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let _ = writeln!(
                message,
                "help: move your changes into ocgen.yaml, or pass --force to replace them"
            );
            Err(Failure {
                code: exit::REFUSED,
                message,
            })
        }
    }
}

/// The JSON Schema of ocgen.yaml, as committed in `ocgen.schema.json`.
pub fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&crate::model::json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// The starter file `ocgen init` writes.
pub const INIT_TEMPLATE: &str = include_str!("../examples/rescue-bot.yaml");

fn init(path: &Path, force: bool, out: &mut dyn Write) -> Result<i32, Failure> {
    if path == Path::new("-") {
        return Err(Failure {
            code: exit::USAGE,
            message: "error: `ocgen init` writes a file; give -f PATH, not -\n".into(),
        });
    }
    let schema_path = path.with_file_name("ocgen.schema.json");
    let text = INIT_TEMPLATE.replacen(
        "$schema=../ocgen.schema.json",
        "$schema=ocgen.schema.json",
        1,
    );
    // Stage beside the target, then hard-link: atomic, and it fails if the
    // target exists, so a person's file is never overwritten. With --force,
    // a rename replaces it (atomically too).
    let create = |p: &Path, contents: &str| -> Result<(), Failure> {
        if force {
            return write::write_atomic(p, contents, false)
                .map_err(|e| Failure::io(&format!("cannot write {}", p.display()), &e));
        }
        let tmp = write::stage(p, contents, false)
            .map_err(|e| Failure::io(&format!("cannot create {}", p.display()), &e))?;
        let linked = std::fs::hard_link(&tmp, p);
        let _ = std::fs::remove_file(&tmp);
        linked.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Failure {
                    code: 73,
                    message: format!("error: {} already exists; ocgen init does not overwrite a file without --force\nhelp: pass --force to replace it, or -f OTHER.yaml to write another file\n", p.display()),
                }
            } else {
                Failure::io(&format!("cannot create {}", p.display()), &e)
            }
        })
    };
    create(path, &text)?;
    let mut msg = format!("wrote {}\n", path.display());
    if schema_path.exists() && !force {
        let _ = writeln!(msg, "kept {} (already there)", schema_path.display());
    } else {
        create(&schema_path, &schema_json())?;
        let _ = writeln!(msg, "wrote {}", schema_path.display());
    }
    let _ = writeln!(
        msg,
        "next: set `home` to the directory the gateways live under, then run `ocgen check -f {}`",
        path.display()
    );
    emit(out, &msg)?;
    Ok(exit::OK)
}
