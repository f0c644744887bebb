# OpenClaw gateways of deployment "assistants": the values of ocgen's NixOS
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
      family = {
        port = 18789;
        bind = "loopback";
        profile = "family";
        stateDir = "/home/openclaw/.openclaw-family";
        configPath = "/home/openclaw/.openclaw-family/openclaw.json";
        workspace = "/home/openclaw/.openclaw-family/workspace";
        logFile = "/home/openclaw/.openclaw-family/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        secretsFile = "/home/openclaw/.openclaw-family/.env";
        secrets = [ "ANTHROPIC_API_KEY" "FAMILY_TELEGRAM_BOT_TOKEN" ];
        settings = {
          channels = {
            telegram = {
              enabled = true;
              botToken = {
                source = "env";
                provider = "default";
                id = "FAMILY_TELEGRAM_BOT_TOKEN";
              };
              dmPolicy = "pairing";
            };
          };
          agents = {
            defaults = {
              model = {
                primary = "anthropic/claude-sonnet-4-6";
              };
              sandbox = {
                workspaceRoot = "/home/openclaw/.openclaw-family/sandboxes";
                docker = {
                  containerPrefix = "assistants.family.sbx-";
                };
                browser = {
                  containerPrefix = "assistants.family.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
          models = {
            providers = {
              anthropic = {
                baseUrl = "https://api.anthropic.com";
                api = "anthropic-messages";
                apiKey = {
                  source = "env";
                  provider = "default";
                  id = "ANTHROPIC_API_KEY";
                };
                models = [ ];
              };
            };
          };
        };
        startAfter = [ ];
      };
      work = {
        port = 18909;
        bind = "loopback";
        profile = "work";
        stateDir = "/home/openclaw/.openclaw-work";
        configPath = "/home/openclaw/.openclaw-work/openclaw.json";
        workspace = "/home/openclaw/.openclaw-work/workspace";
        logFile = "/home/openclaw/.openclaw-work/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "seeded";
        secretsFile = "/home/openclaw/.openclaw-work/.env";
        secrets = [ "ANTHROPIC_API_KEY" "WORK_TELEGRAM_BOT_TOKEN" ];
        settings = {
          channels = {
            telegram = {
              enabled = true;
              botToken = {
                source = "env";
                provider = "default";
                id = "WORK_TELEGRAM_BOT_TOKEN";
              };
              dmPolicy = "allowlist";
              allowFrom = [ "123456789" ];
            };
          };
          agents = {
            defaults = {
              model = {
                primary = "anthropic/claude-opus-4-6";
              };
              sandbox = {
                workspaceRoot = "/home/openclaw/.openclaw-work/sandboxes";
                docker = {
                  containerPrefix = "assistants.work.sbx-";
                };
                browser = {
                  containerPrefix = "assistants.work.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
          models = {
            providers = {
              anthropic = {
                baseUrl = "https://api.anthropic.com";
                api = "anthropic-messages";
                apiKey = {
                  source = "env";
                  provider = "default";
                  id = "ANTHROPIC_API_KEY";
                };
                models = [ ];
              };
            };
          };
        };
        startAfter = [ ];
      };
    };
  };
}
