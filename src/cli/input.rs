//! What a command reads: the deployment file (bounded, UTF-8), its plan,
//! the templates, a gateway by name; and the gateway names a shell
//! completes.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Ctx, Failure, TemplateArgs};
use crate::diag::{self, Problem};
use crate::plan::{Gateway, Plan};
use crate::render::Templates;
use crate::target::Target;

/// The input file as read: its display name and text.
pub(crate) struct Input {
    /// Name shown in messages.
    pub(crate) name: String,
    /// Text.
    pub(crate) text: String,
}

fn read_input(path: &Path, explicit: bool) -> Result<Input, Failure> {
    let (name, bytes) = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(crate::model::MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Failure::io("cannot read standard input", e))?;
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
        let bytes = read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound if explicit => Failure::NoFile {
                name: name.clone(),
                source,
            },
            std::io::ErrorKind::NotFound => Failure::NoDefaultFile {
                name: name.clone(),
                source,
            },
            _ => Failure::io(format!("cannot read {name}"), source),
        })?;
        (name, bytes)
    };
    if bytes.len() > crate::model::MAX_INPUT_BYTES {
        return Err(Failure::TooLarge {
            name,
            max: crate::model::MAX_INPUT_BYTES,
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Input { name, text }),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let column = at
                - bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            Err(Failure::NotUtf8 {
                name,
                line,
                column,
                at,
            })
        }
    }
}

fn invalid(input: &Input, problems: &[Problem], color: bool) -> Failure {
    Failure::Problems {
        file: input.name.clone(),
        rendered: diag::render(problems, &input.name, &input.text, color),
    }
}

/// Reads, parses and plans the input for the targets the file names.
pub(crate) fn load_plan(ctx: &Ctx) -> Result<(Input, Plan), Failure> {
    load_plan_for(ctx, None)
}

/// Reads, parses and plans the input, checking the rules every target
/// shares and those of `only` (else of the file's targets).
pub(crate) fn load_plan_for(ctx: &Ctx, only: Option<Target>) -> Result<(Input, Plan), Failure> {
    load_with(ctx, |doc| crate::plan::plan_for(doc, only))
}

/// Reads, parses and plans the input, checking only the rules every target
/// shares.
pub(crate) fn load_plan_shared(ctx: &Ctx) -> Result<(Input, Plan), Failure> {
    load_with(ctx, crate::plan::plan_shared)
}

/// Reads and plans the input for the target a command that shows one
/// gateway's view shows: the one asked for, else the file's only target,
/// else the host (whose files systemd, NixOS and launchd read too). The
/// input is read once (`-f -` is standard input).
pub(crate) fn load_view(ctx: &Ctx, asked: Option<Target>) -> Result<(Plan, Target), Failure> {
    let mut chosen = asked.unwrap_or(Target::Host);
    let (_, plan) = load_with(ctx, |doc| {
        if asked.is_none() {
            if let Some([only]) = doc.targets.as_ref().map(|t| t.value.as_slice()) {
                chosen = only.value;
            }
        }
        crate::plan::plan_for(doc, Some(chosen))
    })?;
    Ok((plan, chosen))
}

/// `--target`'s values: the names `targets:` takes.
pub(crate) fn parse_target(s: &str) -> Result<Target, String> {
    Target::ALL
        .iter()
        .copied()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = Target::ALL.iter().map(|t| t.as_str()).collect();
            format!("not a target; targets: {}", names.join(", "))
        })
}

fn load_with(
    ctx: &Ctx,
    plan: impl FnOnce(&crate::model::Document) -> Result<Plan, Vec<Problem>>,
) -> Result<(Input, Plan), Failure> {
    let (input, planned) = load_checked(ctx, plan)?;
    match planned {
        Ok(plan) => Ok((input, plan)),
        Err(problems) => Err(invalid(&input, &problems, ctx.color)),
    }
}

/// Reads the input and plans it: the plan, or every problem found (an
/// unknown key is reported with everything else that is wrong). Only a
/// file that cannot be read is a failure here.
pub(crate) fn load_checked(
    ctx: &Ctx,
    plan: impl FnOnce(&crate::model::Document) -> Result<Plan, Vec<Problem>>,
) -> Result<(Input, Result<Plan, Vec<Problem>>), Failure> {
    let path = &ctx.file;
    // The default name, unless -f named it.
    let explicit = path != Path::new("ocgen.yaml");
    let input = read_input(path, explicit)?;
    let (doc, mut problems, blanked) = crate::model::load_lenient_blanked(&input.text);
    let Some(doc) = doc else {
        return Ok((input, Err(problems)));
    };
    let planned = match plan(&doc) {
        Ok(plan) if problems.is_empty() => Ok(plan),
        Ok(_) => Err(problems),
        Err(more) => {
            // A map that lost an entry for a wrong value is incomplete: what
            // the plan finds missing there echoes the problem said already.
            problems.extend(more.into_iter().filter(|p| {
                !p.primary()
                    .and_then(|s| s.offset)
                    .is_some_and(|o| blanked.iter().any(|m| m.contains(&o)))
            }));
            Err(problems)
        }
    };
    Ok((input, planned))
}

impl TemplateArgs {
    /// The built-in templates, or those of `--templates DIR` over them.
    pub(crate) fn load(&self) -> Result<Templates, Failure> {
        if let Some(dir) = &self.templates {
            if !dir.is_dir() {
                return Err(Failure::TemplatesDir {
                    dir: dir.clone(),
                    why: if dir.exists() {
                        "not a directory"
                    } else {
                        "no such directory"
                    },
                });
            }
        }
        let t = match &self.templates {
            Some(dir) => Templates::with_overrides(dir),
            None => Templates::builtin(),
        };
        Ok(t?)
    }
}

/// The gateway called `name`, or a usage error that lists the others.
pub(crate) fn find_gateway<'p>(plan: &'p Plan, name: &str) -> Result<&'p Gateway, Failure> {
    plan.gateway(name).ok_or_else(|| {
        let names: Vec<&str> = plan.gateways.iter().map(|g| g.name.as_str()).collect();
        let mut help = String::new();
        if let Some(best) = diag::did_you_mean(name, &names) {
            let _ = writeln!(help, "did you mean `{best}`?");
        }
        let _ = write!(help, "gateways in this file: {}", names.join(", "));
        Failure::UnknownGateway {
            name: name.to_string(),
            names: help,
        }
    })
}

/// The gateway names of the deployment file, for dynamic shell completion
/// (`ocgen env <TAB>`): the file named by `-f`/`--file` on the line being
/// completed, else ./ocgen.yaml. Nothing when it cannot be read.
pub(crate) fn gateway_candidates() -> Vec<clap_complete::CompletionCandidate> {
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
