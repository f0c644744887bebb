//! How a fleet starts, on every target: which gateway waits for which
//! before it starts, and how soon a gateway's health is seen.
//!
//! Starting a gateway is CPU-bound (9 to 11 s of CPU on the 2-core test
//! machine, `benches/fleet_start.py cpu`), and OpenClaw gives its state
//! lease heartbeat 5 s to become ready at start: ten gateways starting at
//! once on two busy cores starve each other past that and exit 78. So at
//! most [`DEFAULT_START_BATCH`] gateways start at once: in file order, each
//! gateway starts once the one K places before it is healthy (or has failed
//! its health check: one broken gateway delays the one K places after it by
//! its health deadline, never for good). The fleet starts as K lines that
//! never wait for each other, so no gateway waits for a slower neighbour.
//! Compose does it through `depends_on`, systemd units and NixOS services
//! through `After=` that gateway and a start that ends with a wait for
//! health ([`start_wait_command`]). `start: { batch: K }` changes K. The
//! figures behind these numbers are in the README's "Performance" section.

use serde::Serialize;

use crate::diag::{Kind, Problem};
use crate::model::StartSettings;

/// Gateways starting at once by default: one per core of the small hosts
/// ocgen is measured on; more at once only stretch every start.
pub const DEFAULT_START_BATCH: u32 = 2;

/// How the gateways of a plan start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StartPolicy {
    /// Gateways starting at once (`start.batch`).
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
    /// The gateway (index in file order) that gateway `i` waits for before
    /// it starts: the one `batch` places before it, if any. Each gateway
    /// waits for one of the same line (`i % batch`), so at most `batch`
    /// start at once.
    pub fn waits_for(&self, i: usize) -> Option<usize> {
        i.checked_sub(self.batch.max(1) as usize)
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
    /// The gateway gateway `i` (file order) starts after, if any
    /// ([`StartPolicy::waits_for`]).
    pub fn starts_after(&self, i: usize) -> impl Iterator<Item = &super::Gateway> {
        self.start
            .waits_for(i)
            .map(|j| &self.gateways[j])
            .into_iter()
    }

    /// Gateway `g` of this plan as a service ([`super::Gateway::service`]),
    /// ordered after the gateway it waits for: `After=` that unit, no
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
// The start of a service (systemd units, the NixOS module).

/// How long a service's start waits for its gateway's health before the
/// unit ordered after it starts anyway: as long as a container's health
/// start period ([`super::probe::HEALTH_START_PERIOD`]), so a broken
/// gateway holds the next one back about as long on every target.
pub const START_WAIT_SECS: u32 = super::probe::HEALTH_START_PERIOD_SECS;

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
/// (`ExecStartPost=-`): it probes `http://$1:$2/healthz` every half second
/// ([`super::probe::check`]) and exits 0 as soon as the gateway is
/// healthy, or 1 after `$3` seconds, saying so. Until it exits, systemd
/// keeps the unit "activating", so the unit ordered after it (`After=`)
/// waits for it; its exit status is ignored (`-`), so a gateway that never
/// turns healthy keeps running and delays the next one by `$3` seconds
/// only. Plain bash and `sleep`: a probe costs a few milliseconds of CPU,
/// no `node`.
pub fn start_wait_script() -> String {
    super::probe::watch(
        &super::probe::check("$1", "$2", crate::openclaw::LIVE),
        "$3",
        "{ echo \"not healthy after $3 s: the unit ordered after it starts now\" >&2; exit 1; }",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_gateway_waits_for_the_one_k_places_before() {
        let p = StartPolicy { batch: 2 };
        let w: Vec<_> = (0..6).map(|i| p.waits_for(i)).collect();
        assert_eq!(w, [None, None, Some(0), Some(1), Some(2), Some(3)]);
        let one = StartPolicy { batch: 1 };
        assert_eq!(one.waits_for(3), Some(2));
        let all = StartPolicy { batch: 10 };
        assert!((0..10).all(|i| all.waits_for(i).is_none()));
        // At most `batch` start at once: each waits for one of its own line.
        for k in 1..5u32 {
            let p = StartPolicy { batch: k };
            for i in 0..20 {
                if let Some(j) = p.waits_for(i) {
                    assert_eq!((i % k as usize, i - j), (j % k as usize, k as usize));
                }
            }
        }
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
