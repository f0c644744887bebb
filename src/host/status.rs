//! `ocgen status`: every gateway probed on loopback (`/healthz`, `/readyz`)
//! in parallel, and for the ones that are not healthy, which of their
//! reserved ports something else holds.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::drift::config_drift;
use super::http::{HttpResponse, PROBE_TIMEOUT, ProbeError, http_get};
use super::sockets::{Owner, PortInUse, listening_sockets, ports_in_use};
use crate::plan::{Gateway, HEALTH_PATH, PROBE_ADDR, Plan, READY_PATH, is_healthy, is_ready};

/// How a gateway is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum State {
    /// `/healthz` answers that it is alive.
    Healthy,
    /// Something listens on the base port but `/healthz` does not say ok.
    Unhealthy,
    /// Nothing answers on the base port.
    Down,
}

impl State {
    /// Lowercase name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Healthy => "healthy",
            State::Unhealthy => "unhealthy",
            State::Down => "down",
        }
    }
}

/// `ocgen status` for one gateway.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct GatewayStatus {
    /// Gateway name.
    pub name: String,
    /// Base port.
    pub port: u16,
    /// The URL probed.
    pub url: String,
    /// Healthy, unhealthy or down.
    pub state: State,
    /// Whether a connection to the base port succeeded.
    pub listening: bool,
    /// Whether `/healthz` said ok (`null` when nothing answered).
    pub healthz: Option<bool>,
    /// Whether `/readyz` said ready (`null` when nothing answered).
    pub readyz: Option<bool>,
    /// Why it is not healthy.
    pub detail: Option<String>,
    /// The process listening on the base port, when it can be found.
    pub listener: Option<Owner>,
    /// For a gateway that is not healthy: its reserved ports that something
    /// else listens on (`null` when this host cannot tell, or when healthy).
    pub ports_in_use: Option<Vec<PortInUse>>,
    /// Seeded configs: where the live file strays from what ocgen pins.
    pub config_drift: Vec<String>,
}

/// Probes one gateway's `/healthz` and `/readyz` on loopback.
fn probe(g: &Gateway) -> GatewayStatus {
    let addr = SocketAddr::from((PROBE_ADDR, g.port));
    let json = |r: &HttpResponse| serde_json::from_str::<serde_json::Value>(&r.body).ok();
    let mut st = GatewayStatus {
        name: g.name.clone(),
        port: g.port,
        url: format!("http://{addr}{HEALTH_PATH}"),
        state: State::Down,
        listening: false,
        healthz: None,
        readyz: None,
        detail: None,
        listener: None,
        ports_in_use: None,
        config_drift: config_drift(g),
    };
    // A gateway that is busy starting its sidecars can miss one deadline:
    // a timed-out probe gets one more try.
    let health = match http_get(addr, HEALTH_PATH, PROBE_TIMEOUT) {
        Err(ProbeError::TimedOut) => http_get(addr, HEALTH_PATH, PROBE_TIMEOUT),
        other => other,
    };
    match health {
        Err(ProbeError::Refused) => {
            st.detail = Some(format!("nothing listens on {addr}"));
            return st;
        }
        Err(ProbeError::TimedOut) => {
            st.detail = Some(format!("{addr}: timed out"));
            st.state = State::Unhealthy;
            st.listening = true;
        }
        Err(e) => {
            st.state = State::Unhealthy;
            st.listening = true;
            st.detail = Some(format!("GET {HEALTH_PATH}: {e}"));
        }
        Ok(r) => {
            st.listening = true;
            let ok = json(&r).is_some_and(|v| is_healthy(r.status, &v));
            st.healthz = Some(ok);
            if ok {
                st.state = State::Healthy;
            } else {
                st.state = State::Unhealthy;
                st.detail = Some(format!(
                    "GET {HEALTH_PATH} answered {}: {}",
                    r.status,
                    r.body.trim().chars().take(80).collect::<String>()
                ));
            }
        }
    }
    if let Ok(r) = http_get(addr, READY_PATH, PROBE_TIMEOUT) {
        st.readyz = Some(json(&r).is_some_and(|v| is_ready(r.status, &v)));
    }
    st
}

/// Most probes in flight at once.
const PROBE_THREADS: usize = 16;

/// `ocgen status`: every gateway probed (in parallel), and for the ones that
/// are not healthy, which of their reserved ports something else holds.
pub(crate) fn status(plan: &Plan) -> Vec<GatewayStatus> {
    let next = AtomicUsize::new(0);
    let workers = plan.gateways.len().min(PROBE_THREADS);
    // Each worker returns what it probed; a worker that panicked passes
    // its panic on, so no gateway can go missing from the answer.
    let mut probed: Vec<(usize, GatewayStatus)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(g) = plan.gateways.get(i) else {
                            return mine;
                        };
                        mine.push((i, probe(g)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    probed.sort_by_key(|(i, _)| *i);
    let mut out: Vec<GatewayStatus> = probed.into_iter().map(|(_, st)| st).collect();
    if let Some(listeners) = listening_sockets() {
        // One pass over /proc for every gateway: the base port of each, the
        // whole footprint of the ones that are not healthy.
        let mut ranges = Vec::new();
        for (st, g) in out.iter().zip(&plan.gateways) {
            let mut r = g.reserved();
            if st.state == State::Healthy {
                r.truncate(1);
            }
            ranges.extend(r);
        }
        let used = ports_in_use(&ranges, &listeners);
        for st in &mut out {
            let mine = used.iter().filter(|u| u.gateway == st.name);
            st.listener = mine
                .clone()
                .find(|u| u.port == st.port)
                .and_then(|u| u.owner.clone());
            if st.state != State::Healthy {
                st.ports_in_use = Some(mine.cloned().collect());
            }
        }
    }
    out
}
