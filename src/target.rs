//! Deployment targets: where the gateways of one file run. A leaf: the
//! input names them (`targets:`), rules say which targets they belong to,
//! and `generate` writes the outputs of the listed ones.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One deployment target.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// This machine, run by hand or by `ocgen install`: `env/` and `config/`.
    Host,
    /// Plain systemd units: `systemd/`.
    Systemd,
    /// The NixOS module: `nixos/`.
    Nixos,
    /// Docker Compose: `compose.yaml`.
    Compose,
    /// Kubernetes manifests: `kubernetes/`.
    Kubernetes,
    /// macOS LaunchAgents: `launchd/`.
    Launchd,
}

impl Target {
    /// Every target, in the order outputs are written.
    pub const ALL: &'static [Target] = &[
        Target::Host,
        Target::Systemd,
        Target::Nixos,
        Target::Compose,
        Target::Kubernetes,
        Target::Launchd,
    ];

    /// The targets of a file that names none: the four that ocgen has
    /// always written. Kubernetes and launchd are asked for by name.
    pub const DEFAULT: &'static [Target] = &[
        Target::Host,
        Target::Systemd,
        Target::Nixos,
        Target::Compose,
    ];

    /// Targets whose gateways read and write paths of the machine they run
    /// on (state dir, config, workspace): they need `home` or `state_dir`.
    pub const HOST_PATHS: &'static [Target] = &[
        Target::Host,
        Target::Systemd,
        Target::Nixos,
        Target::Launchd,
    ];

    /// Targets that run each gateway in a container of the official image.
    pub const CONTAINERS: &'static [Target] = &[Target::Compose, Target::Kubernetes];

    /// The name used in `ocgen.yaml` and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Host => "host",
            Target::Systemd => "systemd",
            Target::Nixos => "nixos",
            Target::Compose => "compose",
            Target::Kubernetes => "kubernetes",
            Target::Launchd => "launchd",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Targets(u8);

impl Targets {
    /// No target.
    pub const NONE: Targets = Targets(0);

    /// The set of one target.
    pub fn one(t: Target) -> Targets {
        Targets(t.bit())
    }

    /// The set of these targets.
    pub fn of(targets: &[Target]) -> Targets {
        Targets(targets.iter().fold(0, |m, t| m | t.bit()))
    }

    /// Every target.
    pub fn all() -> Targets {
        Targets::of(Target::ALL)
    }

    /// Whether `t` is in the set.
    pub fn contains(self, t: Target) -> bool {
        self.0 & t.bit() != 0
    }

    /// Whether the sets share a target.
    pub fn intersects(self, other: Targets) -> bool {
        self.0 & other.0 != 0
    }

    /// The targets in both sets.
    #[must_use]
    pub fn intersection(self, other: Targets) -> Targets {
        Targets(self.0 & other.0)
    }

    /// The union.
    #[must_use]
    pub fn with(self, other: Targets) -> Targets {
        Targets(self.0 | other.0)
    }

    /// The targets in the set, in [`Target::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Target> {
        Target::ALL
            .iter()
            .copied()
            .filter(move |t| self.contains(*t))
    }

    /// `compose`, `nixos/compose`: how a message names the targets a rule
    /// belongs to.
    pub fn label(self) -> String {
        self.iter()
            .map(Target::as_str)
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets() {
        let c = Targets::of(Target::CONTAINERS);
        assert!(c.contains(Target::Compose) && !c.contains(Target::Host));
        assert!(c.intersects(Targets::of(&[Target::Kubernetes])));
        assert!(!c.intersects(Targets::of(Target::HOST_PATHS)));
        assert_eq!(c.label(), "compose/kubernetes");
        assert_eq!(Targets::all().iter().count(), Target::ALL.len());
    }
}
