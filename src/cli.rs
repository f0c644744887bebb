//! The command line: clap definitions and the glue that runs each command.
//! Everything here is I/O and presentation; the work is in `model`, `plan`,
//! `render` and `write`.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::diag::{self, Problem, exit};
use crate::plan::Plan;
use crate::render::{self, Templates};
use crate::write::{self, Action};

/// Generate side-by-side OpenClaw gateway deployments from one file.
///
/// ocgen reads ocgen.yaml (a list of gateways), checks that they can run
/// side by side on one host (ports, profiles, paths, auth), and writes what
/// each one needs: env files, openclaw.json configs and deployment files.
#[derive(Debug, Parser)]
#[command(name = "ocgen", version, about, long_about, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 ok, 1 drift found by --check, a gateway not healthy (status) or a \
                        reserved port in use (check --host), 2 usage, 65 invalid input, \
                        73 refused to overwrite a file ocgen did not write, 74 I/O error."
)]
pub struct Cli {
    /// The deployment file; `-` reads standard input.
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        default_value = "ocgen.yaml",
        value_name = "PATH"
    )]
    pub file: PathBuf,
    /// Use templates from DIR instead of the built-in ones (files named as in templates/).
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
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
pub enum Command {
    /// Validate the file and print one line per gateway.
    Check {
        /// Also report reserved ports that are already in use on this host
        /// (reads /proc/net/tcp: Linux only, skipped elsewhere); exit 1 if any.
        #[arg(long)]
        host: bool,
    },
    /// Print the port plan: every range each gateway reserves.
    Ports {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the env file of one gateway.
    Env {
        /// Gateway name.
        name: String,
    },
    /// Print the openclaw.json of one gateway.
    Config {
        /// Gateway name.
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
    Nix,
    /// Print the systemd unit of one gateway (`systemd/openclaw-gateway-<name>.service`).
    Systemd {
        /// Gateway name.
        name: String,
        /// Write a user unit (`systemctl --user`) even if ocgen.yaml asks for system units.
        #[arg(long)]
        user: bool,
    },
    /// Print the Docker Compose file: one isolated service per gateway.
    Compose,
    /// Write every output file into a directory.
    Generate {
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
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the JSON Schema of ocgen.yaml.
    Schema,
    /// Write a starter ocgen.yaml (OpenClaw's main + rescue layout) and its schema.
    Init,
    /// Print shell completions.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
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
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal(),
    };
    match execute(&cli, color, out) {
        Ok(code) => code,
        Err(f) => {
            let _ = err.write_all(f.message.as_bytes());
            f.code
        }
    }
}

fn read_input(path: &Path) -> Result<Input, Failure> {
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
                msg.push_str("help: run `ocgen init` to write a starter file, or pass -f PATH\n");
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

/// Reads, parses and plans the input.
pub fn load_plan(path: &Path, color: bool) -> Result<(Input, Plan), Failure> {
    let input = read_input(path)?;
    let doc = crate::model::load(&input.text).map_err(|p| invalid(&input, &p, color))?;
    let plan = crate::plan::plan(&doc).map_err(|p| invalid(&input, &p, color))?;
    Ok((input, plan))
}

fn templates(cli: &Cli) -> Result<Templates, Failure> {
    let t = match &cli.templates {
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

fn execute(cli: &Cli, color: bool, out: &mut dyn Write) -> Result<i32, Failure> {
    match &cli.command {
        Command::Check { host } => {
            let (input, plan) = load_plan(&cli.file, color)?;
            plan.check_containers()
                .map_err(|p| invalid(&input, &p, color))?;
            emit(out, &check_summary(&input, &plan))?;
            if *host {
                let (report, used) = crate::host::check_host(&plan);
                emit(out, &report)?;
                if used.is_some_and(|u| !u.is_empty()) {
                    return Ok(exit::PORTS_IN_USE);
                }
            }
        }
        Command::Install { root, force } => {
            let (_, plan) = load_plan(&cli.file, color)?;
            let t = templates(cli)?;
            return install(&plan, root.as_deref(), &t, *force, out);
        }
        Command::Status { format } => {
            let (_, plan) = load_plan(&cli.file, color)?;
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
        }
        Command::Ports { format } => {
            let (_, plan) = load_plan(&cli.file, color)?;
            emit(out, &ports(&plan, *format))?;
        }
        Command::Env { name } => {
            let (_, plan) = load_plan(&cli.file, color)?;
            let t = templates(cli)?;
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
        } => {
            let (_, plan) = load_plan(&cli.file, color)?;
            let g = find_gateway(&plan, name)?;
            if *service {
                let view = g.service_view(render::systemd::scope(&plan, *user));
                emit(out, &render::openclaw::render(&view))?;
            } else {
                emit(out, &render::openclaw::render(g))?;
            }
        }
        Command::Compose => {
            let (input, plan) = load_plan(&cli.file, color)?;
            plan.check_containers()
                .map_err(|p| invalid(&input, &p, color))?;
            let t = templates(cli)?;
            let text = render::compose::render(&plan, &t).map_err(|e| template_failure(&e))?;
            emit(out, &text)?;
        }
        Command::Nix => {
            let (_, plan) = load_plan(&cli.file, color)?;
            let t = templates(cli)?;
            let text = render::nixos::render(&plan, &t).map_err(|e| template_failure(&e))?;
            emit(out, &text)?;
        }
        Command::Systemd { name, user } => {
            let (_, plan) = load_plan(&cli.file, color)?;
            let t = templates(cli)?;
            let g = find_gateway(&plan, name)?;
            let scope = render::systemd::scope(&plan, *user);
            let text =
                render::systemd::render(&plan, g, scope, &t).map_err(|e| template_failure(&e))?;
            emit(out, &text)?;
        }
        Command::Generate {
            out: dir,
            check,
            force,
        } => {
            let (input, plan) = load_plan(&cli.file, color)?;
            plan.check_containers()
                .map_err(|p| invalid(&input, &p, color))?;
            let t = templates(cli)?;
            let files = render::tree(&plan, &t).map_err(|e| template_failure(&e))?;
            return generate(dir, &files, *check, *force, out);
        }
        Command::Schema => emit(out, &schema_json())?,
        Command::Init => return init(&cli.file, out),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "ocgen", &mut buf);
            out.write_all(&buf)
                .map_err(|e| Failure::io("cannot write to standard output", &e))?;
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Failure::io("cannot render the man page", &e))?;
            out.write_all(&buf)
                .map_err(|e| Failure::io("cannot write to standard output", &e))?;
        }
    }
    Ok(exit::OK)
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
    let schema = schemars::schema_for!(crate::model::Document);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// The starter file `ocgen init` writes.
pub const INIT_TEMPLATE: &str = include_str!("../examples/rescue-bot.yaml");

fn init(path: &Path, out: &mut dyn Write) -> Result<i32, Failure> {
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
    // target exists, so a person's file is never overwritten.
    let create = |p: &Path, contents: &str| -> Result<(), Failure> {
        let tmp = write::stage(p, contents, false)
            .map_err(|e| Failure::io(&format!("cannot create {}", p.display()), &e))?;
        let linked = std::fs::hard_link(&tmp, p);
        let _ = std::fs::remove_file(&tmp);
        linked.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Failure {
                    code: 73,
                    message: format!("error: {} already exists; ocgen init never overwrites a file\nhelp: remove it first, or pass -f OTHER.yaml\n", p.display()),
                }
            } else {
                Failure::io(&format!("cannot create {}", p.display()), &e)
            }
        })
    };
    create(path, &text)?;
    let mut msg = format!("wrote {}\n", path.display());
    if schema_path.exists() {
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
