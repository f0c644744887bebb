//! How a fleet starts, on every target: in which batches the gateways
//! start, and how soon a gateway's health is seen.
//!
//! Starting a gateway is CPU-bound (9 to 11 s of CPU on the 2-core test
//! machine, `benches/fleet_start.py cpu`), and OpenClaw gives its state
//! lease heartbeat 5 s to become ready at start: ten gateways starting at
//! once on two busy cores starve each other past that and exit 78. So the
//! gateways start in batches of [`DEFAULT_START_BATCH`], in file order, each
//! batch once the previous one is healthy (or has failed its health check:
//! one broken gateway delays the next batch by its health deadline, never
//! for good): Compose through `depends_on`, systemd units and NixOS
//! services through `After=` the batch before and a start that ends with a
//! wait for health ([`start_wait_command`]). `start: { batch: K }` changes K. The figures behind these
//! numbers are in the README's "Performance" section.

use serde::Serialize;

use crate::diag::{Kind, Problem};
use crate::model::StartSettings;

/// Gateways started together by default: one per core of the small hosts
/// ocgen is measured on; more at once only stretch every start.
pub const DEFAULT_START_BATCH: u32 = 2;

/// How the gateways of a plan start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StartPolicy {
    /// Gateways started together (`start.batch`).
    pub batch: u32,
}

impl Default for StartPolicy {
    fn default() -> Self {
        StartPolicy {
            batch: DEFAULT_START_BATCH,
        }
    }
}

impl StartPolicy {
    /// The batch gateway `i` (file order) starts in, from 0.
    pub fn batch_of(&self, i: usize) -> usize {
        i / self.batch.max(1) as usize
    }

    /// The gateways (indices in file order) that gateway `i` waits for
    /// before it starts: every gateway of the batch before its own.
    pub fn waits_for(&self, i: usize) -> std::ops::Range<usize> {
        let k = self.batch.max(1) as usize;
        match self.batch_of(i) {
            0 => 0..0,
            b => (b - 1) * k..b * k,
        }
    }
}

/// `start:` of the file, checked.
pub(super) fn resolve_start(s: Option<&StartSettings>, problems: &mut Vec<Problem>) -> StartPolicy {
    let mut policy = StartPolicy::default();
    if let Some(b) = s.and_then(|s| s.batch.as_ref()) {
        if b.value == 0 {
            problems.push(
                Problem::new(Kind::Start, "`start.batch` is 0: no gateway would start")
                    .label(b.span, "at least 1")
                    .help(format!(
                        "write the number of gateways that start together, e.g. `batch: {DEFAULT_START_BATCH}` (the default); a number as large as the fleet starts all at once"
                    )),
            );
        } else {
            policy.batch = b.value;
        }
    }
    policy
}

impl super::Plan {
    /// The gateways gateway `i` (file order) starts after: the batch
    /// before its own ([`StartPolicy::waits_for`]).
    pub fn starts_after(&self, i: usize) -> impl Iterator<Item = &super::Gateway> {
        self.gateways[self.start.waits_for(i)].iter()
    }

