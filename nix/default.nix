# `nix-build nix` without flakes, against the nixpkgs of your NIX_PATH.
{ pkgs ? import <nixpkgs> { } }:

pkgs.callPackage ./package.nix { }
