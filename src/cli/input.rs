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
    let path = &ctx.file;
    // The default name, unless -f named it.
    let explicit = path != Path::new("ocgen.yaml");
    let input = read_input(path, explicit)?;
    // An unknown key is reported with everything else that is wrong.
    let (doc, mut problems) = crate::model::load_lenient(&input.text);
    let Some(doc) = doc else {
        return Err(invalid(&input, &problems, ctx.color));
    };
    match crate::plan::plan_for(&doc, only) {
        Ok(plan) if problems.is_empty() => Ok((input, plan)),
        Ok(_) => Err(invalid(&input, &problems, ctx.color)),
        Err(more) => {
            problems.extend(more);
            Err(invalid(&input, &problems, ctx.color))
        }
    }
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