    /// Gateway `g` of this plan as a service ([`super::Gateway::service`]),
    /// ordered after the batch before its own: `After=` those units, no
    /// `Requires=`, so a unit that failed or is not installed never keeps
    /// it from starting.
    pub fn service<'g>(
        &'g self,
        g: &'g super::Gateway,
        scope: super::Scope,
    ) -> Result<super::Service<'g>, super::NoHostPaths> {
        let mut s = g.service(scope)?;
        if let Some(i) = self.gateways.iter().position(|x| x.name == g.name) {
            s.start_after = self
                .starts_after(i)
                .map(|d| format!("{}.service", d.unit_name()))
                .collect();
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------------------
// Batches of services (systemd units, the NixOS module).

/// How long a service's start waits for its gateway's health before the
/// units ordered after it start anyway: as long as a container's health
/// start period ([`HEALTH_START_PERIOD`]), so a broken gateway holds the
/// next batch back about as long on every target.
pub const START_WAIT_SECS: u32 = 120;

/// `TimeoutStartSec=` of a service: the wait ([`START_WAIT_SECS`]) and a
/// margin, so that systemd never fails a start that the wait would have
/// ended by itself (a failed start is restarted, and would fail again).
pub const START_TIMEOUT_SECS: u32 = START_WAIT_SECS + 60;

/// The program that runs [`start_wait_script`] in a plain unit (the NixOS
/// module uses the bash of its package set).
pub const START_WAIT_BASH: &str = "/bin/bash";

/// `$0` of the wait script, the name the journal shows.
pub const START_WAIT_NAME: &str = "openclaw-wait-healthy";

/// The script a service runs after its gateway has started
/// (`ExecStartPost=-`): it probes `http://$1:$2/healthz` once a second and
/// exits 0 as soon as the gateway is healthy, or 1 after `$3` seconds,
/// saying so. Until it exits, systemd keeps the unit "activating", so the
/// units ordered after it (`After=`, the next batch) wait for it; its exit
/// status is ignored (`-`), so a gateway that never turns healthy keeps
/// running and delays the next batch by `$3` seconds only. Plain bash
/// (`/dev/tcp`, `read -t`) and `sleep`: one probe costs a few
/// milliseconds of CPU, no `node`.
pub fn start_wait_script() -> String {
    let probe = crate::openclaw::LIVE;
    format!(
        "until r=; {{ exec 3<>/dev/tcp/$1/$2; }} 2>/dev/null && printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 5 -d '' r <&3; exec 3<&-; [[ $r == 'HTTP/1.'?' 200 '*'\"{field}\":true'* ]]; do (( SECONDS < $3 )) || {{ echo \"not healthy after $3 s: the units ordered after it start now\" >&2; exit 1; }}; sleep 1; done",
        path = probe.path,
        field = probe.field,
    )
}

/// The arguments of the wait after the program: `-c SCRIPT NAME HOST`
/// (the port and the deadline follow; the NixOS module adds them too).
pub fn start_wait_args() -> Vec<String> {
    vec![
        "-c".to_string(),
        start_wait_script(),
        START_WAIT_NAME.to_string(),
        crate::openclaw::PROBE_ADDR.to_string(),
    ]
}

/// The whole wait command of a gateway on `port`, run by `bash`.
pub fn start_wait_command(bash: &str, port: u16) -> Vec<String> {
    std::iter::once(bash.to_string())
        .chain(start_wait_args())
        .chain([port.to_string(), START_WAIT_SECS.to_string()])
        .collect()
}

// ---------------------------------------------------------------------------
// Health probes of the container targets.

/// Container health check interval (Compose, the NixOS oci-containers
/// backend). Docker 20.10 to 24 have no `start_interval` (Engine API 1.44,
/// Docker 25), and Compose refuses it on older engines, so one interval
/// serves the start and the steady state: short enough that a gateway is
/// seen healthy within seconds of answering (`up --wait` and the next
/// batch wait for that), long enough that the probe costs well under 1 %
/// of a core per gateway.
pub const HEALTH_INTERVAL: &str = "5s";

/// See [`HEALTH_INTERVAL`]: a probe that has not answered in this time
/// failed (a busy host can take seconds to start one).
pub const HEALTH_TIMEOUT: &str = "10s";

/// See [`HEALTH_INTERVAL`]: failures in this time after a start do not
/// count. The first start of a new volume runs migrations and plugin setup.
pub const HEALTH_START_PERIOD: &str = "120s";

/// See [`HEALTH_INTERVAL`]: consecutive failures after the start period
/// that make a gateway unhealthy.
pub const HEALTH_RETRIES: u32 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_batch_waits_for_the_one_before() {
        let p = StartPolicy { batch: 2 };
        assert_eq!(p.waits_for(0), 0..0);
        assert_eq!(p.waits_for(1), 0..0);
        assert_eq!(p.waits_for(2), 0..2);
        assert_eq!(p.waits_for(3), 0..2);
        assert_eq!(p.waits_for(4), 2..4);
        let one = StartPolicy { batch: 1 };
        assert_eq!(one.waits_for(3), 2..3);
        let all = StartPolicy { batch: 10 };
        assert!((0..10).all(|i| all.waits_for(i).is_empty()));
    }

    #[test]
    fn the_wait_probes_the_gateways_health_and_ends_at_its_deadline() {
        let c = start_wait_command("/bin/bash", 18789);
        assert_eq!(c[0], "/bin/bash");
        assert_eq!(c[1], "-c");
        assert_eq!(
            c[3..],
            ["openclaw-wait-healthy", "127.0.0.1", "18789", "120"]
        );
        assert!(c[2].contains("GET /healthz HTTP/1.0"), "{}", c[2]);
        assert!(c[2].contains(r#"'"ok":true'"#), "{}", c[2]);
        const { assert!(START_TIMEOUT_SECS > START_WAIT_SECS) };
    }
}
