# OpenClaw gateways of deployment "fleet": the values of ocgen's NixOS
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
    userHome = "/srv/openclaw";
    gateways = {
      main = {
        port = 18789;
        bind = "loopback";
        profile = "default";
        stateDir = "/srv/openclaw/.openclaw";
        configPath = "/srv/openclaw/.openclaw/openclaw.json";
        workspace = "/srv/openclaw/.openclaw/workspace";
        logFile = "/srv/openclaw/.openclaw/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/srv/openclaw/.openclaw/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
        };
        settings = {
          browser = {
            profiles = {
              work = {
                cdpPort = 9222;
              };
            };
          };
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/srv/openclaw/.openclaw/sandboxes";
                docker = {
                  containerPrefix = "fleet.main.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.main.browser-";
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
      support = {
        port = 18909;
        bind = "loopback";
        profile = "support";
        stateDir = "/srv/openclaw/.openclaw-support";
        configPath = "/srv/openclaw/.openclaw-support/openclaw.json";
        workspace = "/srv/openclaw/.openclaw-support/workspace";
        logFile = "/srv/openclaw/.openclaw-support/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/srv/openclaw/.openclaw-support/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
          TEAM = "support";
        };
        settings = {
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/srv/openclaw/.openclaw-support/sandboxes";
                docker = {
                  containerPrefix = "fleet.support.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.support.browser-";
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
      sales = {
        port = 20000;
        bind = "loopback";
        profile = "sales";
        stateDir = "/srv/openclaw/.openclaw-sales";
        configPath = "/srv/openclaw/.openclaw-sales/openclaw.json";
        workspace = "/srv/openclaw/.openclaw-sales/workspace";
        logFile = "/srv/openclaw/.openclaw-sales/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/srv/openclaw/.openclaw-sales/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
        };
        settings = {
          browser = {
            profiles = {
              crm = {
                cdpPort = 9223;
                headless = true;
              };
              research = {
                cdpPort = 9224;
              };
            };
          };
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/srv/openclaw/.openclaw-sales/sandboxes";
                docker = {
                  containerPrefix = "fleet.sales.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.sales.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
        };
        startAfter = [ "main" ];
      };
      research = {
        port = 19029;
        bind = "loopback";
        profile = "research";
        stateDir = "/srv/openclaw/.openclaw-research";
        configPath = "/srv/openclaw/.openclaw-research/openclaw.json";
        workspace = "/srv/research/workspace";
        logFile = "/srv/openclaw/.openclaw-research/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/srv/openclaw/.openclaw-research/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
          TEAM = "research";
          GREETING = "it's \"quoted\", $dollar and \${brace}";
        };
        settings = {
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/srv/openclaw/.openclaw-research/sandboxes";
                docker = {
                  containerPrefix = "fleet.research.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.research.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
        };
        startAfter = [ "support" ];
      };
      ops = {
        port = 21000;
        bind = "lan";
        profile = "ops";
        stateDir = "/srv/openclaw/.openclaw-ops";
        configPath = "/srv/openclaw/.openclaw-ops/openclaw.json";
        workspace = "/srv/openclaw/.openclaw-ops/workspace";
        logFile = "/srv/openclaw/.openclaw-ops/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "password";
          file = "/run/secrets/openclaw-ops-password";
        };
        secretsFile = "/srv/openclaw/.openclaw-ops/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
        };
        settings = {
          gateway = {
            controlUi = {
              allowedOrigins = [ "https://ops.example.com" "http://192.168.1.10:21000" ];
            };
          };
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/srv/openclaw/.openclaw-ops/sandboxes";
                docker = {
                  containerPrefix = "fleet.ops.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.ops.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
        };
        startAfter = [ "sales" ];
      };
      lab = {
        port = 19149;
        bind = "loopback";
        profile = "lab";
        stateDir = "/srv/openclaw/.openclaw-lab";
        configPath = "/srv/openclaw/.openclaw-lab/openclaw.json";
        workspace = "/srv/openclaw/.openclaw-lab/workspace";
        logFile = "/srv/openclaw/.openclaw-lab/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/srv/openclaw/.openclaw-lab/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
        };
        settings = {
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/srv/openclaw/.openclaw-lab/sandboxes";
                docker = {
                  containerPrefix = "fleet.lab.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.lab.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
        };
        startAfter = [ "research" ];
      };
      proxied = {
        port = 19269;
        bind = "lan";
        profile = "proxied";
        stateDir = "/srv/openclaw/.openclaw-proxied";
        configPath = "/srv/openclaw/.openclaw-proxied/openclaw.json";
        workspace = "/srv/openclaw/.openclaw-proxied/workspace";
        logFile = "/srv/openclaw/.openclaw-proxied/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "trusted-proxy";
        };
        secretsFile = "/srv/openclaw/.openclaw-proxied/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
        };
        settings = {
          gateway = {
            auth = {
              trustedProxy = {
                userHeader = "x-forwarded-user";
              };
            };
            trustedProxies = [ "10.0.0.2" ];
          };
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/srv/openclaw/.openclaw-proxied/sandboxes";
                docker = {
                  containerPrefix = "fleet.proxied.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.proxied.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
        };
        startAfter = [ "ops" ];
      };
      edge = {
        port = 19389;
        bind = "loopback";
        profile = "edge";
        stateDir = "/var/lib/openclaw-edge";
        configPath = "/var/lib/openclaw-edge/openclaw.json";
        workspace = "/var/lib/openclaw-edge/workspace";
        logFile = "/var/lib/openclaw-edge/logs/openclaw.log";
        user = "openclaw";
        group = "openclaw";
        config = "managed";
        auth = {
          mode = "token";
          env = "OPENCLAW_GATEWAY_TOKEN";
        };
        secretsFile = "/var/lib/openclaw-edge/.env";
        environment = {
          TZ = "UTC";
          OPENCLAW_DISABLE_BONJOUR = "1";
        };
        settings = {
          browser = {
            profiles = {
              remote = {
                cdpUrl = "http://127.0.0.1:9333";
              };
            };
          };
          agents = {
            defaults = {
              sandbox = {
                workspaceRoot = "/var/lib/openclaw-edge/sandboxes";
                docker = {
                  containerPrefix = "fleet.edge.sbx-";
                };
                browser = {
                  containerPrefix = "fleet.edge.browser-";
                };
              };
            };
            entries = {
              main = { };
            };
          };
        };
        startAfter = [ "lab" ];
      };
    };
  };
}
