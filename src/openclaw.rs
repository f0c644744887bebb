//! OpenClaw's facts: every number, path, name and grammar of the real
//! program (2026.9.6) that ocgen's rules depend on, in one place. The plan
//! reads these; nothing here knows ocgen's input or outputs.

use serde::Serialize;

/// The OpenClaw release ocgen's rules were checked against, and the default image tag.
pub const OPENCLAW_VERSION: &str = "2026.9.6";

/// Default container image.
pub const DEFAULT_IMAGE: &str = "ghcr.io/openclaw/openclaw:2026.9.6";

/// The first base port handed out, OpenClaw's own default.
pub const FIRST_BASE_PORT: u16 = 18789;

/// Last port of the footprint, relative to P.
pub const FOOTPRINT: u16 = 110;

/// Minimum distance between base ports ocgen assigns (the footprint plus headroom,
/// as OpenClaw's multiple-gateways guide asks).
pub const SPACING: u16 = 120;

/// Lowest port ocgen accepts anywhere (base ports, `cdp_port`): below it
/// are privileged ports, which a gateway running as a user cannot bind.
pub const MIN_PORT: u16 = 1024;

/// Lowest base port accepted.
pub const MIN_BASE_PORT: u16 = MIN_PORT;

/// Highest base port accepted: above it P+110 passes 65535 and OpenClaw
/// silently moves the CDP range to 18800-18899.
pub const MAX_BASE_PORT: u16 = 65535 - FOOTPRINT;

/// Environment variables ocgen sets itself and a user may not override.
pub const RESERVED_ENV: &[&str] = &[
    "OPENCLAW_PROFILE",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_WORKSPACE_DIR",
    "OPENCLAW_HOME",
    "OPENCLAW_CONFIG_READONLY",
    SERVICE_REPAIR_POLICY.0,
    SERVICE_MARKER_VAR,
    SERVICE_KIND_VAR,
    SYSTEMD_UNIT_VAR,
];

/// The variables by which OpenClaw recognises a gateway service it
/// manages (`dist/constants-*.mjs`: `isGatewayServiceEnv`; `openclaw
/// doctor` and `gateway status` scan unit files for them,
/// `dist/inspect-*.mjs`: `hasGatewayServiceMarker`). Its own systemd unit
/// sets them; ocgen's units and NixOS services do too.
pub const SERVICE_MARKER_VAR: &str = "OPENCLAW_SERVICE_MARKER";
/// Value of [`SERVICE_MARKER_VAR`].
pub const SERVICE_MARKER: &str = "openclaw";
/// The kind of service: a gateway (a node host says `node`).
pub const SERVICE_KIND_VAR: &str = "OPENCLAW_SERVICE_KIND";
/// Value of [`SERVICE_KIND_VAR`].
pub const SERVICE_KIND: &str = "gateway";
/// The unit's own name (`<unit>.service`). With a named profile, OpenClaw
/// expects `openclaw-gateway-<profile>.service` here and skips managing
/// the service otherwise (`resolveGatewayNativeServiceIdentityConflict`).
pub const SYSTEMD_UNIT_VAR: &str = "OPENCLAW_SYSTEMD_UNIT";

/// Node's compile cache directory (OpenClaw's VPS guide, "systemd tuning
/// checklist": `Environment=NODE_COMPILE_CACHE=...` for a stable startup
/// path). Without it OpenClaw keeps its cache under `os.tmpdir()`, which a
/// unit with `PrivateTmp=yes` loses at every start; with it, a gateway's
/// second and later starts take about a quarter less CPU
/// (`benches/fleet_start.py cpu --cache default,cold,persistent`).
pub const COMPILE_CACHE_VAR: &str = "NODE_COMPILE_CACHE";

/// What a reserved port range is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// P: WebSocket + HTTP.
    Gateway,
    /// P+1: MCP Apps sandbox host.
    McpSandbox,
    /// P+2: browser control service.
    BrowserControl,
    /// P+3..P+10: extension relay ports.
    BrowserRelay,
    /// P+11..P+110: managed Chrome CDP range.
    Cdp,
    /// An explicit `cdp_port`.
    CdpExplicit,
}

