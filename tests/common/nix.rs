//! Evaluating the NixOS module ocgen writes: `nix-instantiate` against the
//! stub module system in tests/nix/stub.nix.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::root;

/// Runs nix-instantiate; Ok(stdout) or Err(stderr).
pub fn nix_instantiate(nix: &Path, args: &[&str], file: &Path) -> Result<String, String> {
    let out = Command::new(nix)
        .args(args)
        .arg(file)
        // The Debian package warns about a missing nixbld group; keep the
        // store out of the way, nothing here builds.
        .env("NIX_REMOTE", "")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub const STUB_OPENCLAW: &str = "/nix/store/00000000000000000000000000000000-openclaw-2026.9.6";

/// Evaluates `module` (text) with the stub lib and `extra` modules (Nix
/// expressions that may use `lib`), returning the parts of `config` the
/// tests look at.
pub fn evaluate(
    nix: &Path,
    dir: &Path,
    module: &str,
    extra: &[&str],
    with_pkgs_openclaw: bool,
) -> Result<Value, String> {
    std::fs::write(dir.join("openclaw-gateways.nix"), module).unwrap();
    std::fs::copy(root().join("tests/nix/stub.nix"), dir.join("stub.nix")).unwrap();
    let openclaw = if with_pkgs_openclaw {
        format!(
            "openclaw = {{ type = \"derivation\"; name = \"openclaw\"; outPath = \"{STUB_OPENCLAW}\"; }};"
        )
    } else {
        String::new()
    };
    let driver = format!(
        r#"let
  lib = import ./stub.nix;
  pkgs = {{
    {openclaw}
    formats.json = _: {{
      type = lib.types.anything;
      generate = name: value: {{
        type = "derivation";
        inherit name;
        outPath = "/nix/store/11111111111111111111111111111111-${{name}}";
      }};
    }};
  }};
  eval = lib.evalModules {{
    modules = [
      ./openclaw-gateways.nix
      {{ services.openclaw-gateways.enable = true; }}
      {extra}
    ];
    specialArgs = {{ inherit pkgs; }};
  }};
  c = eval.config;
in
{{
  services = c.systemd.services or {{ }};
  tmpfiles = c.systemd.tmpfiles.rules or [ ];
  firewall = c.networking.firewall.allowedTCPPorts;
  users = c.users or {{ }};
  containers = c.virtualisation.oci-containers.containers or {{ }};
  gateways = c.services.openclaw-gateways.gateways;
}}
"#,
        extra = extra.join("\n      ")
    );
    let path = dir.join("eval.nix");
    std::fs::write(&path, driver).unwrap();
    let json = nix_instantiate(nix, &["--eval", "--strict", "--json"], &path)?;
    Ok(serde_json::from_str(&json).unwrap())
}
