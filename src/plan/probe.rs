//! The health probes ocgen writes: the container targets' health check
//! (Compose, the NixOS oci-containers backend), the Kubernetes probes, and
//! the wait that ends a service's start (systemd units, the NixOS module,
//! [`super::start::start_wait_script`]). The image has no curl, and its
//! own HEALTHCHECK does not know ocgen's port, so ocgen brings its own.
//!
//! Every probe is the same `bash` check on `/dev/tcp` ([`check`]) rather
//! than `node -e fetch(...)`: on the 2-core test machine one health check
//! costs about 55 ms of CPU with bash (the same as `true`: the engine's
//! exec is the cost) and about 185 ms with node, which loads its runtime
//! for every probe (`benches/fleet_start.py probe`). The official image is
//! Debian (`node:24-bookworm-slim`), which has bash.

use crate::openclaw::Probe;

/// The program and flag that run [`shell_probe`]'s script.
pub const PROBE_SHELL: [&str; 2] = ["bash", "-c"];

/// One check of `host:port` as a bash condition, true only when an HTTP/1.0
/// `GET` of the probe's path answers a 200 status line and a body with the
/// field `true`. `host` and `port` are shell words (`$1`, or literal).
/// Plain bash (`/dev/tcp`, `read -t`): no program is started, and no read
/// waits more than 5 s.
pub fn check(host: &str, port: &str, probe: Probe) -> String {
    format!(
        "r=; {{ exec 3<>/dev/tcp/{host}/{port}; }} 2>/dev/null && printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 5 -d '' r <&3; exec 3<&-; [[ $r == 'HTTP/1.'?' 200 '*'\"{field}\":true'* ]]",
        path = probe.path,
        field = probe.field,
    )
}

/// A bash loop that runs `check` every half second until it is true (the
/// loop ends, status 0), or until `limit` (a shell arithmetic word)
/// seconds have passed: then it runs `give_up`, which exits. The container
/// health check and the units' start wait both watch this way.
pub(super) fn watch(check: &str, limit: &str, give_up: &str) -> String {
    format!("until {check}; do (( SECONDS < {limit} )) || {give_up}; sleep 0.5; done")
}

/// A probe that answers at once: one [`check`] (the Kubernetes probes,
/// whose kubelet runs a startup probe of its own).
pub fn shell_probe(host: &str, port: u16, probe: Probe) -> String {
    check(host, &port.to_string(), probe)
}

/// A script as a command: `bash -c SCRIPT`.
pub(super) fn bash_command(script: String) -> Vec<String> {
    PROBE_SHELL
        .iter()
        .map(ToString::to_string)
        .chain([script])
        .collect()
}

/// The probe as a command: `bash -c SCRIPT` ([`shell_probe`]).
pub fn probe_command(host: &str, port: u16, probe: Probe) -> Vec<String> {
    bash_command(shell_probe(host, port, probe))
}

/// Where the port goes in [`health_script_parts`] before it is split.
const PORT_SLOT: &str = "@PORT@";

/// A container's health check around its port: what comes before the
/// port and what comes after it (the NixOS module fills the port in
/// itself).
///
/// Docker 20.10 to 24 have no `start_interval`: one interval serves the
/// start and the steady state, and a gateway that turned healthy just
/// after a probe would be seen healthy only one interval later (the next
/// gateway's start and `up --wait` wait for that). So while the container
/// is in its health start period, the probe does not answer at once: it
/// checks every half second until the gateway is healthy, for at most
/// [`HEALTH_WATCH_SECS`] and never past the start period, and a gateway is
/// seen healthy within half a second of answering. The container's age is
/// its PID 1's start (`/proc/1/stat`, field 22, in the kernel's 100 ticks
/// a second) against `/proc/uptime`. After the start period it is one
/// [`check`], as cheap as before.
pub fn health_script_parts(host: &str, probe: Probe) -> (String, String) {
    let script = format!(
        "read -r u _ </proc/uptime; read -r l </proc/1/stat; set -- ${{l##*)}}; (( w = {HEALTH_START_PERIOD_SECS} - ${{u%.*}} + ${{20}} / 100, w = w < {HEALTH_WATCH_SECS} ? w : {HEALTH_WATCH_SECS} )); {watch}",
        watch = watch(&check(host, PORT_SLOT, probe), "w", "exit 1"),
    );
    let (before, after) = script
        .split_once(PORT_SLOT)
        .expect("the check names its port");
    (before.to_string(), after.to_string())
}