impl Purpose {
    /// The name used in `ocgen ports` and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Gateway => "gateway",
            Purpose::McpSandbox => "mcp-sandbox",
            Purpose::BrowserControl => "browser-control",
            Purpose::BrowserRelay => "browser-relay",
            Purpose::Cdp => "cdp",
            Purpose::CdpExplicit => "cdp-explicit",
        }
    }
}

/// The sub-ranges of the footprint of a gateway on base port `p`, relative
/// offsets, inclusive.
pub const FOOTPRINT_PARTS: &[(Purpose, u16, u16)] = &[
    (Purpose::Gateway, 0, 0),
    (Purpose::McpSandbox, 1, 1),
    (Purpose::BrowserControl, 2, 2),
    (Purpose::BrowserRelay, 3, 10),
    (Purpose::Cdp, 11, FOOTPRINT),
];

/// `HOME` of the `node` user in the official image.
pub const CONTAINER_HOME: &str = "/home/node";

/// State directory inside a gateway's container (one gateway per container,
/// so OpenClaw's unsuffixed layout).
pub const CONTAINER_STATE_DIR: &str = "/home/node/.openclaw";

/// Workspace inside a gateway's container.
pub const CONTAINER_WORKSPACE: &str = "/home/node/.openclaw/workspace";

/// The legacy OAuth recovery key directory: the official compose file and
/// `openclaw fleet` mount it per instance, so ocgen gives it a volume too.
pub const CONTAINER_OAUTH_DIR: &str = "/home/node/.config/openclaw";

/// `XDG_CACHE_HOME` in a container: on the state volume, as `openclaw
/// fleet` sets it, so that caches survive a new container and the root
/// filesystem can stay read-only. OpenClaw stages SQLite snapshots of its
/// state database there (`$XDG_CACHE_HOME/openclaw`, else `~/.cache`): a
/// gateway without a writable one exits 78 at start ("shared state database
/// is unreadable ... Unable to create fallback OpenClaw temp dir"), and a
/// snapshot can be as large as the database, so it belongs on the disk
/// that holds the database rather than in memory.
pub const CONTAINER_CACHE_DIR: (&str, &str) = ("XDG_CACHE_HOME", "/home/node/.openclaw/cache");

/// `/tmp` in a container. OpenClaw 2026.9.6 writes there what neither its
/// state dir nor `XDG_CACHE_HOME` covers: the state database's lifecycle
/// lock files, `/tmp/openclaw-state-locks-<uid>` (a fixed `/tmp`, not
/// `TMPDIR`: every process that opens the database, the gateway and an
/// `openclaw` CLI run with `exec` beside it, must see the same files),
/// terminal upload staging (`$TMPDIR/.openclaw-terminal-staging-<uid>`) and
/// its private temp root (`/tmp/openclaw`, else `$TMPDIR/openclaw-<uid>`).
/// None of it outlives the processes that use it.
pub const CONTAINER_TMP_DIR: &str = "/tmp";

/// A gateway holds an owner lease in its state database, recorded with its
/// pid and `hostname()`; a later gateway reclaims it at once only when it
/// sees the same host name and the pid dead, else it waits for the lease to
/// expire (300 s: "Another Gateway owner lease is still active"). A new
/// container gets a new random host name, so a container killed before it
/// released the lease (a stop timeout) would block its successor for five
/// minutes: each gateway's container gets a fixed host name.
pub const STATE_LEASE_TTL_SECS: u32 = 300;

/// The image's working directory and the gateway's entry point in it (the
/// image's own `CMD` is `node openclaw.mjs gateway`).
pub const CONTAINER_GATEWAY_CMD: &[&str] = &["node", "openclaw.mjs", "gateway"];

/// `openclaw fleet`'s container limits (`docs/cli/fleet.md`, security
/// profile): processes, memory and CPUs per cell. ocgen's compose output
/// uses the same defaults, overridable per gateway (`resources`).
pub const CONTAINER_PIDS_LIMIT: u32 = 512;

