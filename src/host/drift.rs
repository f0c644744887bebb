//! Seeded configs: where a gateway's live `openclaw.json`, which OpenClaw
//! owns after ocgen seeded it, strays from the keys ocgen pins.

use crate::plan::{ConfigMode, Gateway, PINNED_KEYS, Plan};
use crate::render;

/// Where a seeded gateway's live `openclaw.json` strays from what ocgen
/// pins: one line per key, empty when it agrees (or is managed, or absent).
pub(crate) fn config_drift(g: &Gateway) -> Vec<String> {
    let Ok(rt) = g.host_runtime() else {
        return Vec::new();
    };
    if g.config_mode != ConfigMode::Seeded {
        return Vec::new();
    }
    let Ok(text) = std::fs::read_to_string(&rt.config_path) else {
        return Vec::new();
    };
    let Ok(live) = serde_json::from_str::<serde_json::Value>(&text) else {
        return vec![format!(
            "{}: not plain JSON, cannot compare with the plan",
            rt.config_path
        )];
    };
    let want = render::openclaw::value(&rt);
    let mut out = Vec::new();
    for key in PINNED_KEYS {
        let pointer = format!("/{}", key.replace('.', "/"));
        let (a, b) = (want.pointer(&pointer), live.pointer(&pointer));
        if a != b {
            let shown = |v: Option<&serde_json::Value>| {
                v.map_or("nothing".to_string(), ToString::to_string)
            };
            out.push(format!(
                "{key} is {} in {}, ocgen pins {}",
                shown(b),
                rt.config_path,
                shown(a)
            ));
        }
    }
    out
}

/// `ocgen check --host`: the seeded configs that stray from what ocgen
/// pins, one line each.
pub(crate) fn check_configs(plan: &Plan) -> Vec<String> {
    plan.gateways
        .iter()
        .flat_map(|g| {
            config_drift(g)
                .into_iter()
                .map(move |d| format!("config: gateway `{}`: {d}", g.name))
        })
        .collect()
}