/// The container health check of `host:port` ([`health_script_parts`]).
pub fn health_script(host: &str, port: u16, probe: Probe) -> String {
    let (before, after) = health_script_parts(host, probe);
    format!("{before}{port}{after}")
}

// ---------------------------------------------------------------------------
// How often the container targets probe, and for how long.

/// Container health check interval (Compose, the NixOS oci-containers
/// backend). Docker 20.10 to 24 have no `start_interval` (Engine API 1.44,
/// Docker 25), and Compose refuses it on older engines, so one interval
/// serves the start and the steady state: long enough that the probe costs
/// well under 1 % of a core per gateway. A gateway is still seen healthy
/// within half a second of answering, because a probe in the start period
/// watches for up to [`HEALTH_WATCH_SECS`] ([`health_script_parts`]).
pub const HEALTH_INTERVAL: &str = "5s";

/// How long one probe in the start period watches for health before it
/// gives up: longer than a gateway on a busy host takes to start (its
/// first probe runs one [`HEALTH_INTERVAL`] after the container starts).
pub const HEALTH_WATCH_SECS: u32 = 20;

macro_rules! health_timeout {
    () => {
        30
    };
}
macro_rules! health_start_period {
    () => {
        120
    };
}

/// See [`HEALTH_INTERVAL`]: a probe that has not answered in this time
/// failed. It outlasts a probe that watches ([`HEALTH_WATCH_SECS`]) and
/// its last check (5 s at most).
pub const HEALTH_TIMEOUT: &str = concat!(health_timeout!(), "s");
const _: () = assert!(health_timeout!() >= HEALTH_WATCH_SECS + 10);

/// See [`HEALTH_INTERVAL`]: failures in this time after a start do not
/// count. The first start of a new volume runs migrations and plugin setup.
pub const HEALTH_START_PERIOD: &str = concat!(health_start_period!(), "s");
/// [`HEALTH_START_PERIOD`] in seconds.
pub const HEALTH_START_PERIOD_SECS: u32 = health_start_period!();

/// See [`HEALTH_INTERVAL`]: consecutive failures after the start period
/// that make a gateway unhealthy.
pub const HEALTH_RETRIES: u32 = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openclaw::{LIVE, READY};

    #[test]
    fn scripts_name_the_path_field_and_port_once() {
        assert_eq!(
            shell_probe("127.0.0.1", 20000, LIVE),
            r#"r=; { exec 3<>/dev/tcp/127.0.0.1/20000; } 2>/dev/null && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 && IFS= read -r -t 5 -d '' r <&3; exec 3<&-; [[ $r == 'HTTP/1.'?' 200 '*'"ok":true'* ]]"#
        );
        let ready = shell_probe("127.0.0.1", 1, READY);
        assert!(ready.contains("GET /readyz ") && ready.contains(r#"'"ready":true'"#));
        for s in [
            shell_probe("127.0.0.1", 18789, LIVE),
            health_script("127.0.0.1", 18789, LIVE),
        ] {
            assert_eq!(s.matches("18789").count(), 1, "{s}");
        }
        assert_eq!(probe_command("127.0.0.1", 1, LIVE)[..2], ["bash", "-c"]);
    }

    #[test]
    fn the_health_check_watches_only_in_the_start_period() {
        let s = health_script("127.0.0.1", 18789, LIVE);
        assert!(s.contains(&shell_probe("127.0.0.1", 18789, LIVE)), "{s}");
        assert!(
            s.contains(&format!("w = {HEALTH_START_PERIOD_SECS} - ")),
            "{s}"
        );
        assert!(s.contains("sleep 0.5"), "{s}");
        let (before, after) = health_script_parts("10.0.0.1", LIVE);
        assert!(before.ends_with("/dev/tcp/10.0.0.1/") && after.starts_with("; }"));
    }
}
