//! A real NixOS evaluation: the private Nix 2.26 and nixpkgs snapshot that
//! `shared/tools/real-nix.sh` puts under `$OCGEN_TOOLS/real-nix`
//! (`.ci/install-tools.sh` runs it), and tests/nix/nixos-system.nix, which
//! evaluates several systems in one call.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::sync::{Condvar, Mutex};

use serde_json::Value;

use super::root;

/// The private Nix and nixpkgs.
pub struct RealNix {
    /// `nix-instantiate` (a wrapper with its own store and nix.conf).
    pub nix_instantiate: PathBuf,
    /// `nix`, the same way.
    pub nix: PathBuf,
    /// The nixpkgs tree.
    pub nixpkgs: PathBuf,
}

/// Finds the setup of `real-nix.sh` under `$OCGEN_TOOLS/real-nix` (default
/// `~/.cache/ocgen-test-tools/real-nix`); None (after saying why) when it is
/// missing and tools are not required, a panic when they are.
pub fn real_nix() -> Option<RealNix> {
    let mut dirs = Vec::new();
    if let Some(t) = std::env::var_os("OCGEN_TOOLS") {
        dirs.push(PathBuf::from(t).join("real-nix"));
    }
    if let Some(h) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(h).join(".cache/ocgen-test-tools/real-nix"));
    }
    for d in dirs {
        let nix = d.join("bin/nix-instantiate");
        let nixpkgs = d.join("nixpkgs");
        if nix.is_file() && nixpkgs.join("nixos/lib/eval-config.nix").is_file() {
            return Some(RealNix {
                nix_instantiate: nix,
                nix: d.join("bin/nix"),
                nixpkgs,
            });
        }
    }
    let msg = "the real Nix and nixpkgs of shared/tools/real-nix.sh are not in $OCGEN_TOOLS/real-nix (run `bash .ci/install-tools.sh`)";
    super::skip(msg);
    None
}

/// One system to evaluate: what ocgen wrote and extra modules (Nix
/// expressions, each a module).
pub struct Case {
    /// Attribute name of the case in the result.
    pub name: String,
    /// The module text ocgen wrote.
    pub module: String,
    /// Whether `module` is `ocgen nix` (values), which needs nix/module.nix
    /// beside it (else it is `ocgen nix --self-contained`, the module inlined).
    pub values: bool,
    /// Further modules, as Nix expressions.
    pub extra: Vec<String>,
    /// Whether the test sets a stand-in `services.openclaw-gateways.package`.
    pub package: bool,
    /// Whether to instantiate `config.system.build.toplevel`.
    pub toplevel: bool,
}

impl Case {
    /// A case of a whole module (`ocgen nix --self-contained`), with the
    /// stand-in package and
    /// no toplevel.
    pub fn new(name: &str, module: &str) -> Case {
        Case {
            name: name.to_string(),
            module: module.to_string(),
            values: false,
            extra: Vec::new(),
            package: true,
            toplevel: false,
        }
    }

    /// A case of values (`ocgen nix`, or gateways declared in Nix),
    /// evaluated with nix/module.nix.
    pub fn values(name: &str, values: &str) -> Case {
        Case {
            values: true,
            ..Case::new(name, values)
        }
    }

    /// Adds a module.
    #[must_use]
    pub fn with(mut self, extra: &str) -> Case {
        self.extra.push(extra.to_string());
        self
    }
}

impl RealNix {
    /// Runs nix-instantiate with `args`; Ok(stdout) or Err(stderr). At most
    /// two run at once in a test binary: a NixOS evaluation takes about
    /// 0.7 GB.
    pub fn run(&self, args: &[&str]) -> Result<String, String> {
        let _slot = Slot::take();
        let out = Command::new(&self.nix_instantiate)
            .args(args)
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8(out.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The flake input that stands for nixpkgs: the snapshot as the store
    /// path `.ci/install-tools.sh` added it under
    /// (`$OCGEN_TOOLS/real-nix-nixpkgs-source`), which Nix takes as it is,
    /// where the tree itself would be hashed and copied (440 MB) on every
    /// run. None (after saying why) when it is not there.
    pub fn nixpkgs_input(&self) -> Option<String> {
        let stamp = self
            .nixpkgs
            .parent()
            .and_then(Path::parent)
            .unwrap()
            .join("real-nix-nixpkgs-source");
        let stored = std::fs::read_to_string(&stamp)
            .ok()
            .and_then(|s| s.lines().nth(1).map(str::to_string))
            .filter(|p| {
                Command::new(self.nix_instantiate.with_file_name("nix-store"))
                    .args(["--check-validity", p])
                    .output()
                    .is_ok_and(|o| o.status.success())
            });
        if stored.is_none() {
            super::skip(&format!(
                "{} names no valid store path of the nixpkgs snapshot (run `bash .ci/install-tools.sh`)",
                stamp.display()
            ));
        }
        stored.map(|p| format!("path:{p}"))
    }

    /// Runs `nix` with flakes on (only for this process: a private
    /// setting, not the shared nix.conf) and no flake registry (there is
    /// no network to fetch it from); Ok(stdout) or Err(stderr).
    pub fn flake(&self, args: &[&str]) -> Result<String, String> {
        let _slot = Slot::take();
        let out = Command::new(&self.nix)
            .args(args)
            .env(
                "NIX_CONFIG",
                "extra-experimental-features = nix-command flakes\nflake-registry =\n",
            )
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8(out.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Evaluates every case in one nix-instantiate call; the JSON of
    /// tests/nix/nixos-system.nix, by case name.
    pub fn evaluate(&self, dir: &Path, cases: &[Case]) -> Result<Value, String> {
        let mut set = String::from("{\n");
        for c in cases {
            let module = dir.join(format!("{}.nix", c.name));
            std::fs::write(&module, &c.module).unwrap();
            let mut extra = Vec::new();
            for (i, e) in c.extra.iter().enumerate() {
                let p = dir.join(format!("{}-extra-{i}.nix", c.name));
                std::fs::write(&p, e).unwrap();
                extra.push(p.display().to_string());
            }
            set.push_str(&format!(
                "  \"{}\" = {{ module = {}; values = {}; extra = [ {} ]; package = {}; toplevel = {}; }};\n",
                c.name,
                module.display(),
                c.values,
                extra.join(" "),
                c.package,
                c.toplevel
            ));
        }
        set.push('}');
        let cases_file = dir.join("cases.nix");
        std::fs::write(&cases_file, set).unwrap();
        let driver = root().join("tests/nix/nixos-system.nix");
        let json = self.run(&[
            "--eval",
            "--strict",
            "--json",
            "--read-write-mode",
            "--arg",
            "nixpkgs",
            self.nixpkgs.to_str().unwrap(),
            "--arg",
            "cases",
            &format!("import {}", cases_file.display()),
            driver.to_str().unwrap(),
        ])?;
        Ok(serde_json::from_str(&json).unwrap())
    }
}

static RUNNING: Mutex<u32> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

/// One of two evaluation slots, given back on drop (also when a test panics).
struct Slot;

impl Slot {
    fn take() -> Slot {
        let mut n = RUNNING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *n >= 2 {
            n = FREED
                .wait(n)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *n += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut n = RUNNING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *n -= 1;
        FREED.notify_one();
    }
}
