# OpenClaw gateways of deployment "fleet": the values of ocgen's NixOS
# module, written by ocgen. Do not edit; change ocgen.yaml and run
# `ocgen generate` (or `ocgen nix`) again.
#
# Import it beside the module, which declares the options and derives
# the units, openclaw.json and firewall from them (ocgen's flake):
#
#   modules = [ ocgen.nixosModules.default ./openclaw-gateways.nix ];
#
# Every value is defined at normal priority: override one with
# lib.mkForce, e.g.
#   services.openclaw-gateways.gateways.<name>.port = lib.mkForce 30000;
{
  services.openclaw-gateways = {
    backend = "oci-containers";
    gateways = {
      main = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 18789;
        bind = "loopback";
        profile = "default";
        stateDir = "/srv/openclaw/.openclaw";
        workspace = "/srv/openclaw/.openclaw/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
      support = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 18909;
        bind = "loopback";
        profile = "support";
        stateDir = "/srv/openclaw/.openclaw-support";
        workspace = "/srv/openclaw/.openclaw-support/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
      sales = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 20000;
        bind = "loopback";
        profile = "sales";
        stateDir = "/srv/openclaw/.openclaw-sales";
        workspace = "/srv/openclaw/.openclaw-sales/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
      research = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 19029;
        bind = "loopback";
        profile = "research";
        stateDir = "/srv/openclaw/.openclaw-research";
        workspace = "/srv/research/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
      ops = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 21000;
        bind = "lan";
        profile = "ops";
        stateDir = "/srv/openclaw/.openclaw-ops";
        workspace = "/srv/openclaw/.openclaw-ops/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
      lab = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 19149;
        bind = "loopback";
        profile = "lab";
        stateDir = "/srv/openclaw/.openclaw-lab";
        workspace = "/srv/openclaw/.openclaw-lab/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
      proxied = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 19269;
        bind = "lan";
        profile = "proxied";
        stateDir = "/srv/openclaw/.openclaw-proxied";
        workspace = "/srv/openclaw/.openclaw-proxied/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
      edge = {
        image = "ghcr.io/openclaw/openclaw:2026.9.6";
        port = 19389;
        bind = "loopback";
        profile = "edge";
        stateDir = "/var/lib/openclaw-edge";
        workspace = "/var/lib/openclaw-edge/workspace";
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
                workspaceRoot = "/home/node/.openclaw/sandboxes";
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
      };
    };
  };
}
