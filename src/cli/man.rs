//! `ocgen man`: the man page. clap's NAME, DESCRIPTION and OPTIONS, then
//! every command with its own options written out (there are no
//! per-command pages to refer to), then EXIT STATUS.

use std::fmt::Write as _;
use std::io::Write;

use super::{ExitStatus, Failure, Outcome, command};

pub(crate) fn run(out: &mut dyn Write) -> Outcome {
    let buf = man_page().map_err(|e| Failure::io("cannot render the man page", e))?;
    out.write_all(&buf)
        .map_err(|e| Failure::io("cannot write to standard output", e))?;
    Ok(ExitStatus::Success)
}

/// The page, as roff.
fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    writeln!(
        buf,
        ".SH SYNOPSIS\n\\fBocgen\\fR [\\fB\\-f\\fR \\fIPATH\\fR] [\\fB\\-\\-color\\fR \\fIWHEN\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]"
    )?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    writeln!(buf, ".SH COMMANDS")?;
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
            if a.get_action().takes_values() {
                let _ = write!(usage, " [\\fB{flag}\\fR \\fI{}\\fR]", roff(&value));
            } else {
                let _ = write!(usage, " [\\fB{flag}\\fR]");
            }
        }
        writeln!(buf, ".TP\n{usage}")?;
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(ToString::to_string)
            .unwrap_or_default();
        writeln!(buf, "{}", roff(&about).replace("\n\n", "\n.sp\n"))?;
    }
    writeln!(buf, ".SH \"EXIT STATUS\"")?;
    for status in ExitStatus::ALL {
        writeln!(
            buf,
            ".TP\n\\fB{}\\fR\n{}",
            status.code(),
            code_spans(&roff(status.meaning()))
        )?;
    }
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

/// Text as roff: backslashes, hyphens and leading dots or quotes escaped.
fn roff(text: &str) -> String {
    let mut s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        s.insert_str(0, "\\&");
    }
    s
}

/// Markdown code spans (`` `x` ``) in bold.
fn code_spans(text: &str) -> String {
    let mut s = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            s.push_str("\\fB");
            s.push_str(part);
            s.push_str("\\fR");
        } else {
            s.push_str(part);
        }
    }
    s
}
