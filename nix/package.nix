# ocgen for Nix users: `nix build` (the flake at the repository root),
# `nix-build nix` (default.nix), or `pkgs.callPackage ./nix/package.nix { }`
# in your own configuration.
{ lib
, stdenv
, rustPlatform
, installShellFiles
}:

let
  cargoToml = builtins.fromTOML (builtins.readFile ../Cargo.toml);
  # Only what the build and the tests read: a stray target/ directory does
  # not cause a rebuild, nor does a new flake.lock. Cargo.toml declares the
  # benches (cargo refuses a manifest whose bench is missing), a test reads
  # README.md, the binary embeds nix/module.nix.
  fileset = lib.fileset.unions [
    ../Cargo.toml
    ../Cargo.lock
    ../README.md
    ../ocgen.schema.json
    ../benches
    ../nix
    ../src
    ../templates
    ../examples
    ../tests
  ];
in
rustPlatform.buildRustPackage {
  pname = cargoToml.package.name;
  inherit (cargoToml.package) version;

  src = lib.fileset.toSource {
    root = ../.;
    inherit fileset;
  };

  cargoLock.lockFile = ../Cargo.lock;

  nativeBuildInputs = [ installShellFiles ];

  # The integration tests that drive external tools (nix-instantiate,
  # systemd-analyze, docker compose, OpenClaw) skip themselves when a tool
  # is missing, as in the build sandbox; everything else runs.

  postInstall = lib.optionalString (stdenv.buildPlatform.canExecute stdenv.hostPlatform) ''
    installShellCompletion --cmd ocgen \
      --bash <($out/bin/ocgen completions bash) \
      --fish <($out/bin/ocgen completions fish) \
      --zsh <($out/bin/ocgen completions zsh)
    $out/bin/ocgen man > ocgen.1
    installManPage ocgen.1
  '';

  # The flake's `source` check reads it.
  passthru = { inherit fileset; };

  meta = {
    description = cargoToml.package.description;
    license = with lib.licenses; [ mit asl20 ];
    mainProgram = "ocgen";
    platforms = lib.platforms.unix;
  };
}