/// See [`CONTAINER_PIDS_LIMIT`].
pub const CONTAINER_MEMORY: &str = "2g";

/// See [`CONTAINER_PIDS_LIMIT`].
pub const CONTAINER_CPUS: f64 = 2.0;

/// OpenClaw's switch for an externally managed config: startup migrations
/// stay in memory and config writers (setup, `config set`, doctor --fix)
/// refuse instead of failing halfway on a read-only file.
pub const CONTAINER_CONFIG_READONLY: (&str, &str) = ("OPENCLAW_CONFIG_READONLY", "1");

/// Tells `openclaw doctor` that another supervisor (ocgen's units, NixOS
/// services, LaunchAgents, the container engine, the cluster) owns the
/// gateway's lifecycle: doctor then never installs, starts or rewrites a
/// competing service (`dist/doctor-service-repair-policy-*.mjs`). Doctor
/// reads it from its own environment: every gateway's environment (and so
/// the env file a shell sources before running `openclaw`) carries it.
pub const SERVICE_REPAIR_POLICY: (&str, &str) = ("OPENCLAW_SERVICE_REPAIR_POLICY", "external");

/// The token variable of a container gateway that declares no auth: the
/// one OpenClaw reads by itself and upstream's compose file passes.
pub const CONTAINER_DEFAULT_TOKEN_ENV: &str = "OPENCLAW_GATEWAY_TOKEN";

/// Smallest memory limit accepted: the gateway alone uses 0.4 to 0.9 GB.
pub const MIN_CONTAINER_MEMORY: u64 = 512 * 1024 * 1024;

/// `OpenClaw`'s own restart policy (its systemd unit): always restart, 5 s apart.
pub const RESTART: &str = "always";

/// Seconds between restarts.
pub const RESTART_SEC: u32 = 5;

/// `OpenClaw` exits 78 (`EX_CONFIG`) on an invalid config: restarting cannot help.
pub const RESTART_PREVENT_EXIT_STATUS: u32 = 78;

/// `OpenClaw` drains sessions for up to 300 s on SIGTERM; systemd waits a bit longer.
pub const TIMEOUT_STOP_SEC: u32 = 330;

/// SIGTERM to the gateway only, then SIGKILL to what is left (browsers it started).
pub const KILL_MODE: &str = "mixed";

/// 143 = 128 + SIGTERM: a gateway stopped by its signal exited as asked.
pub const SUCCESS_EXIT_STATUS: &str = "0 143";

/// uid:gid of the `node` user in the official image, owner of mounted state.
pub const CONTAINER_UID: u32 = 1000;

/// Path of a gateway's `/healthz` probe: 200 `{"ok":true,"status":"live"}`
/// once the gateway serves, no auth needed.
pub const HEALTH_PATH: &str = "/healthz";

/// Path of a gateway's `/readyz` probe: 200 `{"ready":true,...}` once its
/// startup sidecars run, 503 `{"ready":false,"failing":[...]}` before (about
/// 2 s after `/healthz` first answers).
pub const READY_PATH: &str = "/readyz";

/// Path of a gateway's `/startupz` probe: 200 `{"ok":true,"status":"started"}`
/// once startup work has settled, 503 `{"ok":false,...}` while it runs or
/// the gateway drains. Unlike `/readyz` it ignores channel health, so a
/// broken channel account (a Telegram token, a network without a route
/// out) does not take the gateway and its Control UI out of service:
/// OpenClaw's own Kubernetes guide probes startup and readiness here.
pub const STARTUP_PATH: &str = "/startupz";

/// The first release that serves [`STARTUP_PATH`] (2026.8.1); older ones
/// answer it with the Control UI's catch-all page.
pub const STARTUP_PATH_SINCE: (u32, u32, u32) = (2026, 8, 1);

