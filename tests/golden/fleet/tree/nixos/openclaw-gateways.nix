# OpenClaw gateways of deployment "fleet" as a NixOS module, written
# by ocgen. Do not edit; change ocgen.yaml and run `ocgen generate` again.
#
#   imports = [ ./openclaw-gateways.nix ];
#   services.openclaw-gateways.enable = true;
#
# Every per-gateway value below is defined at normal priority: override one
# with lib.mkForce, e.g.
#   services.openclaw-gateways.gateways.<name>.openFirewall = lib.mkForce true;
# Secrets never enter the Nix store (it is world-readable): the module only
# names the files that hold them. Write those files yourself.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.openclaw-gateways;
  jsonFormat = pkgs.formats.json { };
  enabled = lib.filterAttrs (_: g: g.enable) cfg.gateways;
  configFile = name: g: jsonFormat.generate "openclaw-${name}.json" g.settings;
  defaultUser = "openclaw";

  gatewayOptions = { name, ... }: {
    options = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Whether to run the OpenClaw gateway ${name}.";
      };
      port = lib.mkOption {
        type = lib.types.port;
        description = "Base port P; the gateway reserves P to P+110.";
      };
      user = lib.mkOption {
        type = lib.types.str;
        description = "User the service runs as.";
      };
      group = lib.mkOption {
        type = lib.types.str;
        description = "Group the service runs as.";
      };
      credentials = lib.mkOption {
        type = lib.types.attrsOf lib.types.str;
        default = { };
        description = "LoadCredential= entries: credential name to the path of a file outside the Nix store.";
      };
      after = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        description = "Units the service wants and starts after.";
      };
      wantedBy = lib.mkOption {
        type = lib.types.str;
        description = "Target that starts the service.";
      };
      configPath = lib.mkOption {
        type = lib.types.str;
        description = "Where the gateway reads openclaw.json (a link to settings in the store).";
      };
      serviceConfig = lib.mkOption {
        type = lib.types.attrsOf lib.types.anything;
        default = { };
        description = "Further [Service] settings: state directory, restart policy, sandboxing.";
      };
      environment = lib.mkOption {
        type = lib.types.attrsOf lib.types.str;
        default = { };
        description = "Environment of the gateway process.";
      };
      environmentFiles = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        description = "Files of secret environment variables, as strings so that they stay out of the Nix store.";
      };
      directories = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        description = "Directories created (mode 0700) before the gateway starts.";
      };
      settings = lib.mkOption {
        type = jsonFormat.type;
        default = { };
        description = "The gateway's openclaw.json.";
      };
      openFirewall = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Whether to open publicPorts in the firewall.";
      };
      publicPorts = lib.mkOption {
        type = lib.types.listOf lib.types.port;
        default = [ ];
        description = "Ports that listen beyond loopback.";
      };
    };
  };
