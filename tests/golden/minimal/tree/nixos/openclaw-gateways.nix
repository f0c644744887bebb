# OpenClaw gateways of deployment "openclaw": the values of ocgen's NixOS
# module, written by ocgen. Do not edit; change ocgen.yaml and run
# `ocgen generate` (or `ocgen nix`) again.
#
# Import it beside the module, which declares the options and derives
# the units, openclaw.json and firewall from them (ocgen's flake):
#
#   modules = [ ocgen.nixosModules.default ./openclaw-gateways.nix ];
#   services.openclaw-gateways.package = <an OpenClaw package>;  # see ocgen's README
#
# Every value is defined at normal priority: override one with
# lib.mkForce, e.g.
#   services.openclaw-gateways.gateways.<name>.port = lib.mkForce 30000;
{
  services.openclaw-gateways = {
    backend = "systemd";
    userHome = "/var/lib/openclaw";
    gateways = {
      main = {
        port = 18789;
        bind = "loopback";
        profile = "main";
        stateDir = "/var/lib/openclaw/.openclaw-main";
        configPath = "/var/lib/openclaw/.openclaw-main/openclaw.json";
        workspace = "/var/lib/openclaw/.openclaw-main/workspace";
        logFile = "/var/lib/openclaw/.openclaw-main/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        secretsFile = "/var/lib/openclaw/.openclaw-main/.env";
        settings = {
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/var/lib/openclaw/.openclaw-main/sandboxes";
                docker = {
                  containerPrefix = "openclaw.main.sbx-";
                };
                browser = {
                  containerPrefix = "openclaw.main.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
        };
        startAfter = [ ];
      };
    };
  };
}
