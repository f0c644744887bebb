# OpenClaw gateways of deployment "fleet" as a NixOS module, written
# by ocgen. Do not edit; change ocgen.yaml and run `ocgen generate` again.
#
#   imports = [ ./openclaw-gateways.nix ];
#   services.openclaw-gateways.enable = true;
#   services.openclaw-gateways.package = <an OpenClaw package>;  # see ocgen's README
#
# Every per-gateway value below is defined at normal priority: override one
# with lib.mkForce, e.g.
#   services.openclaw-gateways.gateways.<name>.port = lib.mkForce 30000;
# The options are the source of truth: the port, bind, paths and
# environment flow into the unit, openclaw.json and the firewall, and
# assertions reject overlapping port ranges and shared state directories.
# Secrets never enter the Nix store (it is world-readable): the module only
# names the files that hold them. Write those files yourself.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.openclaw-gateways;
  jsonFormat = pkgs.formats.json { };
  enabled = lib.filterAttrs (_: g: g.enable) cfg.gateways;
  footprint = 110;
  isUnder = root: path: lib.hasPrefix "${root}/" path;
  # P and P+1 (gateway, MCP Apps sandbox) listen on the bind address.
  publicOffsets = [ 0 1 ];
  firewallPorts = g: lib.optionals (g.openFirewall && isPublic g) (map (o: g.port + o) publicOffsets);
  # The auth secret the gateway reads from its environment, if any.
  envSecret = g:
    let
      auth = g.settings.gateway.auth or { };
      ref = auth.token or auth.password or null;
    in
    if lib.isAttrs ref && (ref.source or null) == "env" then ref.id else null;
  # Every variable the gateway needs from its secrets file.
  secretNames = g: lib.optional (envSecret g != null) (envSecret g) ++ g.secrets;
  defaultUser = "openclaw";
  homeRoots = [ "/home" "/root" "/run/user" ];
  stateRoot = "/var/lib";
  isPublic = g: g.bind != "loopback";
  settingsOf = g: lib.recursiveUpdate g.settings {
    gateway = { inherit (g) port bind; }
      // lib.optionalAttrs (g.customBindHost != null) { inherit (g) customBindHost; };
    agents.defaults.workspace = g.workspace;
    logging.file = g.logFile;
  };
  configFile = name: g: jsonFormat.generate "openclaw-${name}.json" (settingsOf g);
  # OpenClaw's variables, from the options; the user's environment on top.
  environmentOf = g: {
    OPENCLAW_PROFILE = g.profile;
    OPENCLAW_STATE_DIR = g.stateDir;
    OPENCLAW_CONFIG_PATH = g.configPath;
    OPENCLAW_GATEWAY_PORT = toString g.port;
    OPENCLAW_WORKSPACE_DIR = g.workspace;
  } // lib.optionalAttrs (g.config == "managed") {
    # openclaw.json is a link into the read-only store.
    OPENCLAW_CONFIG_READONLY = "1";
  } // g.environment;
  # A seeded config is OpenClaw's after its first copy: the command line
  # pins the bind as the environment pins the port and paths.
  execStartOf = g: "${openclawBin} gateway --port ${toString g.port}"
    + lib.optionalString (g.config == "seeded") " --bind ${g.bind}";
  # managed: a link into the store, rewritten at every switch; seeded: a
  # copy made only where no file exists, then OpenClaw's to edit.
  configRules = name: g:
    if g.config == "managed" then [ "L+ ${g.configPath} - - - - ${configFile name g}" ]
    else [ "C ${g.configPath} - - - - ${configFile name g}" "z ${g.configPath} 0600 ${g.user} ${g.group} - -" ];
  # State under /var/lib is systemd's StateDirectory=; anything else is made
  # by tmpfiles and opened with ReadWritePaths=.
  stateManaged = g: isUnder stateRoot g.stateDir;
  workspaceInside = g: isUnder g.stateDir g.workspace;
  directoriesOf = g:
    lib.optional (!stateManaged g) g.stateDir
    ++ lib.optional (!workspaceInside g) g.workspace;
  pathDirectives = g:
    let
      managed = stateManaged g;
      workspace = if workspaceInside g then "-${g.workspace}" else g.workspace;
      inHome = lib.any (p: lib.any (h: isUnder h p) homeRoots) [ g.stateDir g.workspace g.configPath ];
    in
    {
      ReadWritePaths = lib.optional (!managed) g.stateDir ++ [ workspace ];
      ProtectHome = if inHome then "read-only" else "yes";
    } // lib.optionalAttrs managed {
      StateDirectory = lib.removePrefix "${stateRoot}/" g.stateDir;
      StateDirectoryMode = "0700";
    };
  openclawBin = if cfg.package == null then "openclaw" else "${cfg.package}/bin/openclaw";

  # Pairs of enabled gateways, each once.
  pairs =
    let names = lib.attrNames enabled;
    in lib.concatMap
      (a: map (b: { a = a; b = b; }) (lib.filter (b: a < b) names))
      names;
  range = g: "${toString g.port}-${toString (g.port + footprint)}";
  overlapping = lib.filter
    (p: let a = enabled.${p.a}; b = enabled.${p.b}; in a.port <= b.port + footprint && b.port <= a.port + footprint)
    pairs;
  sharedState = lib.filter (p: enabled.${p.a}.stateDir == enabled.${p.b}.stateDir) pairs;

  gatewayOptions = { name, ... }: {
    options = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Whether to run the OpenClaw gateway ${name}.";
      };
      port = lib.mkOption {
        type = lib.types.port;
        description = "Base port P; the gateway reserves P to P+${toString footprint}. Flows into the command line, OPENCLAW_GATEWAY_PORT, openclaw.json, published ports and the firewall.";
      };
      bind = lib.mkOption {
        type = lib.types.enum [ "loopback" "lan" "tailnet" "auto" "custom" ];
        description = "gateway.bind in openclaw.json; anything but loopback listens beyond the host and needs auth.";
      };
      customBindHost = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        description = "The address of bind = custom.";
      };
      stateDir = lib.mkOption {
        type = lib.types.str;
        description = "OPENCLAW_STATE_DIR; two gateways never share one.";
      };
      secretsFile = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        description = "Environment file with this gateway's own secrets (its auth token variable, API keys), outside the Nix store. Required when openclaw.json reads a secret from the environment.";
      };
      secrets = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        description = "Names (never values) of the variables this gateway reads from secretsFile: model provider keys, channel tokens.";
      };
      environmentFiles = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        description = "Further environment files, as strings so that they stay out of the Nix store.";
      };
      environment = lib.mkOption {
        type = lib.types.attrsOf lib.types.str;
        default = { };
        description = "Environment of the gateway process, on top of the variables the module derives from the options.";
      };
      settings = lib.mkOption {
        type = jsonFormat.type;
        default = { };
        description = "The gateway's openclaw.json, as a Nix attribute set; the module sets the port, bind, workspace and log file from the options.";
      };
      openFirewall = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Whether to open P and P+1 in the firewall when they listen beyond loopback.";
      };
      profile = lib.mkOption {
        type = lib.types.str;
        description = "OPENCLAW_PROFILE.";
      };
      config = lib.mkOption {
        type = lib.types.enum [ "managed" "seeded" ];
        default = "managed";
        description = "Who owns openclaw.json: managed (the store's copy, read-only for the gateway) or seeded (copied once where none exists; OpenClaw may edit it afterwards).";
      };
      workspace = lib.mkOption {
        type = lib.types.str;
        description = "The agent workspace (OPENCLAW_WORKSPACE_DIR, agents.defaults.workspace).";
      };
      configPath = lib.mkOption {
        type = lib.types.str;
        description = "Where the gateway reads openclaw.json (a link to the generated file in the store).";
      };
      logFile = lib.mkOption {
        type = lib.types.str;
        description = "logging.file in openclaw.json.";
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
      serviceConfig = lib.mkOption {
        type = lib.types.attrsOf lib.types.anything;
        default = { };
        description = "Further [Service] settings: restart policy, sandboxing. State and path settings come from the options.";
      };
    };
  };
