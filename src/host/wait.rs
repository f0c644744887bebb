//! `ocgen status --wait`: probe the gateways again and again until all of
//! them are healthy at once, or the deadline passes; say when each one
//! turned healthy.

use std::time::{Duration, Instant};

use super::status::{GatewayStatus, State, status};
use crate::plan::Plan;

/// Time between two rounds of probes. A round of loopback probes costs a
/// starting gateway next to nothing; a healthy gateway is seen within this.
pub(crate) const WAIT_ROUND: Duration = Duration::from_millis(500);

/// The end of a wait.
pub(crate) struct Waited {
    /// The last round's status of every gateway.
    pub all: Vec<GatewayStatus>,
    /// Whether every gateway was healthy in that round.
    pub healthy: bool,
}

/// Probes every gateway of `plan` (all of them at once, each round) until
/// one round finds all healthy or `timeout` has passed since the start;
/// `turned` hears of each gateway the first time it is healthy, with the
/// time since the start. A timeout of zero probes once.
pub(crate) fn wait_healthy(
    plan: &Plan,
    timeout: Duration,
    turned: &mut dyn FnMut(&GatewayStatus, Duration),
) -> Waited {
    let start = Instant::now();
    let mut seen = vec![false; plan.gateways.len()];
    loop {
        let all = status(plan);
        for (st, was) in all.iter().zip(&mut seen) {
            if st.state == State::Healthy && !*was {
                *was = true;
                turned(st, start.elapsed());
            }
        }
        let healthy = all.iter().all(|g| g.state == State::Healthy);
        let left = timeout.saturating_sub(start.elapsed());
        if healthy || left.is_zero() {
            return Waited { all, healthy };
        }
        std::thread::sleep(WAIT_ROUND.min(left));
    }
}

/// A duration as the command line takes it: a whole number with `s`, `m`
/// or `h` (seconds when bare), or several of them (`1m30s`).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration: write e.g. `90s`, `5m` or `1h`");
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() {
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = total.checked_add(n).ok_or_else(bad)?;
    } else if total == 0 && !s.trim().starts_with('0') {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// A duration the way the command line writes it: `5m`, `90s`, `1h2m3s`.
pub(crate) fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_write_alike() {
        for (text, secs) in [
            ("90", 90),
            ("90s", 90),
            ("5m", 300),
            ("1h", 3600),
            ("1m30s", 90),
            ("0", 0),
            ("0s", 0),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(secs)),
                "{text}"
            );
        }
        for bad in ["", "m", "5x", "-1s", "1.5m", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(0)), "0s");
        assert_eq!(format_duration(Duration::from_secs(3601)), "1h1s");
    }
}
