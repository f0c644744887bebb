# ocgen as a flake: the package, ocgen's NixOS module, and checks.
#
#   nix run github:<owner>/ocgen -- check
#   inputs.ocgen.url = "github:<owner>/ocgen";
#   modules = [ ocgen.nixosModules.default ./openclaw-gateways.nix ];  # `ocgen nix`
#
# flake.lock pins nixpkgs; make it follow yours with
# `inputs.ocgen.inputs.nixpkgs.follows = "nixpkgs";`.
{
  description = "ocgen: side-by-side OpenClaw gateway deployments from one declarative file";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      ocgenOf = pkgs: self.packages.${pkgs.stdenv.hostPlatform.system}.default;
    in
    {
      packages = forAllSystems (pkgs: {
        default = pkgs.callPackage ./nix/package.nix { };
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = lib.getExe (ocgenOf pkgs);
          meta.description = (ocgenOf pkgs).meta.description;
        };
      });

      overlays.default = final: _prev: {
        ocgen = final.callPackage ./nix/package.nix { };
      };

      # The module `ocgen nix` writes values for; the same file for
      # every deployment.
      nixosModules.default = ./nix/module.nix;

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ (ocgenOf pkgs) ];
          packages = [ pkgs.clippy pkgs.rustfmt pkgs.nixpkgs-fmt ];
        };
      });

      formatter = forAllSystems (pkgs: pkgs.nixpkgs-fmt);

      checks = forAllSystems (pkgs: import ./nix/checks.nix {
        inherit pkgs;
        inherit (lib) nixosSystem;
        module = self.nixosModules.default;
        package = ocgenOf pkgs;
        src = ./.;
      });
    };
}