in
{
  options.services.openclaw-gateways = {
    enable = lib.mkEnableOption "the OpenClaw gateways written by ocgen";
    package = lib.mkOption ({
      type = lib.types.package;
      description = "The OpenClaw package; its bin/openclaw runs every gateway.";
    } // lib.optionalAttrs (pkgs ? openclaw) {
      default = pkgs.openclaw;
      defaultText = lib.literalExpression "pkgs.openclaw";
    });
    gateways = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule gatewayOptions);
      default = { };
      description = "The gateways, by name.";
    };
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    {
      services.openclaw-gateways.gateways = {
        main = {
          port = 18789;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "default";
            OPENCLAW_STATE_DIR = "/srv/openclaw/.openclaw";
            OPENCLAW_CONFIG_PATH = "/srv/openclaw/.openclaw/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "18789";
            OPENCLAW_WORKSPACE_DIR = "/srv/openclaw/.openclaw/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-main.service";
          };
          environmentFiles = [ "/etc/openclaw/main.secrets.env" ];
          credentials = { };
          directories = [ "/srv/openclaw/.openclaw" ];
          configPath = "/srv/openclaw/.openclaw/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            ReadWritePaths = [
              "/srv/openclaw/.openclaw"
              "-/srv/openclaw/.openclaw/workspace"
            ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
          };
          openFirewall = false;
          publicPorts = [ ];
          settings = {
            gateway = {
              mode = "local";
              port = 18789;
              bind = "loopback";
              auth = {
                mode = "token";
                token = {
                  source = "env";
                  provider = "default";
                  id = "OPENCLAW_GATEWAY_TOKEN";
                };
              };
            };
            agents = {
              defaults = {
                workspace = "/srv/openclaw/.openclaw/workspace";
              };
            };
            browser = {
              profiles = {
                work = {
                  cdpPort = 9222;
                };
              };
            };
            logging = {
              file = "/srv/openclaw/.openclaw/logs/openclaw.log";
            };
          };
        };
        support = {
          port = 18909;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "support";
            OPENCLAW_STATE_DIR = "/srv/openclaw/.openclaw-support";
            OPENCLAW_CONFIG_PATH = "/srv/openclaw/.openclaw-support/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "18909";
            OPENCLAW_WORKSPACE_DIR = "/srv/openclaw/.openclaw-support/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            TEAM = "support";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-support.service";
          };
          environmentFiles = [ "/etc/openclaw/support.secrets.env" ];
          credentials = { };
          directories = [ "/srv/openclaw/.openclaw-support" ];
          configPath = "/srv/openclaw/.openclaw-support/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            ReadWritePaths = [
              "/srv/openclaw/.openclaw-support"
              "-/srv/openclaw/.openclaw-support/workspace"
            ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
          };
          openFirewall = false;
          publicPorts = [ ];
          settings = {
            gateway = {
              mode = "local";
              port = 18909;
              bind = "loopback";
              auth = {
                mode = "token";
                token = {
                  source = "env";
                  provider = "default";
                  id = "OPENCLAW_GATEWAY_TOKEN";
                };
              };
            };
            agents = {
              defaults = {
                workspace = "/srv/openclaw/.openclaw-support/workspace";
              };
            };
            logging = {
              file = "/srv/openclaw/.openclaw-support/logs/openclaw.log";
            };
          };
        };
        sales = {
          port = 20000;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "sales";
            OPENCLAW_STATE_DIR = "/srv/openclaw/.openclaw-sales";
            OPENCLAW_CONFIG_PATH = "/srv/openclaw/.openclaw-sales/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "20000";
            OPENCLAW_WORKSPACE_DIR = "/srv/openclaw/.openclaw-sales/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-sales.service";
          };
          environmentFiles = [ "/etc/openclaw/sales.secrets.env" ];
          credentials = { };
          directories = [ "/srv/openclaw/.openclaw-sales" ];
          configPath = "/srv/openclaw/.openclaw-sales/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            ReadWritePaths = [
              "/srv/openclaw/.openclaw-sales"
              "-/srv/openclaw/.openclaw-sales/workspace"
            ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
          };
          openFirewall = false;
          publicPorts = [ ];
          settings = {
            gateway = {
              mode = "local";
              port = 20000;
              bind = "loopback";
              auth = {
                mode = "token";
                token = {
                  source = "env";
                  provider = "default";
                  id = "OPENCLAW_GATEWAY_TOKEN";
                };
              };
            };
            agents = {
              defaults = {
                workspace = "/srv/openclaw/.openclaw-sales/workspace";
              };
            };
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
            logging = {
              file = "/srv/openclaw/.openclaw-sales/logs/openclaw.log";
            };
          };
        };
        research = {
          port = 19029;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "research";
            OPENCLAW_STATE_DIR = "/srv/openclaw/.openclaw-research";
            OPENCLAW_CONFIG_PATH = "/srv/openclaw/.openclaw-research/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "19029";
            OPENCLAW_WORKSPACE_DIR = "/srv/research/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            TEAM = "research";
            GREETING = "it's \"quoted\", $dollar and \${brace}";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-research.service";
          };
          environmentFiles = [ "/etc/openclaw/research.secrets.env" ];
          credentials = { };
          directories = [
            "/srv/openclaw/.openclaw-research"
            "/srv/research/workspace"
          ];
          configPath = "/srv/openclaw/.openclaw-research/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            ReadWritePaths = [
              "/srv/openclaw/.openclaw-research"
              "/srv/research/workspace"
            ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
          };
          openFirewall = false;
          publicPorts = [ ];
          settings = {
            gateway = {
              mode = "local";
              port = 19029;
              bind = "loopback";
              auth = {
                mode = "token";
                token = {
                  source = "env";
                  provider = "default";
                  id = "OPENCLAW_GATEWAY_TOKEN";
                };
              };
            };
            agents = {
              defaults = {
                workspace = "/srv/research/workspace";
              };
            };
            logging = {
              file = "/srv/openclaw/.openclaw-research/logs/openclaw.log";
            };
          };
        };
        ops = {
          port = 21000;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "ops";
            OPENCLAW_STATE_DIR = "/srv/openclaw/.openclaw-ops";
            OPENCLAW_CONFIG_PATH = "/srv/openclaw/.openclaw-ops/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "21000";
            OPENCLAW_WORKSPACE_DIR = "/srv/openclaw/.openclaw-ops/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-ops.service";
          };
          environmentFiles = [ "-/etc/openclaw/ops.secrets.env" ];
          credentials = {
            ops-auth = "/run/secrets/openclaw-ops-password";
          };
          directories = [ "/srv/openclaw/.openclaw-ops" ];
          configPath = "/srv/openclaw/.openclaw-ops/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            ReadWritePaths = [
              "/srv/openclaw/.openclaw-ops"
              "-/srv/openclaw/.openclaw-ops/workspace"
            ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
            BindReadOnlyPaths = [
              "/run/credentials/openclaw-gateway-ops.service/ops-auth:/run/secrets/openclaw-ops-password"
            ];
          };
          openFirewall = false;
          publicPorts = [ 21000 21001 ];
          settings = {
            gateway = {
              mode = "local";
              port = 21000;
              bind = "lan";
              auth = {
                mode = "password";
                password = {
                  source = "file";
                  provider = "gateway-auth";
                  id = "value";
                };
              };
              controlUi = {
                allowedOrigins = [
                  "https://ops.example.com"
                  "http://192.168.1.10:21000"
                ];
              };
            };
            agents = {
              defaults = {
                workspace = "/srv/openclaw/.openclaw-ops/workspace";
              };
            };
            logging = {
              file = "/srv/openclaw/.openclaw-ops/logs/openclaw.log";
            };
            secrets = {
              providers = {
                gateway-auth = {
                  source = "file";
                  path = "/run/secrets/openclaw-ops-password";
                  mode = "singleValue";
                };
              };
            };
          };
        };
        lab = {
          port = 19149;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "lab";
            OPENCLAW_STATE_DIR = "/srv/openclaw/.openclaw-lab";
            OPENCLAW_CONFIG_PATH = "/srv/openclaw/.openclaw-lab/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "19149";
            OPENCLAW_WORKSPACE_DIR = "/srv/openclaw/.openclaw-lab/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-lab.service";
          };
          environmentFiles = [ "/etc/openclaw/lab.secrets.env" ];
          credentials = { };
          directories = [ "/srv/openclaw/.openclaw-lab" ];
          configPath = "/srv/openclaw/.openclaw-lab/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            ReadWritePaths = [
              "/srv/openclaw/.openclaw-lab"
              "-/srv/openclaw/.openclaw-lab/workspace"
            ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
          };
          openFirewall = false;
          publicPorts = [ ];
          settings = {
            gateway = {
              mode = "local";
              port = 19149;
              bind = "loopback";
              auth = {
                mode = "token";
                token = {
                  source = "env";
                  provider = "default";
                  id = "OPENCLAW_GATEWAY_TOKEN";
                };
              };
            };
            agents = {
              defaults = {
                workspace = "/srv/openclaw/.openclaw-lab/workspace";
              };
            };
            logging = {
              file = "/srv/openclaw/.openclaw-lab/logs/openclaw.log";
            };
          };
        };
        proxied = {
          port = 19269;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "proxied";
            OPENCLAW_STATE_DIR = "/srv/openclaw/.openclaw-proxied";
            OPENCLAW_CONFIG_PATH = "/srv/openclaw/.openclaw-proxied/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "19269";
            OPENCLAW_WORKSPACE_DIR = "/srv/openclaw/.openclaw-proxied/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-proxied.service";
          };
          environmentFiles = [ "-/etc/openclaw/proxied.secrets.env" ];
          credentials = { };
          directories = [ "/srv/openclaw/.openclaw-proxied" ];
          configPath = "/srv/openclaw/.openclaw-proxied/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            ReadWritePaths = [
              "/srv/openclaw/.openclaw-proxied"
              "-/srv/openclaw/.openclaw-proxied/workspace"
            ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
          };
          openFirewall = false;
          publicPorts = [ 19269 19270 ];
          settings = {
            gateway = {
              mode = "local";
              port = 19269;
              bind = "lan";
              trustedProxies = [ "10.0.0.2" ];
              auth = {
                mode = "trusted-proxy";
                trustedProxy = {
                  userHeader = "x-forwarded-user";
                };
              };
            };
            agents = {
              defaults = {
                workspace = "/srv/openclaw/.openclaw-proxied/workspace";
              };
            };
            logging = {
              file = "/srv/openclaw/.openclaw-proxied/logs/openclaw.log";
            };
          };
        };
        edge = {
          port = 19389;
          user = "openclaw";
          group = "openclaw";
          environment = {
            OPENCLAW_PROFILE = "edge";
            OPENCLAW_STATE_DIR = "/var/lib/openclaw-edge";
            OPENCLAW_CONFIG_PATH = "/var/lib/openclaw-edge/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "19389";
            OPENCLAW_WORKSPACE_DIR = "/var/lib/openclaw-edge/workspace";
            TZ = "UTC";
            OPENCLAW_DISABLE_BONJOUR = "1";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-edge.service";
          };
          environmentFiles = [ "/etc/openclaw/edge.secrets.env" ];
          credentials = { };
          directories = [ ];
          configPath = "/var/lib/openclaw-edge/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            StateDirectory = "openclaw-edge";
            StateDirectoryMode = "0700";
            ReadWritePaths = [ "-/var/lib/openclaw-edge/workspace" ];
            Restart = "always";
            RestartSec = 5;
            RestartPreventExitStatus = 78;
            TimeoutStopSec = 330;
            KillMode = "mixed";
            SuccessExitStatus = "0 143";
            UMask = "0077";
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = "yes";
            PrivateTmp = true;
            PrivateDevices = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            CapabilityBoundingSet = "";
            RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
          };
          openFirewall = false;
          publicPorts = [ ];
          settings = {
            gateway = {
              mode = "local";
              port = 19389;
              bind = "loopback";
              auth = {
                mode = "token";
                token = {
                  source = "env";
                  provider = "default";
                  id = "OPENCLAW_GATEWAY_TOKEN";
                };
              };
            };
            agents = {
              defaults = {
                workspace = "/var/lib/openclaw-edge/workspace";
              };
            };
            browser = {
              profiles = {
                remote = {
                  cdpUrl = "http://127.0.0.1:9333";
                };
              };
            };
            logging = {
              file = "/var/lib/openclaw-edge/logs/openclaw.log";
            };
          };
        };
      };

      networking.firewall.allowedTCPPorts = lib.concatLists (lib.mapAttrsToList (_: g: lib.optionals g.openFirewall g.publicPorts) enabled);
    }
    {
      systemd.services = lib.mapAttrs'
        (name: g: lib.nameValuePair "openclaw-gateway-${name}" {
          description = "OpenClaw gateway ${name}";
          wantedBy = [ g.wantedBy ];
          wants = g.after;
          inherit (g) after environment;
          serviceConfig = g.serviceConfig // {
            ExecStart = "${cfg.package}/bin/openclaw gateway --port ${toString g.port}";
            User = g.user;
            Group = g.group;
            EnvironmentFile = g.environmentFiles;
            LoadCredential = lib.mapAttrsToList (id: path: "${id}:${path}") g.credentials;
          };
        })
        enabled;

      systemd.tmpfiles.rules = lib.concatLists (lib.mapAttrsToList
        (name: g:
          map (dir: "d ${dir} 0700 ${g.user} ${g.group} - -") g.directories
          ++ [ "L+ ${g.configPath} - - - - ${configFile name g}" ])
        enabled);

      # The default account is created here; any other must exist.
      users.users = lib.mkIf (lib.any (g: g.user == defaultUser) (lib.attrValues enabled)) {
        ${defaultUser} = {
          isSystemUser = true;
          group = defaultUser;
        };
      };
      users.groups = lib.mkIf (lib.any (g: g.user == defaultUser || g.group == defaultUser) (lib.attrValues enabled)) {
        ${defaultUser} = { };
      };
    }
  ]);
}
