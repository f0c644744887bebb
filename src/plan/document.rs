//! The file as a whole: the deployment's name and the targets it lists.

use crate::diag::{Kind, Problem};
use crate::model::Document;
use crate::target::Target;

/// Default deployment name.
pub const DEFAULT_NAME: &str = "openclaw";

/// The deployment's name (`name:`): a compose project name.
pub(super) fn resolve_name(doc: &Document, problems: &mut Vec<Problem>) -> String {
    let Some(n) = &doc.name else {
        return DEFAULT_NAME.to_string();
    };
    if !is_project_name(&n.value) {
        problems.push(
            Problem::new(Kind::Name, format!("deployment name `{}` is not allowed", n.value))
                .label(n.span, "invalid name")
                .help("use lowercase letters, digits, `-` and `_`, starting with a letter or digit (compose project name rules)"),
        );
    }
    n.value.clone()
}

fn is_project_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.len() <= 63
}

/// A file needs at least one gateway.
pub(super) fn check_gateways_present(doc: &Document, problems: &mut Vec<Problem>) {
    if doc.gateways.is_empty() {
        problems.push(
            Problem::new(
                Kind::Syntax,
                "`gateways` is empty: there is nothing to deploy",
            )
            .help("add a gateway, e.g. `gateways: { main: {} }`"),
        );
    }
}

/// `targets:`, or [`Target::DEFAULT`].
pub(super) fn resolve_targets(doc: &Document, problems: &mut Vec<Problem>) -> Vec<Target> {
    let Some(list) = &doc.targets else {
        return Target::DEFAULT.to_vec();
    };
    if list.value.is_empty() {
        problems.push(
            Problem::new(Kind::Target, "`targets` is empty: there is nothing to check or write")
                .label(list.span, "no target")
                .help("name where the gateways run, e.g. `targets: [compose]`, or remove `targets` for host, systemd, nixos and compose"),
        );
    }
    let mut out: Vec<Target> = Vec::new();
    for t in &list.value {
        if out.contains(&t.value) {
            problems.push(
                Problem::new(
                    Kind::Target,
                    format!("target `{}` is listed twice", t.value),
                )
                .label(t.span, "again")
                .help("list each target once"),
            );
        } else {
            out.push(t.value);
        }
    }
    out.sort();
    out
}