/// The OpenClaw release an image's tag names (`...:2026.9.6`,
/// `...:2026.9.6-slim`), or None for a tag without one (`main`, a digest).
pub fn image_release(image: &str) -> Option<(u32, u32, u32)> {
    let image = image.split('@').next().unwrap_or(image);
    let last = image.rsplit('/').next().unwrap_or(image);
    let (_, tag) = last.split_once(':')?;
    let mut parts = tag.splitn(3, '.');
    let mut number = |last: bool| -> Option<u32> {
        let p = parts.next()?;
        let digits = if last {
            p.split(|c: char| !c.is_ascii_digit()).next()?
        } else {
            p
        };
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse().ok())
            .flatten()
    };
    Some((number(false)?, number(false)?, number(true)?))
}

/// Whether the OpenClaw in `image` serves [`STARTUP_PATH`]: a release
/// from [`STARTUP_PATH_SINCE`] on, or a tag that names none (ocgen then
/// assumes a current image).
pub fn serves_startup_probe(image: &str) -> bool {
    image_release(image).is_none_or(|r| r >= STARTUP_PATH_SINCE)
}

/// Where a gateway is probed: every bind mode also listens on 127.0.0.1
/// (`lan` on 0.0.0.0; `custom` and `tailnet` add 127.0.0.1 to their own
/// address), so loopback reaches all of them and the probe never leaves the host.
pub const PROBE_ADDR: std::net::Ipv4Addr = std::net::Ipv4Addr::LOCALHOST;

/// One of the gateway's HTTP probes: it passes on a 200 whose JSON body
/// has `field: true` (the Control UI answers any other path with 200, so
/// the status alone proves nothing). No auth is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// The path, served at the gateway's root whatever its base path.
    pub path: &'static str,
    /// The JSON field that must be `true`.
    pub field: &'static str,
}

impl Probe {
    /// Whether an answer passes.
    pub fn passes(self, status: u16, body: &serde_json::Value) -> bool {
        status == 200 && body.get(self.field) == Some(&serde_json::Value::Bool(true))
    }
}

/// `/healthz`: the gateway is alive.
pub const LIVE: Probe = Probe {
    path: HEALTH_PATH,
    field: "ok",
};

/// `/readyz`: the gateway is ready (its startup sidecars and channels run).
pub const READY: Probe = Probe {
    path: READY_PATH,
    field: "ready",
};

/// `/startupz`: the gateway has started (channel health aside); see
/// [`STARTUP_PATH`].
pub const STARTED: Probe = Probe {
    path: STARTUP_PATH,
    field: "ok",
};

/// Whether a `/startupz` answer means the gateway has started.
pub fn is_started(status: u16, body: &serde_json::Value) -> bool {
    STARTED.passes(status, body)
}

/// Whether a `/healthz` answer means the gateway is alive.
pub fn is_healthy(status: u16, body: &serde_json::Value) -> bool {
    LIVE.passes(status, body)
}

/// Whether a `/readyz` answer means the gateway is ready.
pub fn is_ready(status: u16, body: &serde_json::Value) -> bool {
    READY.passes(status, body)
}

/// `<state_dir>/.env`: OpenClaw's trusted global `.env`, which it loads
/// itself at start (the place for a gateway's token and provider keys).
pub fn dotenv_path(state_dir: &str) -> String {
    format!("{state_dir}/.env")
}

/// OpenClaw's profile grammar `^[a-z0-9][a-z0-9_-]{0,63}$`, case-insensitive.
pub fn is_profile_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// OpenClaw's browser profile grammar `^[a-z0-9-]+$` (checked in 2026.9.6's
/// config schema; 64 characters at most, like profiles).
pub fn is_browser_profile_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Whether an environment variable's name says it holds a secret
/// (`*TOKEN*`, `*PASSWORD*`, `*API_KEY*`, ...; not `*_FILE`, `*_PATH`, `*_ENV`).
pub fn looks_like_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("_FILE") || upper.ends_with("_PATH") || upper.ends_with("_ENV") {
        return false;
    }
    SECRET_NAME_PARTS.iter().any(|w| upper.contains(w))
}

