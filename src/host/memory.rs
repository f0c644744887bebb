//! The host's memory against the gateways' limits (`ocgen check --host`):
//! many gateways starting at once on a small host run it out of memory
//! (OpenClaw #27946, #96250).

use crate::plan::{Plan, memory_bytes};

/// `MemTotal` of `/proc/meminfo`, in bytes (`None` off Linux).
fn host_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem_total(&text)
}

fn parse_mem_total(text: &str) -> Option<u64> {
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The sum of the gateways' memory limits (`resources.memory`, the
/// default where unset) in bytes.
pub(crate) fn planned_memory(plan: &Plan) -> u64 {
    plan.gateways
        .iter()
        .filter_map(|g| memory_bytes(&g.container_memory()))
        .sum()
}

/// A warning when the gateways' memory limits add up to more than this
/// host has; `None` when they fit or the host's memory is unknown.
pub(crate) fn memory_warning(plan: &Plan) -> Option<String> {
    warning(planned_memory(plan), host_memory()?, plan.gateways.len())
}

fn warning(planned: u64, host: u64, n: usize) -> Option<String> {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    #[allow(clippy::cast_precision_loss)]
    let (p, h) = (planned as f64 / GIB, host as f64 / GIB);
    (planned > host).then(|| {
        format!(
            "warning: host: the memory limits of the {n} gateways add up to {p:.1} GiB, more than this host's {h:.1} GiB: started together they can run it out of memory\nhelp: lower `resources.memory`, cap the fleet with `systemd: {{ fleet_memory: ... }}`, or run fewer gateways here\n"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_kib() {
        assert_eq!(
            parse_mem_total("MemTotal:        8040128 kB\nMemFree: 1 kB\n"),
            Some(8_040_128 * 1024)
        );
        assert!(warning(3 << 30, 4 << 30, 1).is_none());
        let w = warning(6 << 30, 4 << 30, 3).unwrap();
        assert!(
            w.contains("3 gateways add up to 6.0 GiB, more than this host's 4.0 GiB"),
            "{w}"
        );
    }
}
