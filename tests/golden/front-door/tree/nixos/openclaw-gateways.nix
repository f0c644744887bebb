# OpenClaw gateways of deployment "frontdoor": the values of ocgen's NixOS
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
        profile = "main";
        stateDir = "/home/openclaw/.openclaw-main";
        configPath = "/home/openclaw/.openclaw-main/openclaw.json";
        workspace = "/home/openclaw/.openclaw-main/workspace";
        logFile = "/home/openclaw/.openclaw-main/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "MAIN_GATEWAY_TOKEN";
        };
        secretsFile = "/home/openclaw/.openclaw-main/.env";
        settings = {
          gateway = {
            controlUi = {
              allowedOrigins = [ "https://main.example.com" ];
            };
            trustedProxies = [ "127.0.0.1" "::1" ];
          };
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/home/openclaw/.openclaw-main/sandboxes";
                docker = {
                  containerPrefix = "frontdoor.main.sbx-";
                };
                browser = {
                  containerPrefix = "frontdoor.main.browser-";
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
        port = 18909;
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
          env = "RESCUE_GATEWAY_TOKEN";
        };
        secretsFile = "/home/openclaw/.openclaw-rescue/.env";
        settings = {
          gateway = {
            controlUi = {
              allowedOrigins = [ "https://example.com" ];
              basePath = "/rescue";
            };
            trustedProxies = [ "127.0.0.1" "::1" ];
          };
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/home/openclaw/.openclaw-rescue/sandboxes";
                docker = {
                  containerPrefix = "frontdoor.rescue.sbx-";
                };
                browser = {
                  containerPrefix = "frontdoor.rescue.browser-";
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
