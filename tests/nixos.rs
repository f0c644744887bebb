//! The NixOS module as text: golden files, `nix-instantiate --parse`
//! (Nix 2.26) and nixpkgs-fmt. Its evaluation inside real NixOS systems is
//! in tests/nixos_real.rs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::nix::nix_instantiate;
use common::{examples_for, golden, ocgen, root, tool};
/// `ocgen nix` on a file.
fn module_of(file: &Path) -> String {
    let out = ocgen().arg("-f").arg(file).arg("nix").output().unwrap();
    assert!(
        out.status.success(),
        "ocgen nix: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write_yaml(dir: &Path, yaml: &str) -> PathBuf {
    let p = dir.join("ocgen.yaml");
    std::fs::write(&p, yaml).unwrap();
    p
}

#[test]
fn every_example_module_matches_its_golden_file_parses_and_is_formatted() {
    let nix = tool("nix-instantiate");
    let fmt = tool("nixpkgs-fmt");
    let dir = tempfile::tempdir().unwrap();
    for ex in examples_for(ocgen::plan::Target::Nixos) {
        let stem = ex.file_stem().unwrap().to_str().unwrap().to_string();
        let text = module_of(&ex);
        golden(&format!("{stem}/tree/nixos/openclaw-gateways.nix"), &text);
        // The oci-containers backend's module too (not a golden file).
        let oci_yaml = dir.path().join(format!("{stem}-oci.yaml"));
        std::fs::write(
            &oci_yaml,
            std::fs::read_to_string(&ex).unwrap() + "\nnixos:\n  backend: oci-containers\n",
        )
        .unwrap();
        for (name, text) in [
            (stem.clone(), text),
            (format!("{stem}-oci"), module_of(&oci_yaml)),
        ] {
            let file = dir.path().join(format!("{name}.nix"));
            std::fs::write(&file, &text).unwrap();
            if let Some(nix) = &nix {
                nix_instantiate(nix, &["--parse"], &file).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            if let Some(fmt) = &fmt {
                let out = Command::new(fmt)
                    .arg("--check")
                    .arg(&file)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{name}: not formatted as nixpkgs-fmt would:\n{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

#[test]
fn generate_writes_the_same_module() {
    let dir = tempfile::tempdir().unwrap();
    let ex = root().join("examples/fleet.yaml");
    let out = ocgen()
        .arg("-f")
        .arg(&ex)
        .arg("generate")
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(dir.path().join("nixos/openclaw-gateways.nix")).unwrap();
    assert_eq!(written, module_of(&ex));
}

#[test]
fn every_nix_file_of_the_packaging_parses_and_is_formatted() {
    let nix = tool("nix-instantiate");
    let fmt = tool("nixpkgs-fmt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("nix"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.push(root().join("tests/nix/nixos-system.nix"));
    assert!(
        files.len() >= 3,
        "nix/package.nix and nix/flake.nix: {files:?}"
    );
    for f in &files {
        if let Some(nix) = &nix {
            nix_instantiate(nix, &["--parse"], f)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        }
        if let Some(fmt) = &fmt {
            let out = Command::new(fmt).arg("--check").arg(f).output().unwrap();
            assert!(
                out.status.success(),
                "{} is not nixpkgs-fmt formatted",
                f.display()
            );
        }
    }
}

#[test]
fn tailnet_cannot_be_published_by_the_container_backend() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "version: 1\nnixos: { backend: oci-containers }\ndefaults:\n  home: /srv/oc\ngateways:\n  t:\n    bind: tailnet\n    auth: { mode: token, env: OC_TOKEN }\n";
    let file = write_yaml(dir.path(), yaml);
    let out = ocgen()
        .arg("-f")
        .arg(&file)
        .arg("--color")
        .arg("never")
        .arg("nix")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gateway `t` binds `tailnet`") && err.contains("custom_bind_host"),
        "{err}"
    );
}
