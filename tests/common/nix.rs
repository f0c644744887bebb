//! Nix helpers: `nix-instantiate` (Nix 2.26 from `$OCGEN_TOOLS/bin`), and
//! the examples with each backend of the NixOS module.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs nix-instantiate; Ok(stdout) or Err(stderr).
pub fn nix_instantiate(nix: &Path, args: &[&str], file: &Path) -> Result<String, String> {
    let out = Command::new(nix)
        .args(args)
        .arg(file)
        // Nothing here builds: no daemon.
        .env("NIX_REMOTE", "")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The NixOS module's backends, as `nixos.backend` names them.
pub const BACKENDS: [&str; 2] = ["systemd", "oci-containers"];

/// One example with one backend.
pub struct Variant {
    /// The example's file stem.
    pub stem: String,
    /// `systemd` or `oci-containers`.
    pub backend: &'static str,
    /// The input file, written to a temporary directory.
    pub yaml: PathBuf,
    /// Its text.
    pub text: String,
}

impl Variant {
    /// `<stem>-<backend>`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.stem, self.backend)
    }

    /// Whether it runs the gateways in containers.
    pub fn oci(&self) -> bool {
        self.backend == "oci-containers"
    }
}

/// Every example for the NixOS target with both backends, written to `dir`.
pub fn variants(dir: &Path) -> Vec<Variant> {
    let mut out = Vec::new();
    for ex in super::examples_for(ocgen::plan::Target::Nixos) {
        let stem = ex.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&ex).unwrap();
        assert!(
            !text.contains("\nnixos:"),
            "{stem}: the examples pick no backend"
        );
        for backend in BACKENDS {
            let text = if backend == "systemd" {
                text.clone()
            } else {
                format!("{text}\nnixos:\n  backend: {backend}\n")
            };
            let yaml = dir.join(format!("{stem}-{backend}.yaml"));
            std::fs::write(&yaml, &text).unwrap();
            out.push(Variant {
                stem: stem.clone(),
                backend,
                yaml,
                text,
            });
        }
    }
    out
}
