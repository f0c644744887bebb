# ocgen's NixOS module: OpenClaw gateways side by side on one host, each a
# hardened systemd service (backend "systemd") or an OCI container of the
# official image (backend "oci-containers").
#
# The same file for every deployment. `ocgen nix` writes only the values of
# services.openclaw-gateways (the backend and each gateway's port, paths,
# auth and settings); this module derives everything else from them, so a
# value overridden with lib.mkForce reaches the unit, openclaw.json, the
# firewall and the container alike. Gateways declared here by hand, without
# ocgen.yaml, get the checks of `ocgen check` as assertions:
#
#   services.openclaw-gateways.gateways.main.port = 18789;
#
# Secrets never enter the Nix store (it is world-readable): the options name
# the variables and files that hold them, never their values.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;

  cfg = config.services.openclaw-gateways;
  jsonFormat = pkgs.formats.json { };

  # What ocgen's plan knows about OpenClaw, its services and its image. A
  # test keeps this block equal to the plan (src/render/nixos.rs).
  facts = {
    footprint = 110;
    spacing = 120;
    minPort = 1024;
    maxPort = 65425;
    publicOffsets = [ 0 1 ];
    bindAddresses = {
      loopback = "127.0.0.1";
      lan = "0.0.0.0";
    };
    defaultUser = "openclaw";
    stateRoot = "/var/lib";
    stateDirectoryMode = "0700";
    homeRoots = [ "/home" "/root" "/run/user" ];
    credentialsRoot = "/run/credentials";
    fileProvider = "gateway-auth";
    reservedEnv = [
      "OPENCLAW_PROFILE"
      "OPENCLAW_STATE_DIR"
      "OPENCLAW_CONFIG_PATH"
      "OPENCLAW_GATEWAY_PORT"
      "OPENCLAW_WORKSPACE_DIR"
      "OPENCLAW_HOME"
      "OPENCLAW_CONFIG_READONLY"
      "OPENCLAW_SERVICE_REPAIR_POLICY"
      "OPENCLAW_SERVICE_MARKER"
      "OPENCLAW_SERVICE_KIND"
      "OPENCLAW_SYSTEMD_UNIT"
    ];
    readOnlyEnv = {
      OPENCLAW_CONFIG_READONLY = "1";
    };
    serviceMarkers = {
      OPENCLAW_SERVICE_MARKER = "openclaw";
      OPENCLAW_SERVICE_KIND = "gateway";
    };
    repairPolicyEnv = {
      OPENCLAW_SERVICE_REPAIR_POLICY = "external";
    };
    unitVar = "OPENCLAW_SYSTEMD_UNIT";
    derivedKeys = [
      [ "gateway" "mode" ]
      [ "gateway" "port" ]
      [ "gateway" "bind" ]
      [ "gateway" "customBindHost" ]
      [ "gateway" "auth" "mode" ]
      [ "gateway" "auth" "token" ]
      [ "gateway" "auth" "password" ]
      [ "agents" "defaults" "workspace" ]
      [ "logging" "file" ]
      [ "secrets" "providers" "gateway-auth" ]
    ];
    after = [ "network-online.target" ];
    wantedBy = "multi-user.target";
    serviceConfig = {
      Type = "simple";
      Restart = "always";
      RestartSec = 5;
      RestartPreventExitStatus = 78;
      TimeoutStopSec = 330;
      TimeoutStartSec = 180;
      KillMode = "mixed";
      SuccessExitStatus = "0 143";
      UMask = "0077";
      NoNewPrivileges = true;
      CacheDirectoryMode = "0700";
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
      TasksMax = 512;
    };
    container = {
      image = "ghcr.io/openclaw/openclaw:2026.9.6";
      uid = 1000;
      env = {
        HOME = "/home/node";
        XDG_CACHE_HOME = "/home/node/.openclaw/cache";
      };
      stateDir = "/home/node/.openclaw";
      workspace = "/home/node/.openclaw/workspace";
      configPath = "/etc/openclaw/openclaw.json";
      seededConfigPath = "/home/node/.openclaw/openclaw.json";
      secretDir = "/run/secrets";
      defaultTokenEnv = "OPENCLAW_GATEWAY_TOKEN";
      command = [ "node" "openclaw.mjs" "gateway" ];
      memory = "2g";
      cpus = "2";
      options = [
        "--cap-drop=ALL"
        "--security-opt=no-new-privileges"
        "--stop-timeout=330"
        "--health-interval=5s"
        "--health-timeout=30s"
        "--health-start-period=120s"
        "--health-retries=3"
        "--pids-limit=512"
      ];
      probe = {
        shell = [ "bash" "-c" ];
        beforeHost = "read -r u _ </proc/uptime; read -r l </proc/1/stat; set -- \${l##*)}; (( w = 120 - \${u%.*} + \${20} / 100, w = w < 20 ? w : 20 )); until r=; { exec 3<>/dev/tcp/";
        beforePort = "/";
        after = "; } 2>/dev/null && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 5 -d '' r <&3; exec 3<&-; [[ $r == 'HTTP/1.'?' 200 '*'\"ok\":true'* ]]; do (( SECONDS < w )) || exit 1; sleep 0.5; done";
      };
      unit = {
        Restart = "always";
        RestartSec = 5;
        TimeoutStopSec = 360;
      };
    };
    deployment = "openclaw";
    maxDerivedPrefix = 40;
    defaultAgent = "main";
    backup = {
      dirName = "openclaw-backups";
      keep = 7;
      env = {
        TZ = "UTC";
      };
      create = [ "backup" "create" "--verify" "--json" "--output" ];
      gatewayOnly = [
        "Type"
        "Restart"
        "RestartSec"
        "RestartPreventExitStatus"
        "TimeoutStopSec"
        "TimeoutStartSec"
        "KillMode"
        "SuccessExitStatus"
        "CacheDirectory"
        "CacheDirectoryMode"
      ];
      serviceConfig = {
        Type = "oneshot";
      };
      prune = [
        "/bin/sh -c 'ls -1 -r "
        "/*-openclaw-backup.tar.gz | tail -n +"
        " | xargs -r rm -f --'"
      ];
      days = [ "Sun" "Mon" "Tue" "Wed" "Thu" "Fri" "Sat" ];
      calendars = {
        hourly = "hourly";
        daily = "daily";
        weekly = "weekly";
        monthly = "monthly";
      };
      unitPrefix = "openclaw-backup";
    };
    unitPrefix = "openclaw-gateway";
    defaultProfile = "default";
    compileCache = {
      var = "NODE_COMPILE_CACHE";
      root = "/var/cache";
    };
    startBatch = 2;
    startWait = {
      args = [
        "-c"
        "until r=; { exec 3<>/dev/tcp/$1/$2; } 2>/dev/null && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 5 -d '' r <&3; exec 3<&-; [[ $r == 'HTTP/1.'?' 200 '*'\"ok\":true'* ]]; do (( SECONDS < $3 )) || { echo \"not healthy after $3 s: the unit ordered after it starts now\" >&2; exit 1; }; sleep 0.5; done"
        "openclaw-wait-healthy"
        "127.0.0.1"
      ];
      deadline = 120;
    };
  };

  oci = cfg.backend == "oci-containers";
  enabled = if cfg.enable then lib.filterAttrs (_: g: g.enable) cfg.gateways else { };
  names = lib.attrNames enabled;
  # Pairs of enabled gateways, each once.
  pairs = lib.concatMap (a: map (b: { inherit a b; }) (lib.filter (b: a < b) names)) names;
  anyGateway = pred: lib.any pred (lib.attrValues enabled);

  isUnder = root: path: lib.hasPrefix "${root}/" path;
  profileDir = profile: if lib.toLower profile == "default" then ".openclaw" else ".openclaw-${profile}";
  # A gateway's unit is named as OpenClaw names its profile's service
  # (plan: Gateway::unit_name), so that `openclaw doctor` finds it and
  # installs no competing one; an OCI container is named by the gateway.
  unitName = g: if lib.toLower g.profile == facts.defaultProfile then facts.unitPrefix else "${facts.unitPrefix}-${g.profile}";
  containerName = name: "${facts.unitPrefix}-${name}";
  secretName = name: "${name}-auth";
  range = g: "${toString g.port}-${toString (g.port + facts.footprint)}";
  publicPorts = g: map (o: g.port + o) facts.publicOffsets;
  # The address a bind listens on, which is also where a container's ports
  # are published: none for tailnet and auto, which only OpenClaw resolves.
  bindAddress = g: if g.bind == "custom" then g.customBindHost else facts.bindAddresses.${g.bind} or null;

  # The gateway as its process sees it: on the host, or in a container of
  # the official image on a bridge network, where it binds lan and so takes
  # a token from its environment when it declares no auth.
  runtimeOf = name: g:
    if oci then
      let
        auth = if g.auth == null then { mode = "token"; env = facts.container.defaultTokenEnv; file = null; } else g.auth;
      in
      {
        inherit (facts.container) stateDir workspace;
        configPath = if g.config == "managed" then facts.container.configPath else facts.container.seededConfigPath;
        logFile = "${facts.container.stateDir}/logs/openclaw.log";
        bind = "lan";
        customBindHost = null;
        auth = if auth.file != null then auth // { file = "${facts.container.secretDir}/${secretName name}"; } else auth;
      }
    else {
      inherit (g) stateDir configPath workspace logFile bind customBindHost auth;
    };

  # Every variable the gateway reads from its secrets file: the auth
  # variable, then `secrets`.
  secretVars = name: g:
    let auth = (runtimeOf name g).auth;
    in lib.unique (lib.optional (auth != null && auth.env != null) auth.env ++ g.secrets);

  secretRef = auth:
    if auth.env != null then { source = "env"; provider = "default"; id = auth.env; }
    else { source = "file"; provider = facts.fileProvider; id = "value"; };

  # openclaw.json: the gateway's settings and what the options say.
  openclawJsonOf = name: g:
    let
      rt = runtimeOf name g;
      auth = rt.auth;
      secret = auth != null && (auth.env != null || auth.file != null);
    in
    lib.recursiveUpdate (lib.recursiveUpdate (sandboxDefaults name g rt) g.settings) ({
      gateway = {
        mode = "local";
        inherit (g) port;
        inherit (rt) bind;
      }
      // lib.optionalAttrs (rt.customBindHost != null) { inherit (rt) customBindHost; }
      // lib.optionalAttrs (auth != null) {
        auth = { inherit (auth) mode; }
          // lib.optionalAttrs secret { ${if auth.mode == "password" then "password" else "token"} = secretRef auth; };
      };
      agents.defaults.workspace = rt.workspace;
      logging.file = rt.logFile;
    }
    // lib.optionalAttrs (auth != null && auth.file != null) {
      # OpenClaw reads a file secret only through a declared provider.
      secrets.providers.${facts.fileProvider} = { source = "file"; path = auth.file; mode = "singleValue"; };
    });
  # What ocgen's plan writes into every openclaw.json unless the settings
  # say otherwise (plan/sandbox.rs, render/openclaw.rs): the gateway's own
  # Docker sandbox prefixes and workspace root, and OpenClaw's agent roster.
  sandboxDefaults = name: g: rt:
    let
      prefix = kind:
        let full = "${facts.deployment}.${name}.${kind}-";
        in
        if builtins.stringLength full <= facts.maxDerivedPrefix then full
        else throw "services.openclaw-gateways.gateways.${name}: the sandbox prefix `${full}` is longer than ${toString facts.maxDerivedPrefix} characters; set settings.agents.defaults.sandbox.${if kind == "sbx" then "docker" else "browser"}.containerPrefix (ocgen.yaml hashes long names)";
      roster = !(lib.hasAttrByPath [ "agents" "entries" ] g.settings) && !(lib.hasAttrByPath [ "agents" "list" ] g.settings);
    in
    lib.recursiveUpdate
      {
        agents.defaults.sandbox = {
          workspaceRoot = "${rt.stateDir}/sandboxes";
          docker.containerPrefix = prefix "sbx";
          browser.containerPrefix = prefix "browser";
        };
      }
      (lib.optionalAttrs roster { agents.entries.${facts.defaultAgent} = { }; });
  configFile = name: g: jsonFormat.generate "openclaw-${name}.json" (openclawJsonOf name g);

  # OpenClaw's variables where the gateway runs, then the user's.
  openclawEnv = name: g:
    let rt = runtimeOf name g;
    in {
      OPENCLAW_PROFILE = g.profile;
      OPENCLAW_STATE_DIR = rt.stateDir;
      OPENCLAW_CONFIG_PATH = rt.configPath;
      OPENCLAW_GATEWAY_PORT = toString g.port;
      OPENCLAW_WORKSPACE_DIR = rt.workspace;
    }
    # OpenClaw's doctor leaves the service to its supervisor (this module).
    // facts.repairPolicyEnv
    # A managed config is read-only for the gateway (a link into the store).
    // lib.optionalAttrs (g.config == "managed") facts.readOnlyEnv
    // g.environment;

  # A memory size as compose writes it ("2g", "512m", "1.5g") in bytes, as
  # the plan computes it for MemoryMax= (plan::memory_bytes).
  memoryBytes = size:
    let
      parts = builtins.match "([0-9]+)([.][0-9]+)?([a-zA-Z]*)" size;
      whole = builtins.elemAt parts 0;
      frac = builtins.elemAt parts 1;
      unit = lib.toLower (builtins.elemAt parts 2);
      shifts = { "" = 0; b = 0; k = 10; kb = 10; kib = 10; m = 20; mb = 20; mib = 20; g = 30; gb = 30; gib = 30; t = 40; tb = 40; tib = 40; };
      factor = lib.foldl' (acc: _: acc * 2) 1 (lib.range 1 shifts.${unit});
    in
    if parts == null || !(shifts ? ${unit}) then throw "services.openclaw-gateways: `${size}` is not a memory size such as 2g or 512m"
    else if frac == null then lib.toInt whole * factor
    else builtins.floor (builtins.fromJSON "${whole}${frac}" * factor);
  # CPUQuota= for a number of cores: "1.5" is 150%.
  cpuQuota = cpus: "${toString (builtins.floor (builtins.fromJSON cpus * 100 + 0.5))}%";

  # systemd backend ---------------------------------------------------------

  openclawBin = if cfg.package == null then "openclaw" else "${cfg.package}/bin/openclaw";
  # A seeded config is OpenClaw's after its first copy: the command line pins
  # the bind as the environment pins the port and paths.
  serviceArgs = g: [ "gateway" "--port" (toString g.port) ] ++ lib.optionals (g.config == "seeded") [ "--bind" g.bind ];
  # State under /var/lib is systemd's StateDirectory=; anything else is made
  # by tmpfiles and opened with ReadWritePaths=.
  stateManaged = g: isUnder facts.stateRoot g.stateDir;
  workspaceInside = g: isUnder g.stateDir g.workspace;
  fileSecret = g: g.auth != null && g.auth.file != null;

  # One argument of an Exec line: plain, or a JSON string (systemd reads
  # its escapes) with % and $ doubled, so nothing in it expands.
  execArg = a: if builtins.match "[A-Za-z0-9/._:=@+,-]+" a != null then a else lib.replaceStrings [ "%" "$" ] [ "%%" "$$" ] (builtins.toJSON a);
  # The gateway startBatch places before this one, by name: at most
  # startBatch start at once.
  startsAfter = name:
    let
      i = lib.lists.findFirstIndex (n: n == name) null names;
      k = cfg.startBatch;
    in
    if i == null || i < k then [ ] else [ (builtins.elemAt names (i - k)) ];

  serviceOf = name: g:
    let
      inHome = lib.any (p: lib.any (h: isUnder h p) facts.homeRoots) [ g.stateDir g.workspace g.configPath ];
      required = secretVars name g != [ ];
    in
    {
      description = "OpenClaw gateway ${name}";
      wants = facts.after;
      # The gateway it waits for: ordering only (never Requires=), so a
      # unit that failed never keeps this one from starting.
      after = facts.after ++ map (n: "${unitName enabled.${n}}.service") (lib.filter (n: enabled ? ${n}) g.startAfter);
      wantedBy = [ facts.wantedBy ];
      # Node's compile cache in the unit's CacheDirectory= (PrivateTmp=
      # empties /tmp at every start), unless the environment names one.
      environment = { ${facts.compileCache.var} = "${facts.compileCache.root}/${unitName g}"; }
        // openclawEnv name g // facts.serviceMarkers // {
        ${facts.unitVar} = "${unitName g}.service";
      };
      serviceConfig = facts.serviceConfig // {
        ExecStart = lib.concatStringsSep " " ([ openclawBin ] ++ serviceArgs g);
        # Started once healthy or past the deadline; then the next one starts.
        ExecStartPost = "-" + lib.concatMapStringsSep " " execArg
          ([ "${pkgs.bash}/bin/bash" ] ++ facts.startWait.args ++ [ (toString g.port) (toString facts.startWait.deadline) ]);
        User = g.user;
        Group = g.group;
        # Required when the gateway reads a secret from it, else optional (-).
        EnvironmentFile = lib.optional (g.secretsFile != null) (if required then g.secretsFile else "-${g.secretsFile}") ++ g.environmentFiles;
        ReadWritePaths = lib.optional (!stateManaged g) g.stateDir
          ++ [ (if workspaceInside g then "-${g.workspace}" else g.workspace) ];
        # read-only keeps a state dir under /home reachable for ReadWritePaths=.
        ProtectHome = if inHome then "read-only" else "yes";
        # What a container of this gateway gets: memory and CPU.
        CacheDirectory = unitName g;
        MemoryMax = toString (memoryBytes g.memory);
        CPUQuota = cpuQuota g.cpus;
      }
        // lib.optionalAttrs (stateManaged g) {
        StateDirectory = lib.removePrefix "${facts.stateRoot}/" g.stateDir;
        StateDirectoryMode = facts.stateDirectoryMode;
      }
        # The auth file reaches the service as a credential, whose copy is bound
        # over the file's own path: openclaw.json names that path wherever the
        # gateway runs.
        // lib.optionalAttrs (fileSecret g) {
        LoadCredential = [ "${secretName name}:${g.auth.file}" ];
        BindReadOnlyPaths = [ "${facts.credentialsRoot}/${unitName g}.service/${secretName name}:${g.auth.file}" ];
      }
        // g.serviceConfig;
    };

  # managed: a link into the store, rewritten at every switch; seeded: a copy
  # made only where no file exists, then OpenClaw's to edit.
  serviceRules = name: g:
    map (dir: "d ${dir} 0700 ${g.user} ${g.group} - -")
      (lib.optional (!stateManaged g) g.stateDir ++ lib.optional (!workspaceInside g) g.workspace)
    ++ (if g.config == "managed" then [ "L+ ${g.configPath} - - - - ${configFile name g}" ]
    else [ "C ${g.configPath} - - - - ${configFile name g}" "z ${g.configPath} 0600 ${g.user} ${g.group} - -" ]);

  # Backups (systemd backend) ----------------------------------------------

  # The gateway's unit name with openclaw-backup for openclaw-gateway: both follow the profile.
  backupUnit = g: "${facts.backup.unitPrefix}${lib.removePrefix facts.unitPrefix (unitName g)}";
  # Each gateway's archives go to a directory of its own in backup.dir.
  archiveDir = name: g: "${g.backup.dir}/${name}";
  backups = lib.filterAttrs (_: g: g.backup.enable) enabled;
  scheduled = lib.filterAttrs (_: g: g.backup.schedule != null) backups;

  # systemd's OnCalendar= of a schedule as ocgen.yaml writes it (hourly,
  # daily, weekly, monthly, HH:MM or DAY HH:MM), or null if it is none.
  onCalendar = schedule:
    let
      named = builtins.match "[[:space:]]*(hourly|daily|weekly|monthly)[[:space:]]*" schedule;
      at = builtins.match "[[:space:]]*(([A-Za-z]+)[[:space:]]+)?([0-9]{2}):([0-9]{2})[[:space:]]*" schedule;
      day = builtins.elemAt at 1;
      index = lib.lists.findFirstIndex (d: lib.toLower d == lib.toLower day) null facts.backup.days;
      hour = builtins.elemAt at 2;
      minute = builtins.elemAt at 3;
    in
    if named != null then facts.backup.calendars.${lib.head named}
    else if at == null || (day != null && index == null) || lib.toIntBase10 hour > 23 || lib.toIntBase10 minute > 59 then null
    else "${lib.optionalString (day != null) "${builtins.elemAt facts.backup.days index} "}*-*-* ${hour}:${minute}:00";

  # The gateway's unit made a oneshot: its user, environment (without the
  # markers of its service), hardening and writable paths, plus the archive
  # directory; `openclaw backup create --verify`, then the newest `keep` stay.
  backupOf = name: g:
    let
      dir = archiveDir name g;
      s = oneArchive name g (backupUnit g) dir;
    in
    s // {
      description = "Backup of OpenClaw gateway ${name}";
      serviceConfig = s.serviceConfig // {
        ExecStartPost = "${lib.elemAt facts.backup.prune 0}${dir}${lib.elemAt facts.backup.prune 1}${toString (g.backup.keep + 1)}${lib.elemAt facts.backup.prune 2}";
      };
    };

  # One archive of the gateway into dir, by a unit of that name.
  oneArchive = name: g: unit: dir:
    let gateway = (serviceOf name g).serviceConfig;
    in
    {
      environment = openclawEnv name g // facts.backup.env;
      # Not the gateway's start wait (ExecStartPost=): a oneshot's own is its retention, if any.
      serviceConfig = removeAttrs gateway (facts.backup.gatewayOnly ++ [ "ExecStartPost" ]) // facts.backup.serviceConfig // {
        ExecStart = lib.concatStringsSep " " ([ openclawBin ] ++ facts.backup.create ++ [ "${dir}/" ]);
        ReadWritePaths = gateway.ReadWritePaths ++ [ dir ];
      }
        # The unit's own copy of the auth credential.
        // lib.optionalAttrs (fileSecret g) {
        BindReadOnlyPaths = [ "${facts.credentialsRoot}/${unit}.service/${secretName name}:${g.auth.file}" ];
      };
    };

  # The archive before a switch: made by the running system's unit (its
  # package, on the state as it is), into a directory retention never
  # touches, so that the last archive of the old version survives every
  # scheduled backup of the new one.
  beforeSwitchUnit = g: "${backupUnit g}-before-switch";
  beforeSwitchDir = name: g: "${archiveDir name g}/before-switch";
  beforeSwitch = lib.filterAttrs (_: g: g.backup.beforeSwitch) backups;
  beforeSwitchOf = name: g:
    oneArchive name g (beforeSwitchUnit g) (beforeSwitchDir name g) // {
      description = "Backup of OpenClaw gateway ${name} before a NixOS switch";
    };
  # nixos-rebuild switch or test: every gateway whose unit the switch
  # changes is archived first by the running system; a failed archive stops
  # the switch (NIXOS_NO_CHECK=1 skips the checks).
  beforeSwitchCheck = ''
    case "''${2-}" in
      switch | test) ;;
      *) exit 0 ;;
    esac
    new=$1
    # $1: the gateway's unit, $2: its before-switch backup unit.
    archive() {
      unit=/etc/systemd/system/$1.service
      if [ -e "/etc/systemd/system/$2.service" ] \
        && [ "$(${pkgs.coreutils}/bin/readlink -f "$unit")" != "$(${pkgs.coreutils}/bin/readlink -f "$new$unit")" ]; then
        echo "$1 changes: archiving its state first ($2)"
        ${config.systemd.package}/bin/systemctl start "$2.service"
      fi
    }
    ${lib.concatStrings (lib.mapAttrsToList (_: g: "archive ${lib.escapeShellArg (unitName g)} ${lib.escapeShellArg (beforeSwitchUnit g)}\n") beforeSwitch)}'';

  backupTimerOf = name: g: {
    description = "Scheduled backup of OpenClaw gateway ${name}";
    wantedBy = [ "timers.target" ];
    timerConfig = {
      # A schedule that is none fails an assertion; the unit keeps its text.
      OnCalendar = lib.defaultTo g.backup.schedule (onCalendar g.backup.schedule);
      Persistent = true;
      Unit = "${backupUnit g}.service";
    };
  };

  backupServices = lib.mapAttrs' (name: g: lib.nameValuePair (backupUnit g) (backupOf name g)) backups
    // lib.mapAttrs' (name: g: lib.nameValuePair (beforeSwitchUnit g) (beforeSwitchOf name g)) beforeSwitch;
  backupTmpfiles = lib.mapAttrsToList (name: g: "d ${archiveDir name g} 0700 ${g.user} ${g.group} - -") backups
    ++ lib.mapAttrsToList (name: g: "d ${beforeSwitchDir name g} 0700 ${g.user} ${g.group} - -") beforeSwitch;

  # oci-containers backend --------------------------------------------------

  workspaceMounted = g: g.workspace != "${g.stateDir}/workspace";

  containerOf = name: g:
    let
      rt = runtimeOf name g;
      address = bindAddress g;
      gateway = facts.container.command ++ [ "--bind" rt.bind "--port" (toString g.port) ];
      # The probe the plan writes for every container: its host is the
      # bind's own with a custom address, else loopback.
      probeHost = if g.bind == "custom" && g.customBindHost != null then g.customBindHost else facts.bindAddresses.loopback;
      probe = with facts.container.probe; "${beforeHost}${probeHost}${beforePort}${toString g.port}${after}";
    in
    {
      inherit (g) image;
      environment = facts.container.env // openclawEnv name g;
      environmentFiles = lib.optional (g.secretsFile != null && secretVars name g != [ ]) g.secretsFile ++ g.environmentFiles;
      ports = lib.optionals (address != null) (map (p: "${address}:${toString p}:${toString p}") (publicPorts g));
      # A seeded gateway first copies the config into its state, once.
      cmd =
        if g.config == "managed" then gateway
        else [ "sh" "-c" "[ -e ${facts.container.seededConfigPath} ] || install -m 600 ${facts.container.configPath} ${facts.container.seededConfigPath} && exec ${lib.concatStringsSep " " gateway}" ];
      volumes = [ "${g.stateDir}:${facts.container.stateDir}" ]
        ++ lib.optional (workspaceMounted g) "${g.workspace}:${facts.container.workspace}"
        ++ lib.optional (fileSecret g) "${g.auth.file}:${rt.auth.file}:ro"
        ++ [ "${configFile name g}:${facts.container.configPath}:ro" ];
      extraOptions = facts.container.options ++ [
        # A fixed host name: OpenClaw's state lease remembers it.
        "--hostname=${lib.replaceStrings [ "_" ] [ "-" ] name}"
        "--memory=${g.memory}"
        "--cpus=${g.cpus}"
        "--health-cmd=${lib.concatStringsSep " " facts.container.probe.shell} ${lib.escapeShellArg probe}"
      ];
    };

  containerRules = _: g:
    map (dir: "d ${dir} 0700 ${toString facts.container.uid} ${toString facts.container.uid} - -")
      ([ g.stateDir ] ++ lib.optional (workspaceMounted g) g.workspace);

  # Assertions: the checks of `ocgen check`, on the options -----------------

  perGateway = check: lib.concatLists (lib.mapAttrsToList check enabled);
  fail = name: cond: message: lib.optional cond { assertion = false; message = "services.openclaw-gateways.gateways.${name}: ${message}"; };
  failAll = cond: message: lib.optional cond { assertion = false; message = "services.openclaw-gateways: ${message}"; };

  overlaps = a: b: a.port <= b.port + facts.footprint && b.port <= a.port + facts.footprint;

  cdpPorts = name: g:
    lib.concatLists (lib.mapAttrsToList
      (profile: p: lib.optional (lib.isInt (p.cdpPort or null)) { gateway = name; inherit profile; port = p.cdpPort; })
      (g.settings.browser.profiles or { }));
  allCdpPorts = lib.concatLists (lib.mapAttrsToList cdpPorts enabled);

  # The first path of gateway x that is one of gateway y's or lies inside it.
  pathConflict = x: y:
    let
      keys = [ "stateDir" "workspace" "configPath" ];
      gx = enabled.${x};
      gy = enabled.${y};
      found = lib.concatMap
        (kx: lib.concatMap
          (ky: lib.optional (gx.${kx} == gy.${ky} || isUnder gy.${ky} gx.${kx}) {
            inherit x y kx ky;
            same = gx.${kx} == gy.${ky};
          })
          keys)
        keys;
    in
    found;

  pathMessage = c:
    "gateway ${c.x}'s ${c.kx} ${enabled.${c.x}.${c.kx}} is ${if c.same then "the same path as" else "inside"} gateway ${c.y}'s ${c.ky} ${enabled.${c.y}.${c.ky}}: two gateways on one state dir hang waiting for each other's lock; give each gateway its own directories.";

  ownKey = path: lib.concatStringsSep "." path;

  # The first of another gateway's directories that holds x's archives.
  archiveInside = x:
    let
      dir = archiveDir x enabled.${x};
      roots = lib.concatLists (lib.mapAttrsToList
        (y: g: map (r: r // { gateway = y; }) [
          { what = "state dir"; root = g.stateDir; }
          { what = "workspace"; root = g.workspace; }
          { what = "config directory"; root = dirOf g.configPath; }
        ])
        enabled);
    in
    lib.findFirst (r: dir == r.root || isUnder r.root dir) null roots;

  backupChecks = name: g:
    let inside = archiveInside name;
    in
    fail name (oci)
      "backup needs the systemd backend, and backend is oci-containers: set backend = \"systemd\" (the backup unit runs the OpenClaw package on the gateway's state), or backup.enable = false."
    ++ fail name (g.backup.keep < 1)
      "backup.keep is ${toString g.backup.keep}, which would keep no archive: keep at least one archive (default ${toString facts.backup.keep}), or set backup.enable = false to make none on schedule."
    ++ fail name (g.backup.schedule != null && onCalendar g.backup.schedule == null)
      "backup.schedule ${g.backup.schedule} is not a schedule ocgen can give every target: write hourly, daily, weekly, monthly, a time 03:30 (every day) or a day and a time Sun 03:30."
    ++ fail name (!lib.hasPrefix "/" g.backup.dir)
      "backup.dir ${g.backup.dir} must be an absolute path."
    ++ fail name (inside != null)
      "its archives would go to ${archiveDir name g}, inside the ${inside.what} ${inside.root} of gateway ${inside.gateway}: set backup.dir outside every gateway's state, e.g. /var/backups/openclaw (OpenClaw refuses to write an archive inside the state it archives, and each backup would carry the others).";

  assertions =
    map
      (p: {
        assertion = false;
        message = "services.openclaw-gateways: gateways ${p.a} (ports ${range enabled.${p.a}}) and ${p.b} (ports ${range enabled.${p.b}}) overlap: each gateway uses P to P+${toString facts.footprint}; give them base ports at least ${toString facts.spacing} apart.";
      })
      (lib.filter (p: overlaps enabled.${p.a} enabled.${p.b}) pairs)
    ++ lib.concatMap
      (c: lib.concatLists (lib.mapAttrsToList
        (other: g: lib.optional (c.port >= g.port && c.port <= g.port + facts.footprint) {
          assertion = false;
          message = "services.openclaw-gateways.gateways.${c.gateway}: the CDP port ${toString c.port} of browser profile ${c.profile} lies inside gateway ${other}'s ports ${range g}: pick a port outside every gateway's P to P+${toString facts.footprint}.";
        })
        enabled))
      allCdpPorts
    ++ lib.concatLists (lib.imap0
      (i: c: lib.optional (lib.any (d: d.port == c.port) (lib.take i allCdpPorts)) {
        assertion = false;
        message = "services.openclaw-gateways.gateways.${c.gateway}: the CDP port ${toString c.port} of browser profile ${c.profile} is used by another browser profile too: every browser profile needs a CDP port of its own.";
      })
      allCdpPorts)
    ++ lib.concatMap
      (p:
        let found = pathConflict p.b p.a ++ pathConflict p.a p.b;
        in lib.optional (found != [ ]) { assertion = false; message = "services.openclaw-gateways: ${pathMessage (lib.head found)}"; })
      pairs
    ++ lib.concatMap
      (p:
        let
          da = archiveDir p.a enabled.${p.a};
          db = archiveDir p.b enabled.${p.b};
        in
        failAll (backups ? ${p.a} && backups ? ${p.b} && (da == db || isUnder da db || isUnder db da))
          "gateways ${p.a} and ${p.b} would write archives to ${da} and ${db}: one listing would mix them and retention of one would count the other's; give the gateways one backup.dir (each writes into <dir>/<gateway>/) or directories that do not nest.")
      pairs
    ++ lib.concatMap
      (p: failAll (lib.toLower enabled.${p.a}.profile == lib.toLower enabled.${p.b}.profile)
        "gateways ${p.a} and ${p.b} use the same profile ${enabled.${p.b}.profile}: OpenClaw profiles are case-insensitive, and each gateway needs its own; give each gateway a profile of its own.")
      pairs
    ++ perGateway (name: g:
      let
        rt = runtimeOf name g;
        auth = g.auth;
        secrets = secretVars name g;
        reserved = lib.intersectLists (lib.attrNames g.environment)
          (facts.reservedEnv ++ lib.optionals oci (lib.attrNames facts.container.env));
        owned = lib.filter (path: lib.hasAttrByPath path g.settings) facts.derivedKeys;
      in
      fail name (builtins.match "[a-z0-9][a-z0-9_-]{0,63}" name == null)
        "the gateway name becomes unit and file names: use 1 to 64 lowercase letters, digits, - and _, starting with a letter or digit."
      ++ fail name (builtins.match "[a-z0-9][a-z0-9_-]{0,63}" g.profile == null)
        "profile ${g.profile} is not an OpenClaw profile name: use 1 to 64 lowercase letters, digits, - and _, starting with a letter or digit."
      ++ fail name (g.port < facts.minPort)
        "port ${toString g.port} is privileged: use a base port from ${toString facts.minPort} to ${toString facts.maxPort}."
      ++ fail name (g.port > facts.maxPort)
        "port ${toString g.port} leaves no room for P+${toString facts.footprint}: use a base port of at most ${toString facts.maxPort}."
      ++ lib.concatMap
        (key: fail name (!lib.hasPrefix "/" g.${key}) "${key} ${g.${key}} must be an absolute path.")
        [ "stateDir" "workspace" "configPath" "logFile" ]
      ++ fail name (g.bind == "custom" && g.customBindHost == null)
        "bind = \"custom\" needs customBindHost, the IPv4 address to listen on."
      ++ fail name (g.bind != "custom" && g.customBindHost != null)
        "customBindHost is only used with bind = \"custom\"."
      ++ fail name (g.customBindHost != null && builtins.match "([0-9]{1,3}[.]){3}[0-9]{1,3}" g.customBindHost == null)
        "customBindHost ${toString g.customBindHost} must be an IPv4 address (OpenClaw refuses anything else)."
      ++ fail name (auth != null && lib.elem auth.mode [ "token" "password" ] && auth.env == null && auth.file == null)
        "auth mode ${auth.mode} needs a reference to the secret: set auth.env (the variable that holds it) or auth.file."
      ++ fail name (auth != null && auth.env != null && auth.file != null)
        "auth has both env and file: keep the one that holds the secret."
      ++ fail name (auth != null && !lib.elem auth.mode [ "token" "password" ] && (auth.env != null || auth.file != null))
        "auth mode ${auth.mode} takes no secret: remove auth.env and auth.file, or use mode token or password."
      ++ fail name (auth != null && auth.env != null && builtins.match "[A-Z][A-Z0-9_]{0,127}" auth.env == null)
        "auth.env must be the name of an environment variable (^[A-Z][A-Z0-9_]{0,127}$), not a secret."
      ++ fail name (rt.bind != "loopback" && (rt.auth == null || rt.auth.mode == "none"))
        "binds ${rt.bind} without auth, which OpenClaw refuses beyond loopback: set auth = { mode = \"token\"; env = \"OPENCLAW_GATEWAY_TOKEN\"; } (the token stays in secretsFile), or bind = \"loopback\"."
      ++ fail name (g.openFirewall && g.bind == "loopback")
        "openFirewall is set but the gateway binds loopback: nothing outside the host can reach it."
      ++ fail name (secrets != [ ] && g.secretsFile == null)
        "the gateway reads ${lib.concatStringsSep ", " secrets} from its environment, but secretsFile is null: set it to a file outside the Nix store that defines ${lib.concatMapStringsSep ", " (n: "${n}=<secret>") secrets}."
      ++ fail name (reserved != [ ])
        "environment sets ${lib.concatStringsSep ", " reserved}, which the module sets itself: use the gateway's options (profile, stateDir, configPath, port, workspace, config) instead."
      ++ fail name (owned != [ ])
        "settings sets ${lib.concatMapStringsSep ", " ownKey owned}, which the module derives from the gateway's options: set port, bind, customBindHost, auth, workspace or logFile instead."
      ++ lib.optionals g.backup.enable (backupChecks name g)
      ++ (if oci then
        fail name (bindAddress g == null)
          "bind ${g.bind} has no host address to publish the container's ports on: use loopback, lan or custom with customBindHost."
        ++ fail name (builtins.match ".*(@sha256:.*|:[^/]*)" g.image == null)
          "image ${g.image} has no tag, so it means latest: pin a version, e.g. ${facts.container.image}."
      else
        lib.concatMap
          (key: fail name (g.${key} == "root") "the service would run as ${key} root: run gateways as an unprivileged account (default: ${facts.defaultUser}).")
          [ "user" "group" ]))
    ++ lib.optional (!oci && enabled != { } && cfg.package == null) {
      assertion = false;
      message = "services.openclaw-gateways.package is not set. nixpkgs marks pkgs.openclaw insecure, so the module does not pick it by itself: either set `services.openclaw-gateways.package = pkgs.openclaw;` and `nixpkgs.config.permittedInsecurePackages = [ \"openclaw-<version>\" ];`, or set it to an OpenClaw package you pin yourself (see ocgen's README, NixOS section).";
    };

  gatewayOptions = { name, config, ... }: {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Whether to run the OpenClaw gateway ${name}.";
      };
      port = mkOption {
        type = types.port;
        description = "Base port P; the gateway reserves P to P+${toString facts.footprint}. Flows into the command line, OPENCLAW_GATEWAY_PORT, openclaw.json, published ports and the firewall.";
      };
      bind = mkOption {
        type = types.enum [ "loopback" "lan" "tailnet" "auto" "custom" ];
        default = "loopback";
        description = "gateway.bind: where the gateway listens (with oci-containers: which host address its ports are published on). Anything but loopback needs auth.";
      };
      customBindHost = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "The IPv4 address of bind = \"custom\".";
      };
      profile = mkOption {
        type = types.str;
        default = name;
        description = "OPENCLAW_PROFILE.";
      };
      stateDir = mkOption {
        type = types.str;
        default = "${if cfg.userHome == null then "/var/lib/openclaw" else cfg.userHome}/${profileDir config.profile}";
        defaultText = lib.literalExpression ''"''${userHome or "/var/lib/openclaw"}/.openclaw-<profile>"'';
        description = "OPENCLAW_STATE_DIR on the host (with oci-containers: mounted as the container's state). Two gateways never share one.";
      };
      configPath = mkOption {
        type = types.str;
        default = "${config.stateDir}/openclaw.json";
        defaultText = lib.literalExpression ''"''${stateDir}/openclaw.json"'';
        description = "Where the gateway reads openclaw.json (a link to the generated file in the store, or a copy for config = \"seeded\").";
      };
      workspace = mkOption {
        type = types.str;
        default = "${config.stateDir}/workspace";
        defaultText = lib.literalExpression ''"''${stateDir}/workspace"'';
        description = "The agent workspace (OPENCLAW_WORKSPACE_DIR, agents.defaults.workspace; with oci-containers: mounted unless it is the state dir's).";
      };
      logFile = mkOption {
        type = types.str;
        default = "${config.stateDir}/logs/openclaw.log";
        defaultText = lib.literalExpression ''"''${stateDir}/logs/openclaw.log"'';
        description = "logging.file in openclaw.json (systemd backend).";
      };
      config = mkOption {
        type = types.enum [ "managed" "seeded" ];
        default = "managed";
        description = "Who owns openclaw.json: managed (the store's copy, read-only for the gateway) or seeded (copied once where none exists; OpenClaw may edit it afterwards).";
      };
      auth = mkOption {
        type = types.nullOr (types.submodule {
          options = {
            mode = mkOption {
              type = types.enum [ "none" "token" "password" "trusted-proxy" ];
              description = "gateway.auth.mode.";
            };
            env = mkOption {
              type = types.nullOr types.str;
              default = null;
              description = "The variable that holds the token or password (read from secretsFile).";
            };
            file = mkOption {
              type = types.nullOr types.str;
              default = null;
              description = "The file that holds the token or password, outside the Nix store.";
            };
          };
        });
        default = null;
        description = "How clients authenticate: gateway.auth, with the secret as a SecretRef to a variable or a file.";
      };
      secretsFile = mkOption {
        type = types.nullOr types.str;
        default = "${config.stateDir}/.env";
        defaultText = lib.literalExpression ''"''${stateDir}/.env"'';
        description = "Environment file with this gateway's own secrets (its auth variable, API keys), outside the Nix store. Required when the gateway reads a secret from it.";
      };
      secrets = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Names (never values) of the variables this gateway reads from secretsFile: model provider keys, channel tokens.";
      };
      environment = mkOption {
        type = types.attrsOf types.str;
        default = { };
        description = "Environment of the gateway, on top of the variables the module derives from the options.";
      };
      environmentFiles = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Further environment files, as strings so that they stay out of the Nix store.";
      };
      settings = mkOption {
        type = jsonFormat.type;
        default = { };
        description = "The rest of the gateway's openclaw.json, as a Nix attribute set; the module sets the port, bind, auth, workspace and log file from the options.";
      };
      openFirewall = mkOption {
        type = types.bool;
        default = false;
        description = "Whether to open P and P+1 in the firewall (only for a bind beyond loopback).";
      };
      user = mkOption {
        type = types.str;
        default = facts.defaultUser;
        description = "User the service runs as (systemd backend); the module creates ${facts.defaultUser}, any other must exist.";
      };
      group = mkOption {
        type = types.str;
        default = facts.defaultUser;
        description = "Group the service runs as (systemd backend).";
      };
      startAfter = mkOption {
        type = types.listOf types.str;
        default = startsAfter name;
        defaultText = lib.literalMD "the gateway `startBatch` places before this one, in the order of their names";
        description = "Gateways whose units this one's starts after (After=, never Requires=), each once healthy or past its deadline (systemd backend). ocgen writes the order of ocgen.yaml: each gateway after the one start.batch places before it.";
      };
      serviceConfig = mkOption {
        type = types.attrsOf types.anything;
        default = { };
        description = "Further [Service] settings of the gateway's unit (systemd backend), over the module's.";
      };
      backup = {
        enable = mkOption {
          type = types.bool;
          default = false;
          description = "Whether to make archives of the gateway's state (systemd backend): a oneshot service openclaw-backup-<profile> (openclaw-backup for the default profile, as the gateway's unit is named), hardened like the gateway's unit and run as its user, that makes one with `openclaw backup create --verify` into <dir>/<name>/ (0700) and keeps the newest `keep`. Start it by hand (systemctl start openclaw-backup-<profile>) or give it a schedule.";
        };
        schedule = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "Sun 03:30";
          description = "When a timer starts the backup: hourly, daily, weekly, monthly, a time HH:MM (every day) or a day and a time (Sun 03:30), in the host's time zone; null: on demand only.";
        };
        dir = mkOption {
          type = types.str;
          default = "${lib.removeSuffix "/" (dirOf config.stateDir)}/${facts.backup.dirName}";
          defaultText = lib.literalExpression ''"<the state dir's parent>/${facts.backup.dirName}"'';
          description = "Where the archives go, each gateway's into <dir>/<name>/: outside every gateway's state (OpenClaw refuses an archive inside the state it archives).";
        };
        beforeSwitch = mkOption {
          type = types.bool;
          default = true;
          description = "Whether `nixos-rebuild switch` (or test) first archives the gateway's state with the running system's package when the switch changes the gateway's unit: openclaw-backup-<profile>-before-switch into <dir>/<name>/before-switch/, which retention never touches (remove old ones yourself). A failed archive stops the switch; NIXOS_NO_CHECK=1 skips it. From the second switch with backups on: the running system must have the unit.";
        };
        keep = mkOption {
          type = types.int;
          default = facts.backup.keep;
          description = "How many archives of the gateway to keep, the newest (at least 1); only files named as OpenClaw names archives are removed.";
        };
      };
      image = mkOption {
        type = types.str;
        default = facts.container.image;
        description = "Container image, pinned to a version (oci-containers backend).";
      };
      memory = mkOption {
        type = types.str;
        default = facts.container.memory;
        description = "Memory limit of the container (oci-containers backend).";
      };
      cpus = mkOption {
        type = types.str;
        default = facts.container.cpus;
        description = "CPU limit of the container, in cores (oci-containers backend).";
      };
    };
  };
