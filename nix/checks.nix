# The flake's checks (`nix flake check`; `--no-build` evaluates them all).
#
# - nixos-<example>-<backend>: ocgen's NixOS module with the values that
#   `ocgen nix` writes for every example and both backends (the systemd
#   backend's are `ocgen generate`'s tests/golden/<example>/tree/nixos/
#   openclaw-gateways.nix, the containers' tests/golden/<example>/nixos/
#   oci-containers.nix; `cargo test` keeps both equal to ocgen's output). A failed assertion or a warning fails the check; what the
#   module made of the values (units' settings, containers, openclaw.json)
#   is the check's output.
# - package, source: the package, and its source set (what the build reads,
#   nothing more).
# - format: nixpkgs-fmt on every Nix file.
{ pkgs, nixosSystem, module, package, src }:

let
  inherit (pkgs) lib;
  golden = src + "/tests/golden";

  # The OpenClaw package is a stand-in: the checks evaluate the module, they
  # run no gateway.
  base = {
    nixpkgs.hostPlatform = pkgs.stdenv.hostPlatform.system;
    boot.isContainer = true;
    system.stateVersion = "26.05";
    services.openclaw-gateways.package = pkgs.writeShellScriptBin "openclaw" "exit 0";
  };

  evaluate = name: values:
    let
      cfg = (nixosSystem { modules = [ module values base ]; }).config;
      failed = map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);
      ours = lib.filterAttrs (n: _: lib.hasPrefix "openclaw-gateway-" n) cfg.systemd.services;
      summary = {
        inherit (cfg.services.openclaw-gateways) openclawJson;
        services = lib.mapAttrs (_: s: { inherit (s) environment serviceConfig wantedBy; }) ours;
        containers = lib.mapAttrs
          (_: c: { inherit (c) image environment environmentFiles ports cmd volumes extraOptions; })
          cfg.virtualisation.oci-containers.containers;
        tmpfiles = lib.filter (r: lib.hasInfix "openclaw" r) cfg.systemd.tmpfiles.rules;
        firewall = cfg.networking.firewall.allowedTCPPorts;
      };
    in
    if failed != [ ] then throw "${name}: failed assertions:\n- ${lib.concatStringsSep "\n- " failed}"
    else if cfg.warnings != [ ] then throw "${name}: warnings:\n- ${lib.concatStringsSep "\n- " cfg.warnings}"
    else pkgs.writeText "${name}.json" (builtins.toJSON summary);

  examples = lib.attrNames (lib.filterAttrs (_: type: type == "directory") (builtins.readDir golden));

  # The values files of an example, by backend, where it has them.
  valuesOf = ex: lib.filterAttrs (_: builtins.pathExists) {
    systemd = golden + "/${ex}/tree/nixos/openclaw-gateways.nix";
    oci-containers = golden + "/${ex}/nixos/oci-containers.nix";
  };

  nixosChecks = lib.listToAttrs (lib.concatMap
    (ex: lib.mapAttrsToList
      (backend: file:
        let name = "nixos-${ex}-${backend}";
        in lib.nameValuePair name (evaluate name file))
      (valuesOf ex))
    examples);

  # What the build reads is there; what it must not read (a target
  # directory, the flake's own lock) is not.
  source =
    let
      root = "${toString src}/";
      files = map (p: lib.removePrefix root (toString p)) (lib.fileset.toList package.fileset);
      has = prefix: lib.any (f: f == prefix || lib.hasPrefix "${prefix}/" f) files;
      missing = lib.filter (p: !has p) [ "Cargo.toml" "Cargo.lock" "src/main.rs" "nix/module.nix" "examples" "tests/golden" ];
      stray = lib.filter has [ "target" "flake.lock" "flake.nix" ".git" ];
    in
    if missing != [ ] || stray != [ ]
    then throw "the package's source set lacks ${toString missing} and holds ${toString stray}"
    else pkgs.writeText "ocgen-source-set" (lib.concatLines files);
in
nixosChecks // {
  inherit package source;
  format = pkgs.runCommand "ocgen-nix-format" { nativeBuildInputs = [ pkgs.nixpkgs-fmt ]; } ''
    nixpkgs-fmt --check ${src + "/flake.nix"} ${src + "/nix"}
    touch $out
  '';
}
