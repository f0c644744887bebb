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
    userHome = "/home/openclaw";
    gateways = {
      main = {
        port = 18789;
        bind = "loopback";
        profile = "default";
        stateDir = "/home/openclaw/.openclaw";
        configPath = "/home/openclaw/.openclaw/openclaw.json";
        workspace = "/home/openclaw/.openclaw/workspace";
        logFile = "/home/openclaw/.openclaw/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/home/openclaw/.openclaw/.env";
        settings = {
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/home/openclaw/.openclaw/sandboxes";
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
      rescue = {
        port = 19789;
        bind = "loopback";
        profile = "rescue";
        stateDir = "/home/openclaw/.openclaw-rescue";
        configPath = "/home/openclaw/.openclaw-rescue/openclaw.json";
        workspace = "/home/openclaw/.openclaw-rescue/workspace";
        logFile = "/home/openclaw/.openclaw-rescue/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/home/openclaw/.openclaw-rescue/.env";
        settings = {
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/home/openclaw/.openclaw-rescue/sandboxes";
                docker = {
                  containerPrefix = "openclaw.rescue.sbx-";
                };
                browser = {
                  containerPrefix = "openclaw.rescue.browser-";
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