in
{
  _class = "nixos";

  options.services.openclaw-gateways = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to run the gateways in services.openclaw-gateways.gateways (false stops them all).";
    };
    backend = mkOption {
      type = types.enum [ "systemd" "oci-containers" ];
      default = "systemd";
      description = "How the gateways run: systemd services of the OpenClaw package, or OCI containers of the official image.";
    };
    package = mkOption {
      type = types.nullOr types.package;
      default = null;
      example = lib.literalExpression "pkgs.openclaw";
      description = "The OpenClaw package; its bin/openclaw runs every gateway of the systemd backend. No default: nixpkgs marks pkgs.openclaw insecure.";
    };
    fleetMemory = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "8g";
      description = "MemoryMax= of openclaw.slice, the slice every gateway's unit runs in: a cap on the fleet as a whole (systemd backend).";
    };
    startBatch = mkOption {
      type = types.ints.positive;
      default = facts.startBatch;
      description = "Gateways that start at once (systemd backend): each starts once the one startBatch places before it (in the order of their names) is healthy or past its deadline. It sets the default of each gateway's startAfter.";
    };
    userHome = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "Home directory of the ${facts.defaultUser} account the module creates (null: /var/empty); the default state dirs lie in it.";
    };
    gateways = mkOption {
      type = types.attrsOf (types.submodule gatewayOptions);
      default = { };
      description = "The gateways, by name.";
    };
    openclawJson = mkOption {
      type = types.attrsOf jsonFormat.type;
      readOnly = true;
      description = "The openclaw.json each enabled gateway gets, after the options are applied (read-only).";
    };
  };

  config = lib.mkMerge [
    {
      services.openclaw-gateways.openclawJson = lib.mapAttrs openclawJsonOf enabled;
    }
    (lib.mkIf (enabled != { }) {
      inherit assertions;

      networking.firewall.allowedTCPPorts = lib.concatLists (lib.mapAttrsToList
        (_: g: lib.optionals (g.openFirewall && g.bind != "loopback") (publicPorts g))
        enabled);
    })
    (lib.mkIf (enabled != { } && !oci) {
      systemd.services = lib.mapAttrs' (name: g: lib.nameValuePair (unitName g) (serviceOf name g)) enabled // backupServices;

      systemd.timers = lib.mapAttrs' (name: g: lib.nameValuePair (backupUnit g) (backupTimerOf name g)) scheduled;

      system.preSwitchChecks = lib.mkIf (beforeSwitch != { }) { openclaw-gateways-backup = beforeSwitchCheck; };

      systemd.tmpfiles.rules = lib.concatLists (lib.mapAttrsToList serviceRules enabled) ++ backupTmpfiles;

      # Every gateway's unit runs in this slice, capped as a whole when asked.
      systemd.slices.openclaw = {
        description = "OpenClaw gateways";
      } // lib.optionalAttrs (cfg.fleetMemory != null) {
        sliceConfig.MemoryMax = toString (memoryBytes cfg.fleetMemory);
      };

      # The default account is created here; any other must exist.
      users.users = lib.mkIf (anyGateway (g: g.user == facts.defaultUser)) {
        ${facts.defaultUser} = {
          isSystemUser = true;
          group = facts.defaultUser;
        } // lib.optionalAttrs (cfg.userHome != null) {
          home = cfg.userHome;
          createHome = true;
        };
      };
      users.groups = lib.mkIf (anyGateway (g: g.user == facts.defaultUser || g.group == facts.defaultUser)) {
        ${facts.defaultUser} = { };
      };
    })
    (lib.mkIf (enabled != { } && oci) {
      virtualisation.oci-containers.containers = lib.mapAttrs' (name: g: lib.nameValuePair (containerName name) (containerOf name g)) enabled;

      # The engine's unit follows OpenClaw's restart policy and outlasts the
      # engine's own stop timeout.
      systemd.services = lib.mapAttrs'
        (name: _: lib.nameValuePair "${config.virtualisation.oci-containers.backend}-${containerName name}" {
          serviceConfig = lib.mapAttrs (_: lib.mkOverride 90) facts.container.unit;
        })
        enabled;

      systemd.tmpfiles.rules = lib.concatLists (lib.mapAttrsToList containerRules enabled);
    })
  ];
}
