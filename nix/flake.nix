# `nix build ./nix`, `nix run ./nix -- check`, or as an input:
#   inputs.ocgen.url = "git+https://<your ocgen remote>?dir=nix";
# No flake.lock is committed: nixpkgs follows the branch named below, or
# the one you pin with `inputs.ocgen.inputs.nixpkgs.follows = "nixpkgs";`.
{
  description = "ocgen: side-by-side OpenClaw gateway deployments from one declarative file";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: {
        ocgen = pkgs.callPackage ./package.nix { };
        default = self.packages.${pkgs.stdenv.hostPlatform.system}.ocgen;
      });

      overlays.default = final: _prev: {
        ocgen = final.callPackage ./package.nix { };
      };

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.ocgen ];
          packages = [ pkgs.clippy pkgs.rustfmt pkgs.nixpkgs-fmt ];
        };
      });
    };
}