/// Parts of a name (upper case) that say its value is a secret.
pub const SECRET_NAME_PARTS: &[&str] = &[
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

/// OpenClaw's env SecretRef ids: `^[A-Z][A-Z0-9_]{0,127}$`.
pub fn is_secret_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

/// Top-level config keys that OpenClaw no longer accepts, and where their
/// settings went. 2026.9.6 rejects a config that sets them.
pub const RETIRED_KEYS: &[(&str, &str)] = &[
    (
        "canvasHost",
        "the standalone canvas host was removed (2026.9): the canvas shares the gateway port, and its settings live under `plugins.entries.canvas.config.host`",
    ),
    (
        "bridge",
        "the bridge (old port 18790) was removed from OpenClaw: remove the key",
    ),
];

/// The file secret provider ocgen declares for `auth.file`
/// (`secrets.providers.<this>`): OpenClaw reads a file SecretRef only
/// through a declared provider, and `singleValue` makes the whole file the
/// secret.
pub const FILE_PROVIDER: &str = "gateway-auth";

/// Where a proxy on the same host connects from: OpenClaw must trust it
/// to read the client's address from `X-Forwarded-For`.
pub const HOST_PROXY_ADDRESSES: &[&str] = &["127.0.0.1", "::1"];

/// First path segments the gateway serves itself at its root: a base path
/// there would hide them.
pub const RESERVED_BASE_PATH_SEGMENTS: &[&str] = &[
    "healthz",
    "health",
    "readyz",
    "startupz",
    "__openclaw__",
    "v1",
    "api",
    "tools",
    "hooks",
    "oauth",
];

/// The probes OpenClaw serves at its root, not under the base path: the
/// proxy maps `<prefix>/healthz` to the gateway's `/healthz`.
pub const ROOT_PROBES: &[&str] = &["/healthz", "/health", "/readyz", "/startupz"];

/// launchd: the label of the default profile's gateway LaunchAgent
/// (`ai.openclaw.gateway`); other profiles get [`LAUNCHD_LABEL_PREFIX`] + profile.
pub const LAUNCHD_DEFAULT_LABEL: &str = "ai.openclaw.gateway";

/// launchd: label prefix of a named profile's gateway (`ai.openclaw.<profile>`).
pub const LAUNCHD_LABEL_PREFIX: &str = "ai.openclaw.";

/// launchd labels OpenClaw uses for itself: the default gateway's and the
/// node host's (`openclaw node install`). A profile of the same name would
/// share its LaunchAgent.
pub const LAUNCHD_OWN_LABELS: &[(&str, &str)] = &[
    ("gateway", "the default profile's gateway LaunchAgent"),
    (
        "node",
        "the node host's LaunchAgent (`openclaw node install`)",
    ),
];

/// The LaunchAgent label of a profile, as `gateway install` names it
/// (`resolveGatewayLaunchAgentLabel`).
pub fn launchd_label(profile: &str) -> String {
    if profile.eq_ignore_ascii_case("default") {
        LAUNCHD_DEFAULT_LABEL.to_string()
    } else {
        format!("{LAUNCHD_LABEL_PREFIX}{profile}")
    }
}

/// The `Comment` of a gateway's LaunchAgent (`formatGatewayServiceDescription`).
pub fn launchd_comment(profile: &str) -> String {
    if profile.eq_ignore_ascii_case("default") {
        "OpenClaw Gateway".to_string()
    } else {
        format!("OpenClaw Gateway (profile: {profile})")
    }
}

/// The fixed policy keys of OpenClaw's LaunchAgent (`LAUNCH_AGENT_POLICY`
/// in `dist/launchd-plist-*.mjs`), in its order: start at login, restart
/// whenever it exits, at most every 10 s, 20 s between SIGTERM and SIGKILL,
/// scheduled as an interactive job, umask 077 (63), no stdin.
pub const LAUNCHD_POLICY: &[(&str, LaunchdValue)] = &[
    ("RunAtLoad", LaunchdValue::Bool(true)),
    ("KeepAlive", LaunchdValue::Bool(true)),
    ("ExitTimeOut", LaunchdValue::Int(20)),
    ("ProcessType", LaunchdValue::Str("Interactive")),
    ("ThrottleInterval", LaunchdValue::Int(10)),
    ("Umask", LaunchdValue::Int(63)),
    ("StandardInPath", LaunchdValue::Str("/dev/null")),
];

/// A value of a fixed LaunchAgent key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LaunchdValue {
    /// `<true/>` / `<false/>`.
    Bool(bool),
    /// `<integer>`.
    Int(u32),
    /// `<string>`.
    Str(&'static str),
}

/// The variables by which `openclaw doctor` and `gateway status` recognise
/// a service OpenClaw manages (`GATEWAY_SERVICE_MARKER`, `GATEWAY_SERVICE_KIND`).
pub const SERVICE_MARKERS: &[(&str, &str)] = &[
    ("OPENCLAW_SERVICE_MARKER", "openclaw"),
    ("OPENCLAW_SERVICE_KIND", "gateway"),
];

/// The service names of the other platforms, which `gateway install` sets
/// on every platform so that a profile's identity is the same everywhere
/// (`buildServiceEnvironment`): the systemd unit, the Windows task and its
/// hidden launcher switch.
pub fn other_service_names(profile: &str) -> [(&'static str, String); 3] {
    let default = profile.eq_ignore_ascii_case("default");
    [
        (
            "OPENCLAW_SYSTEMD_UNIT",
            if default {
                "openclaw-gateway.service".to_string()
            } else {
                format!("openclaw-gateway-{profile}.service")
            },
        ),
        (
            "OPENCLAW_WINDOWS_TASK_NAME",
            if default {
                "OpenClaw Gateway".to_string()
            } else {
                format!("OpenClaw Gateway ({profile})")
            },
        ),
        ("OPENCLAW_WINDOWS_TASK_HIDDEN_LAUNCHER", "1".to_string()),
    ]
}

/// The variable that names a gateway's LaunchAgent; OpenClaw refuses to
/// start a profile whose label it does not match.
pub const LAUNCHD_LABEL_ENV: &str = "OPENCLAW_LAUNCHD_LABEL";

/// `PATH` of a LaunchAgent on macOS (`resolveSystemPathDirs("darwin")`):
/// launchd starts jobs with a bare PATH that lacks Homebrew.
pub const LAUNCHD_PATH: &str =
    "/opt/homebrew/bin:/opt/homebrew/sbin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

/// TLS roots a LaunchAgent's Node uses on macOS (`resolveNodeStartupTlsEnvironment`).
pub const LAUNCHD_TLS_ENV: &[(&str, &str)] = &[
    ("NODE_EXTRA_CA_CERTS", "/etc/ssl/cert.pem"),
    ("NODE_USE_SYSTEM_CA", "1"),
];

/// Where `gateway install` writes LaunchAgent logs, under the user's home
/// (`resolveMacLaunchAgentLogPaths`): `<home>/Library/Logs/openclaw/gateway-<profile>.log`.
pub const LAUNCHD_LOG_DIR: &str = "Library/Logs/openclaw";

/// Where a user's LaunchAgents live, under the home.
pub const LAUNCH_AGENTS_DIR: &str = "Library/LaunchAgents";

/// The node of a Homebrew install on Apple silicon, which OpenClaw's
/// installer finds first on macOS.
pub const LAUNCHD_DEFAULT_NODE: &str = "/opt/homebrew/bin/node";

/// The package entry `npm install -g openclaw` gives under Homebrew's node:
/// the script `gateway install` runs with node.
pub const LAUNCHD_DEFAULT_ENTRY: &str = "/opt/homebrew/lib/node_modules/openclaw/dist/index.js";

/// The log file name of a profile's LaunchAgent (stdout and stderr share it).
pub fn launchd_log_name(profile: &str) -> String {
    if profile.eq_ignore_ascii_case("default") {
        "gateway.log".to_string()
    } else {
        format!("gateway-{profile}.log")
    }
}

/// The state dir of a profile under a home (`resolveProfileStateDir`):
/// `.openclaw` for `default` (in any case), else `.openclaw-<profile>`.
pub fn profile_state_dir_name(profile: &str) -> String {
    if profile.eq_ignore_ascii_case("default") {
        STATE_DIR_NAME.to_string()
    } else {
        format!("{STATE_DIR_NAME}-{profile}")
    }
}

/// The default profile's state dir under a home; named profiles add `-<profile>`.
pub const STATE_DIR_NAME: &str = ".openclaw";

/// The config file inside a state dir.
pub const CONFIG_FILE_NAME: &str = "openclaw.json";

/// The profile whose state dir has no suffix.
pub const DEFAULT_PROFILE: &str = "default";

/// The port a gateway listens on when nothing pins it (`resolveGatewayPort`
/// in `dist/paths-*.mjs`): `--port`, then `OPENCLAW_GATEWAY_PORT`, then
/// `gateway.port`, then, for a named profile, 20000 + FNV-1a-32(profile) %
/// 40000 (undocumented), else 18789.
pub fn unpinned_port(profile: &str) -> u16 {
    if profile.eq_ignore_ascii_case(DEFAULT_PROFILE) || !is_profile_name(profile) {
        return FIRST_BASE_PORT;
    }
    let mut hash: u32 = 0x811c_9dc5;
    for b in profile.bytes() {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    // 20000 + (hash % 40000) < 60000: always fits.
    u16::try_from(20_000 + hash % 40_000).unwrap_or(FIRST_BASE_PORT)
}

/// The systemd unit of a profile's gateway, as `gateway install` names it
/// (`resolveGatewaySystemdServiceName`), without `.service`.
pub fn systemd_unit_name(profile: &str) -> String {
    if profile.eq_ignore_ascii_case(DEFAULT_PROFILE) {
        SYSTEMD_UNIT_PREFIX.to_string()
    } else {
        format!("{SYSTEMD_UNIT_PREFIX}-{profile}")
    }
}

/// The systemd unit name of the default profile's gateway; named
/// profiles add `-<profile>`.
pub const SYSTEMD_UNIT_PREFIX: &str = "openclaw-gateway";

/// Where `gateway install` puts a user's systemd units, under the home.
pub const SYSTEMD_USER_UNIT_DIR: &str = ".config/systemd/user";

/// Where system units live.
pub const SYSTEMD_SYSTEM_UNIT_DIR: &str = "/etc/systemd/system";

/// The file of secret values OpenClaw's systemd install keeps in the state
/// dir and names with `EnvironmentFile=-` (`SYSTEMD_GATEWAY_DOTENV_FILENAME`).
pub const SYSTEMD_ENV_FILE_NAME: &str = "gateway.systemd.env";

/// The directory in the state dir where 2026.9's LaunchAgent install keeps
/// the service's environment (`<label>.env`) and the `/bin/sh` wrapper
/// (`<label>-env-wrapper.sh`) that its `ProgramArguments` start.
pub const LAUNCHD_SERVICE_ENV_DIR: &str = "service-env";

/// The first line of a LaunchAgent environment file; the wrapper refuses
/// a file without it (`LAUNCH_AGENT_ENV_FILE_HEADER`).
pub const LAUNCHD_ENV_FILE_HEADER: &str =
    "# Generated by OpenClaw. Do not edit while the gateway service is installed.";

/// The shell the LaunchAgent wrapper runs under (`LAUNCH_AGENT_ENV_WRAPPER_SHELL`).
pub const LAUNCHD_ENV_WRAPPER_SHELL: &str = "/bin/sh";

/// The global `.env` OpenClaw loads from the state dir itself.
pub const STATE_DOTENV: &str = ".env";

/// The variables that carry a gateway's own token and password
/// (`gateway.auth.token` and `.password` fall back to them).
pub const GATEWAY_TOKEN_ENV: &str = "OPENCLAW_GATEWAY_TOKEN";
/// See [`GATEWAY_TOKEN_ENV`].
pub const GATEWAY_PASSWORD_ENV: &str = "OPENCLAW_GATEWAY_PASSWORD";

/// Where `openclaw fleet` keeps each cell's state, under the state dir
/// of the OpenClaw that created it (`<state_dir>/fleet/cells/<tenant>/`).
pub const FLEET_CELLS_DIR: &str = "fleet/cells";

/// The state database that holds, among others, the fleet registry
/// (`fleet_cells` table), under the state dir.
pub const STATE_DB: &str = "state/openclaw.sqlite";

/// Variables an OpenClaw service sets for itself (paths, markers, the
/// service's own names, its runtime), which a gateway's own `env` never
/// carries: ocgen's outputs set the ones they need.
pub const SERVICE_PLUMBING_ENV: &[&str] = &[
    "HOME",
    "PATH",
    "TMPDIR",
    "NODE_EXTRA_CA_CERTS",
    "NODE_USE_SYSTEM_CA",
    "NODE_OPTIONS",
    "OPENCLAW_HOME",
    "OPENCLAW_PROFILE",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_WORKSPACE_DIR",
    "OPENCLAW_CONFIG_READONLY",
    "OPENCLAW_SERVICE_MARKER",
    "OPENCLAW_SERVICE_KIND",
    "OPENCLAW_SERVICE_VERSION",
    "OPENCLAW_SERVICE_MANAGED_ENV_KEYS",
    "OPENCLAW_SYSTEMD_UNIT",
    "OPENCLAW_LAUNCHD_LABEL",
    "OPENCLAW_WINDOWS_TASK_NAME",
    "OPENCLAW_WINDOWS_TASK_HIDDEN_LAUNCHER",
    "OPENCLAW_WRAPPER",
];

#[cfg(test)]
mod tests {
    use super::{
        DEFAULT_IMAGE, image_release, is_healthy, is_ready, is_secret_env_name, is_started,
        serves_startup_probe,
    };

    #[test]
    fn the_startup_probe_follows_the_image_release() {
        assert_eq!(image_release(DEFAULT_IMAGE), Some((2026, 9, 6)));
        assert_eq!(
            image_release("registry:5000/openclaw/openclaw:2026.10.12-slim@sha256:ab"),
            Some((2026, 10, 12))
        );
        for none in [
            "openclaw/openclaw:main",
            "openclaw/openclaw",
            "x:2026.9",
            "x:a.b.c",
        ] {
            assert_eq!(image_release(none), None, "{none}");
        }
        assert!(serves_startup_probe(DEFAULT_IMAGE));
        assert!(serves_startup_probe("ghcr.io/openclaw/openclaw:2026.8.1"));
        assert!(!serves_startup_probe(
            "ghcr.io/openclaw/openclaw:2026.7.31-browser"
        ));
        assert!(serves_startup_probe("ghcr.io/openclaw/openclaw:main"));
        let started = serde_json::json!({"ok": true, "status": "started"});
        assert!(is_started(200, &started));
        assert!(!is_started(
            503,
            &serde_json::json!({"ok": false, "status": "starting"})
        ));
    }

    #[test]
    fn health_and_readiness_answers() {
        let ok = serde_json::json!({"ok": true, "status": "live"});
        assert!(is_healthy(200, &ok));
        assert!(!is_healthy(503, &ok));
        assert!(!is_healthy(200, &serde_json::json!({"ok": "true"})));
        assert!(is_ready(
            200,
            &serde_json::json!({"ready": true, "failing": []})
        ));
        assert!(!is_ready(503, &serde_json::json!({"ready": false})));
    }

    #[test]
    fn secret_env_names_follow_openclaw() {
        assert!(is_secret_env_name("OPENCLAW_GATEWAY_TOKEN"));
        assert!(!is_secret_env_name("lower_case"));
        assert!(!is_secret_env_name("_LEADING"));
        assert!(!is_secret_env_name("1ABC"));
    }
}
