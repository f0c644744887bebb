# Evaluates NixOS systems that import ocgen's output, several in one
# nix-instantiate call (nixpkgs is parsed once), and returns what the tests
# read back: our units' text (gateways and their backups), services,
# timers, pre-switch checks, accounts, firewall, tmpfiles, the final openclaw.json of each
# gateway, warnings, failed assertions and, on request, the toplevel's .drv
# (instantiated, not built).
#
#   nix-instantiate --eval --strict --json --read-write-mode nixos-system.nix \
#     --arg nixpkgs /path/to/nixpkgs --arg cases '{ name = { module = ./m.nix; }; }'
#
# A case's `module` is what ocgen wrote: `ocgen nix --self-contained` (the
# module inlined), or `ocgen nix` (the values) with `values = true`, which
# imports nix/module.nix beside it as the flake's nixosModules.default does.
{ nixpkgs, cases }:
let
  lib = import (nixpkgs + "/lib");
  base = {
    boot.isContainer = true;
    system.stateVersion = "26.05";
    # nixpkgs' shellcheck is a Haskell program, whose package set the
    # snapshot lacks; writeShellApplication (the oci-containers pre-start
    # script) only runs it at build time.
    nixpkgs.overlays = [
      (final: prev: {
        shellcheck-minimal = prev.writeShellScriptBin "shellcheck" "exit 0" // {
          compiler.bootstrapAvailable = false;
        };
      })
    ];
  };
  # A stand-in for OpenClaw: nothing is built.
  package = { pkgs, ... }: {
    services.openclaw-gateways.package = pkgs.writeShellScriptBin "openclaw" "exit 0";
  };
  one = _: c:
    let
      sys = import (nixpkgs + "/nixos/lib/eval-config.nix") {
        system = "x86_64-linux";
        modules = lib.optional (c.values or false) ../../nix/module.nix
          ++ [ c.module base ]
          ++ lib.optional (c.package or true) package
          ++ map import (c.extra or [ ]);
      };
      cfg = sys.config;
      # A gateway's unit: openclaw-gateway-<profile>, openclaw-gateway for the default profile; its backup's likewise.
      ours = n: lib.hasInfix "openclaw-gateway-" n || n == "openclaw-gateway" || n == "openclaw-gateway.service" || lib.hasPrefix "openclaw-backup" n;
    in
    {
      units = lib.mapAttrs (_: u: u.text) (lib.filterAttrs (n: _: ours n) cfg.systemd.units);
      services = lib.mapAttrs (_: s: { inherit (s) environment serviceConfig wantedBy after; }) (lib.filterAttrs (n: _: ours n) cfg.systemd.services);
      preSwitchChecks = lib.filterAttrs (n: _: lib.hasPrefix "openclaw" n) cfg.system.preSwitchChecks;
      timers = lib.mapAttrs (_: t: { inherit (t) wantedBy timerConfig; }) (lib.filterAttrs (n: _: ours n) cfg.systemd.timers);
      users = lib.mapAttrs (_: u: { inherit (u) home isSystemUser group createHome; }) (lib.filterAttrs (n: _: n == "openclaw") cfg.users.users);
      groups = lib.attrNames (lib.filterAttrs (n: _: n == "openclaw") cfg.users.groups);
      firewall = cfg.networking.firewall.allowedTCPPorts;
      tmpfiles = cfg.systemd.tmpfiles.rules;
      containers = lib.mapAttrs (_: c: { inherit (c) image environment environmentFiles ports cmd volumes extraOptions; }) cfg.virtualisation.oci-containers.containers;
      openclawJson = cfg.services.openclaw-gateways.openclawJson;
      warnings = cfg.warnings;
      failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);
    } // lib.optionalAttrs (c.toplevel or false) {
      toplevel = cfg.system.build.toplevel.drvPath;
    };
in
lib.mapAttrs one cases