in
{
  options.services.openclaw-gateways = {
    enable = lib.mkEnableOption "the OpenClaw gateways written by ocgen";
    package = lib.mkOption {
      type = lib.types.nullOr lib.types.package;
      default = null;
      example = lib.literalExpression "pkgs.openclaw";
      description = "The OpenClaw package; its bin/openclaw runs every gateway. No default: nixpkgs marks pkgs.openclaw insecure. The oci-containers backend runs the image instead and ignores it.";
    };
    userHome = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      description = "Home directory of the account the module creates (null: /var/empty).";
    };
    gateways = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule gatewayOptions);
      default = { };
      description = "The gateways, by name.";
    };
    openclawJson = lib.mkOption {
      type = lib.types.attrsOf jsonFormat.type;
      readOnly = true;
      description = "The openclaw.json each enabled gateway gets, after the options are applied (read-only).";
    };
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    {
      services.openclaw-gateways = {
        userHome = "/srv/openclaw";
        gateways = {
          main = {
            port = 18789;
            bind = "loopback";
            customBindHost = null;
            profile = "default";
            stateDir = "/srv/openclaw/.openclaw";
            workspace = "/srv/openclaw/.openclaw/workspace";
            configPath = "/srv/openclaw/.openclaw/openclaw.json";
            logFile = "/srv/openclaw/.openclaw/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-main.service";
            };
            secretsFile = "/srv/openclaw/.openclaw/.env";
            secrets = [ ];
            config = "managed";
            credentials = { };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
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
              browser = {
                profiles = {
                  work = {
                    cdpPort = 9222;
                  };
                };
              };
            };
          };
          support = {
            port = 18909;
            bind = "loopback";
            customBindHost = null;
            profile = "support";
            stateDir = "/srv/openclaw/.openclaw-support";
            workspace = "/srv/openclaw/.openclaw-support/workspace";
            configPath = "/srv/openclaw/.openclaw-support/openclaw.json";
            logFile = "/srv/openclaw/.openclaw-support/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              TEAM = "support";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-support.service";
            };
            secretsFile = "/srv/openclaw/.openclaw-support/.env";
            secrets = [ ];
            config = "managed";
            credentials = { };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
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
          };
          sales = {
            port = 20000;
            bind = "loopback";
            customBindHost = null;
            profile = "sales";
            stateDir = "/srv/openclaw/.openclaw-sales";
            workspace = "/srv/openclaw/.openclaw-sales/workspace";
            configPath = "/srv/openclaw/.openclaw-sales/openclaw.json";
            logFile = "/srv/openclaw/.openclaw-sales/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-sales.service";
            };
            secretsFile = "/srv/openclaw/.openclaw-sales/.env";
            secrets = [ ];
            config = "managed";
            credentials = { };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
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
            };
          };
          research = {
            port = 19029;
            bind = "loopback";
            customBindHost = null;
            profile = "research";
            stateDir = "/srv/openclaw/.openclaw-research";
            workspace = "/srv/research/workspace";
            configPath = "/srv/openclaw/.openclaw-research/openclaw.json";
            logFile = "/srv/openclaw/.openclaw-research/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              TEAM = "research";
              GREETING = "it's \"quoted\", $dollar and \${brace}";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-research.service";
            };
            secretsFile = "/srv/openclaw/.openclaw-research/.env";
            secrets = [ ];
            config = "managed";
            credentials = { };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
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
          };
          ops = {
            port = 21000;
            bind = "lan";
            customBindHost = null;
            profile = "ops";
            stateDir = "/srv/openclaw/.openclaw-ops";
            workspace = "/srv/openclaw/.openclaw-ops/workspace";
            configPath = "/srv/openclaw/.openclaw-ops/openclaw.json";
            logFile = "/srv/openclaw/.openclaw-ops/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-ops.service";
            };
            secretsFile = "/srv/openclaw/.openclaw-ops/.env";
            secrets = [ ];
            config = "managed";
            credentials = {
              ops-auth = "/run/secrets/openclaw-ops-password";
            };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
              BindReadOnlyPaths = [
                "/run/credentials/openclaw-gateway-ops.service/ops-auth:/run/secrets/openclaw-ops-password"
              ];
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
                controlUi = {
                  allowedOrigins = [
                    "https://ops.example.com"
                    "http://192.168.1.10:21000"
                  ];
                };
                auth = {
                  mode = "password";
                  password = {
                    source = "file";
                    provider = "gateway-auth";
                    id = "value";
                  };
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
            bind = "loopback";
            customBindHost = null;
            profile = "lab";
            stateDir = "/srv/openclaw/.openclaw-lab";
            workspace = "/srv/openclaw/.openclaw-lab/workspace";
            configPath = "/srv/openclaw/.openclaw-lab/openclaw.json";
            logFile = "/srv/openclaw/.openclaw-lab/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-lab.service";
            };
            secretsFile = "/srv/openclaw/.openclaw-lab/.env";
            secrets = [ ];
            config = "managed";
            credentials = { };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
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
          };
          proxied = {
            port = 19269;
            bind = "lan";
            customBindHost = null;
            profile = "proxied";
            stateDir = "/srv/openclaw/.openclaw-proxied";
            workspace = "/srv/openclaw/.openclaw-proxied/workspace";
            configPath = "/srv/openclaw/.openclaw-proxied/openclaw.json";
            logFile = "/srv/openclaw/.openclaw-proxied/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-proxied.service";
            };
            secretsFile = "/srv/openclaw/.openclaw-proxied/.env";
            secrets = [ ];
            config = "managed";
            credentials = { };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
                auth = {
                  mode = "trusted-proxy";
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
          };
          edge = {
            port = 19389;
            bind = "loopback";
            customBindHost = null;
            profile = "edge";
            stateDir = "/var/lib/openclaw-edge";
            workspace = "/var/lib/openclaw-edge/workspace";
            configPath = "/var/lib/openclaw-edge/openclaw.json";
            logFile = "/var/lib/openclaw-edge/logs/openclaw.log";
            user = "openclaw";
            group = "openclaw";
            environment = {
              OPENCLAW_SERVICE_REPAIR_POLICY = "external";
              TZ = "UTC";
              OPENCLAW_DISABLE_BONJOUR = "1";
              OPENCLAW_SERVICE_MARKER = "openclaw";
              OPENCLAW_SERVICE_KIND = "gateway";
              OPENCLAW_SYSTEMD_UNIT = "openclaw-gateway-edge.service";
            };
            secretsFile = "/var/lib/openclaw-edge/.env";
            secrets = [ ];
            config = "managed";
            credentials = { };
            after = [ "network-online.target" ];
            wantedBy = "multi-user.target";
            serviceConfig = {
              Type = "simple";
              Restart = "always";
              RestartSec = 5;
              RestartPreventExitStatus = 78;
              TimeoutStopSec = 330;
              KillMode = "mixed";
              SuccessExitStatus = "0 143";
              UMask = "0077";
              NoNewPrivileges = true;
              ProtectSystem = "strict";
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
              Slice = "openclaw.slice";
              MemoryMax = "2147483648";
              CPUQuota = "200%";
              TasksMax = 512;
            };
            openFirewall = false;
            settings = {
              gateway = {
                mode = "local";
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
              browser = {
                profiles = {
                  remote = {
                    cdpUrl = "http://127.0.0.1:9333";
                  };
                };
              };
            };
          };
        };
      };

      services.openclaw-gateways.openclawJson = lib.mapAttrs (_: settingsOf) enabled;

      networking.firewall.allowedTCPPorts = lib.concatLists (lib.mapAttrsToList (_: firewallPorts) enabled);

      assertions =
        map
          (p: {
            assertion = false;
            message = "services.openclaw-gateways: gateways ${p.a} (ports ${range enabled.${p.a}}) and ${p.b} (ports ${range enabled.${p.b}}) overlap: each gateway uses P to P+${toString footprint}; give them base ports at least 120 apart.";
          })
          overlapping
        ++ map
          (p: {
            assertion = false;
            message = "services.openclaw-gateways: gateways ${p.a} and ${p.b} share the state directory ${enabled.${p.a}.stateDir}; the second would hang waiting for the first one's lock: give each its own stateDir.";
          })
          sharedState
        ++ lib.mapAttrsToList
          (name: g: {
            assertion = secretNames g == [ ] || g.secretsFile != null;
            message = "services.openclaw-gateways.gateways.${name}: the gateway reads ${lib.concatStringsSep ", " (secretNames g)} from its environment, but secretsFile is null: set it to a file outside the Nix store that defines ${lib.concatMapStringsSep ", " (n: "${n}=<secret>") (secretNames g)}.";
          })
          enabled
        ++ lib.mapAttrsToList
          (name: g: {
            assertion = g.port + footprint <= 65535;
            message = "services.openclaw-gateways.gateways.${name}: port ${toString g.port} leaves no room for P+${toString footprint}: use a base port of at most ${toString (65535 - footprint)}.";
          })
          enabled
        ++ [{
          assertion = enabled == { } || cfg.package != null;
          message = "services.openclaw-gateways.package is not set. nixpkgs marks pkgs.openclaw insecure, so the module does not pick it by itself: either set `services.openclaw-gateways.package = pkgs.openclaw;` and `nixpkgs.config.permittedInsecurePackages = [ \"openclaw-<version>\" ];`, or set it to an OpenClaw package you pin yourself (see ocgen's README, NixOS section).";
        }];
    }
    {
      systemd.services = lib.mapAttrs'
        (name: g: lib.nameValuePair "openclaw-gateway-${name}" {
          description = "OpenClaw gateway ${name}";
          wantedBy = [ g.wantedBy ];
          wants = g.after;
          inherit (g) after;
          environment = environmentOf g;
          serviceConfig = pathDirectives g // g.serviceConfig // {
            ExecStart = execStartOf g;
            User = g.user;
            Group = g.group;
            EnvironmentFile = (if g.secretsFile == null then [ ] else if secretNames g != [ ] then [ g.secretsFile ] else [ "-${g.secretsFile}" ])
              ++ g.environmentFiles;
            LoadCredential = lib.mapAttrsToList (id: path: "${id}:${path}") g.credentials;
          };
        })
        enabled;

      systemd.tmpfiles.rules = lib.concatLists (lib.mapAttrsToList
        (name: g:
          map (dir: "d ${dir} 0700 ${g.user} ${g.group} - -") (directoriesOf g)
          ++ configRules name g)
        enabled);

      # The default account is created here; any other must exist.
      users.users = lib.mkIf (lib.any (g: g.user == defaultUser) (lib.attrValues enabled)) {
        ${defaultUser} = {
          isSystemUser = true;
          group = defaultUser;
        } // lib.optionalAttrs (cfg.userHome != null) {
          home = cfg.userHome;
          createHome = true;
        };
      };
      users.groups = lib.mkIf (lib.any (g: g.user == defaultUser || g.group == defaultUser) (lib.attrValues enabled)) {
        ${defaultUser} = { };
      };
    }
  ]);
}
