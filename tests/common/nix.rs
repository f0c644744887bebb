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

/// One rule of `ocgen check`, broken once in ocgen.yaml and once by
/// gateways declared in Nix alone: `ocgen check` refuses the one
/// (tests/nixos.rs), the module's assertions the other
/// (tests/nixos_real.rs).
pub struct Refused {
    /// The case's name.
    pub name: &'static str,
    /// The value of `services.openclaw-gateways`, as Nix attributes.
    pub nix: &'static str,
    /// The same gateways in ocgen.yaml, after `version: 1`, `targets:
    /// [nixos]` and `defaults: { home: /var/lib/openclaw }` (the module's
    /// defaults).
    pub yaml: &'static str,
    /// The code of `ocgen check`'s problem.
    pub code: &'static str,
    /// The start of the module's assertion message.
    pub message: &'static str,
}

/// Every rule both sides check, with gateways declared in Nix alone.
pub const REFUSED: &[Refused] = &[
    Refused {
        name: "overlap-nix",
        nix: "gateways = { main.port = 18789; rescue.port = 18800; };",
        yaml: "gateways:\n  main: { port: 18789 }\n  rescue: { port: 18800 }\n",
        code: "ocgen::port::overlap",
        message: "services.openclaw-gateways: gateways main (ports 18789-18899) and rescue (ports 18800-18910) overlap:",
    },
    Refused {
        name: "nested",
        nix: "gateways = { a = { port = 20000; stateDir = \"/srv/a\"; }; b = { port = 20120; stateDir = \"/srv/a/b\"; }; };",
        yaml: "gateways:\n  a: { port: 20000, state_dir: /srv/a }\n  b: { port: 20120, state_dir: /srv/a/b }\n",
        code: "ocgen::path::overlap",
        message: "services.openclaw-gateways: gateway b's stateDir /srv/a/b is inside gateway a's stateDir /srv/a:",
    },
    Refused {
        name: "profile",
        nix: "gateways = { a = { port = 20000; profile = \"x\"; }; b = { port = 20120; profile = \"x\"; stateDir = \"/srv/b\"; }; };",
        yaml: "gateways:\n  a: { port: 20000, profile: x }\n  b: { port: 20120, profile: x, state_dir: /srv/b }\n",
        code: "ocgen::profile",
        message: "services.openclaw-gateways: gateways a and b use the same profile x:",
    },
    Refused {
        name: "cdp",
        nix: "gateways = { a.port = 20000; b = { port = 20120; settings.browser.profiles.work.cdpPort = 20005; }; };",
        yaml: "gateways:\n  a: { port: 20000 }\n  b: { port: 20120, browser: { profiles: { work: { cdp_port: 20005 } } } }\n",
        code: "ocgen::port::cdp",
        message: "services.openclaw-gateways.gateways.b: the CDP port 20005 of browser profile work lies inside gateway a's ports 20000-20110:",
    },
    Refused {
        name: "lan",
        nix: "gateways.a = { port = 20000; bind = \"lan\"; };",
        yaml: "gateways:\n  a: { port: 20000, bind: lan }\n",
        code: "ocgen::auth",
        message: "services.openclaw-gateways.gateways.a: binds lan without auth,",
    },
    Refused {
        name: "authboth",
        nix: "gateways.a.port = 20000; gateways.a.auth = { mode = \"token\"; env = \"T\"; file = \"/run/t\"; };",
        yaml: "gateways:\n  a: { port: 20000, auth: { mode: token, env: T, file: /run/t } }\n",
        code: "ocgen::auth",
        message: "services.openclaw-gateways.gateways.a: auth has both env and file",
    },
    Refused {
        name: "loopback-firewall",
        nix: "gateways.a = { port = 20000; openFirewall = true; };",
        yaml: "gateways:\n  a: { port: 20000, open_firewall: true }\n",
        code: "ocgen::firewall",
        message: "services.openclaw-gateways.gateways.a: openFirewall is set but the gateway binds loopback",
    },
    Refused {
        name: "reserved",
        nix: "gateways.a = { port = 20000; environment.OPENCLAW_STATE_DIR = \"/x\"; };",
        yaml: "gateways:\n  a: { port: 20000, env: { OPENCLAW_STATE_DIR: /x } }\n",
        code: "ocgen::env",
        message: "services.openclaw-gateways.gateways.a: environment sets OPENCLAW_STATE_DIR,",
    },
    Refused {
        name: "owned",
        nix: "gateways.a = { port = 20000; settings.gateway.port = 1; };",
        yaml: "gateways:\n  a: { port: 20000, openclaw: { gateway: { port: 1 } } }\n",
        code: "ocgen::settings",
        message: "services.openclaw-gateways.gateways.a: settings sets gateway.port,",
    },
    Refused {
        name: "privileged",
        nix: "gateways.a.port = 80;",
        yaml: "gateways:\n  a: { port: 80 }\n",
        code: "ocgen::port::range",
        message: "services.openclaw-gateways.gateways.a: port 80 is privileged",
    },
    Refused {
        name: "root",
        nix: "gateways.a = { port = 20000; user = \"root\"; };",
        yaml: "gateways:\n  a: { port: 20000, user: root }\n",
        code: "ocgen::account",
        message: "services.openclaw-gateways.gateways.a: the service would run as user root",
    },
    Refused {
        name: "untagged",
        nix: "backend = \"oci-containers\"; gateways.a = { port = 20000; image = \"ghcr.io/openclaw/openclaw\"; };",
        yaml: "nixos: { backend: oci-containers }\ngateways:\n  a: { port: 20000, image: ghcr.io/openclaw/openclaw }\n",
        code: "ocgen::image",
        message: "services.openclaw-gateways.gateways.a: image ghcr.io/openclaw/openclaw has no tag",
    },
    Refused {
        name: "backup-keep",
        nix: "gateways.a = { port = 20000; backup = { enable = true; keep = 0; }; };",
        yaml: "gateways:\n  a: { port: 20000, backup: { keep: 0 } }\n",
        code: "ocgen::backup",
        message: "services.openclaw-gateways.gateways.a: backup.keep is 0, which would keep no archive:",
    },
    Refused {
        name: "backup-schedule",
        nix: "gateways.a = { port = 20000; backup = { enable = true; schedule = \"every night\"; }; };",
        yaml: "gateways:\n  a: { port: 20000, backup: { schedule: every night } }\n",
        code: "ocgen::backup",
        message: "services.openclaw-gateways.gateways.a: backup.schedule every night is not a schedule ocgen can give every target:",
    },
    Refused {
        name: "backup-inside-state",
        nix: "gateways = { a = { port = 20000; backup = { enable = true; dir = \"/var/lib/openclaw/.openclaw-b\"; }; }; b.port = 20120; };",
        yaml: "gateways:\n  a: { port: 20000, backup: { dir: /var/lib/openclaw/.openclaw-b } }\n  b: { port: 20120 }\n",
        code: "ocgen::backup",
        message: "services.openclaw-gateways.gateways.a: its archives would go to /var/lib/openclaw/.openclaw-b/a, inside the state dir /var/lib/openclaw/.openclaw-b of gateway b:",
    },
    Refused {
        name: "backup-shared",
        nix: "gateways = { a = { port = 20000; backup = { enable = true; dir = \"/b\"; }; }; b = { port = 20120; backup = { enable = true; dir = \"/b/a\"; }; }; };",
        yaml: "gateways:\n  a: { port: 20000, backup: { dir: /b } }\n  b: { port: 20120, backup: { dir: /b/a } }\n",
        code: "ocgen::path::overlap",
        message: "services.openclaw-gateways: gateways a and b would write archives to /b/a and /b/a/b:",
    },
    Refused {
        name: "backup-oci",
        nix: "backend = \"oci-containers\"; gateways.a = { port = 20000; backup.enable = true; };",
        yaml: "nixos: { backend: oci-containers }\ngateways:\n  a: { port: 20000, backup: {} }\n",
        code: "ocgen::backup",
        message: "services.openclaw-gateways.gateways.a: backup needs the systemd backend",
    },
];
