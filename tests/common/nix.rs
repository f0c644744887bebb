//! Running `nix-instantiate` (Nix 2.26 from `$OCGEN_TOOLS/bin`).

use std::path::Path;
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
