# OpenClaw gateways of deployment "openclaw" as a NixOS module, written
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
            OPENCLAW_PROFILE = "main";
            OPENCLAW_STATE_DIR = "/var/lib/openclaw/.openclaw-main";
            OPENCLAW_CONFIG_PATH = "/var/lib/openclaw/.openclaw-main/openclaw.json";
            OPENCLAW_GATEWAY_PORT = "18789";
            OPENCLAW_WORKSPACE_DIR = "/var/lib/openclaw/.openclaw-main/workspace";
            OPENCLAW_SERVICE_MARKER = "openclaw";
            OPENCLAW_SERVICE_KIND = "gateway";
            OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-main.service";
          };
          environmentFiles = [ "-/etc/openclaw/main.secrets.env" ];
          credentials = { };
          directories = [ ];
          configPath = "/var/lib/openclaw/.openclaw-main/openclaw.json";
          after = [ "network-online.target" ];
          wantedBy = "multi-user.target";
          serviceConfig = {
            Type = "simple";
            StateDirectory = "openclaw/.openclaw-main";
            StateDirectoryMode = "0700";
            ReadWritePaths = [ "-/var/lib/openclaw/.openclaw-main/workspace" ];
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
            };
            agents = {
              defaults = {
                workspace = "/var/lib/openclaw/.openclaw-main/workspace";
              };
            };
            logging = {
              file = "/var/lib/openclaw/.openclaw-main/logs/openclaw.log";
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
