//! Names: gateway names, OpenClaw profiles and browser profiles (with
//! their CDP ports and URLs).

use std::collections::HashMap;

use super::defaults::Resolved;
use super::gateway::{BrowserProfile, Draft};
use super::ports::check_port;
use crate::diag::{Kind, Problem, Span};
use crate::openclaw::{
    LAUNCHD_LABEL_PREFIX, LAUNCHD_OWN_LABELS, MIN_PORT, is_browser_profile_name, is_profile_name,
};

/// Gateway names are file and unit names: OpenClaw's profile grammar, lowercase only.
pub fn is_gateway_name(s: &str) -> bool {
    is_profile_name(s) && !s.bytes().any(|c| c.is_ascii_uppercase())
}

pub(super) fn check_gateway_name(r: &Resolved, problems: &mut Vec<Problem>) {
    let name = &r.name.value;
    if !is_gateway_name(name) {
        problems.push(
            Problem::new(Kind::Name, format!("gateway name `{}` is not allowed", name.escape_debug()))
                .label(r.name.span, "invalid gateway name")
                .help("gateway names become file, service and profile names: use 1 to 64 lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
        );
    }
}

/// The gateway's OpenClaw profile: `profile`, else its name.
pub(super) fn resolve_profile(r: &Resolved, problems: &mut Vec<Problem>) -> String {
    let name = &r.name.value;
    let Some(p) = &r.s.profile else {
        return name.clone();
    };
    if !is_profile_name(&p.value) {
        problems.push(
            Problem::new(
                Kind::Profile,
                format!(
                    "gateway `{name}`: profile `{}` is not a valid OpenClaw profile name",
                    p.value.escape_debug()
                ),
            )
            .label(p.span, "invalid profile")
            .help("OpenClaw profiles match ^[a-z0-9][a-z0-9_-]{0,63}$"),
        );
    }
    p.value.clone()
}

/// `browser.profiles`: names in OpenClaw's grammar, each with a CDP port
/// (a managed Chrome) or a CDP URL (one that runs elsewhere).
pub(super) fn resolve_browser_profiles(
    r: &Resolved,
    problems: &mut Vec<Problem>,
) -> Vec<BrowserProfile> {
    let name = &r.name.value;
    let mut out = Vec::new();
    for (pname, prof) in r.s.browser.iter().flat_map(|b| b.profiles.iter()) {
        if !is_browser_profile_name(&pname.value) {
            problems.push(
                Problem::new(Kind::Name, format!("gateway `{name}`: browser profile name `{}` is not allowed", pname.value.escape_debug()))
                    .label(pname.span, "invalid name")
                    .help("OpenClaw's browser profile names match ^[a-z0-9-]+$: lowercase letters, digits and `-`"),
            );
        }
        let cdp_port = prof.value.cdp_port.as_ref().and_then(|p| {
            check_port(
                name,
                &format!("browser profile `{}` cdp_port", pname.value),
                p,
                MIN_PORT,
                65535,
                problems,
            )
        });
        if prof.value.cdp_port.is_some() && prof.value.cdp_url.is_some() {
            problems.push(
                Problem::new(Kind::CdpPort, format!("gateway `{name}`: browser profile `{}` sets both `cdp_port` and `cdp_url`", pname.value))
                    .label(prof.span, "pick one")
                    .help("`cdp_port` starts a managed Chrome on that port; `cdp_url` attaches to one that runs elsewhere"),
            );
        }
        if let Some(url) = &prof.value.cdp_url {
            let ok = ["http://", "https://", "ws://", "wss://"]
                .iter()
                .any(|p| url.value.starts_with(p))
                && !url
                    .value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                problems.push(
                    Problem::new(
                        Kind::CdpUrl,
                        format!(
                            "gateway `{name}`: browser profile `{}` has an invalid `cdp_url`",
                            pname.value
                        ),
                    )
                    .label(url.span, "not an http(s) or ws(s) URL")
                    .help("write e.g. http://127.0.0.1:9222"),
                );
            }
        }
        if prof.value.cdp_port.is_none() && prof.value.cdp_url.is_none() {
            problems.push(
                Problem::new(Kind::CdpPort, format!("gateway `{name}`: browser profile `{}` has neither `cdp_port` nor `cdp_url`", pname.value))
                    .label(prof.span, "OpenClaw requires one of them")
                    .help(format!("add `cdp_port: {}` (a port outside every gateway's footprint) or `cdp_url: http://HOST:PORT`", 9222)),
            );
        }
        out.push(BrowserProfile {
            name: pname.value.clone(),
            cdp_port,
            cdp_url: prof.value.cdp_url.as_ref().map(|u| u.value.clone()),
            headless: prof.value.headless.as_ref().map(|h| h.value),
        });
    }
    out
}

/// A profile no gateway uses, from `name`: the name itself in lowercase
/// when that is free, else with `-2`, `-3`, ... after it.
fn free_profile(name: &str, gateways: &[Draft]) -> String {
    let base = name.to_ascii_lowercase();
    let taken = |p: &str| gateways.iter().any(|g| g.profile.eq_ignore_ascii_case(p));
    if !taken(&base) {
        return base;
    }
    // One more candidate than there are gateways: one of them is free.
    (2..gateways.len() + 3)
        .map(|n| format!("{base}-{n}"))
        .find(|p| !taken(p))
        .unwrap_or(base)
}

pub(super) fn check_profiles(
    resolved: &[Resolved],
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, g) in gateways.iter().enumerate() {
        let key = g.profile.to_ascii_lowercase();
        // OpenClaw's own launchd labels: refused for every target, since
        // a file may gain the launchd target later.
        if let Some((p, what)) = LAUNCHD_OWN_LABELS.iter().find(|(p, _)| *p == key) {
            let label = format!("{LAUNCHD_LABEL_PREFIX}{p}, {what}");
            let explicit = resolved[i].s.profile.as_ref();
            let span = explicit.map_or(resolved[i].name.span, |p| p.span);
            problems.push(
                Problem::new(
                    Kind::Profile,
                    format!(
                        "gateway `{}`: the profile `{}` clashes with OpenClaw's own launchd label {label}",
                        g.name, g.profile
                    ),
                )
                .label(span, "reserved by OpenClaw")
                .help(if explicit.is_some() {
                    format!("pick another profile, e.g. `profile: {}-1`", g.profile)
                } else {
                    format!(
                        "the profile defaults to the gateway's name: rename the gateway or give it `profile: {}-1`",
                        g.profile
                    )
                }),
            );
        }
        if let Some(&j) = seen.get(&key) {
            let span = |k: usize| {
                resolved[k]
                    .s
                    .profile
                    .as_ref()
                    .map_or(resolved[k].name.span, |p| p.span)
            };
            let what = if key == "default" {
                "the `default` profile (OpenClaw's unsuffixed ~/.openclaw) may be used by one gateway only".to_string()
            } else {
                format!(
                    "OpenClaw profiles are case-insensitive, so `{}` and `{}` are the same profile",
                    gateways[j].profile, g.profile
                )
            };
            problems.push(
                Problem::new(
                    Kind::Profile,
                    format!(
                        "gateways `{}` and `{}` use the same profile: {what}",
                        gateways[j].name, g.name
                    ),
                )
                .label(span(i), "duplicate profile")
                .label(span(j), "first used here")
                .help(format!(
                    "give `{}` a profile of its own, e.g. `profile: {}`",
                    g.name,
                    free_profile(&g.name, gateways)
                )),
            );
        } else {
            seen.insert(key, i);
        }
    }
}

pub(super) fn check_cdp_urls(resolved: &[Resolved], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<String, (usize, Span, String)> = HashMap::new();
    for (i, r) in resolved.iter().enumerate() {
        for (pname, prof) in r.s.browser.iter().flat_map(|b| b.profiles.iter()) {
            let Some(url) = &prof.value.cdp_url else {
                continue;
            };
            let key = url.value.trim_end_matches('/').to_ascii_lowercase();
            if let Some((j, first, first_profile)) = seen.get(&key) {
                let other = &resolved[*j].name.value;
                problems.push(
                    Problem::new(
                        Kind::CdpUrl,
                        format!(
                            "cdp_url `{}` is shared by `{other}` (profile `{first_profile}`) and `{}` (profile `{}`): both would drive the same Chrome",
                            url.value, r.name.value, pname.value
                        ),
                    )
                    .label(url.span, "shared CDP endpoint")
                    .label(*first, "first used here")
                    .help("give each gateway's browser profile its own Chrome endpoint"),
                );
            } else {
                seen.insert(key, (i, url.span, pname.value.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Kind;
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn cdp_ports_below_1024_are_refused() {
        let y = format!("{HEAD}  a:\n    browser:\n      profiles:\n        w: {{cdp_port: 80}}\n");
        let problems = plan_of(&y).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, Kind::PortRange);
        assert!(
            problems[0].message.contains("privileged"),
            "{}",
            problems[0].message
        );
        let ok =
            format!("{HEAD}  a:\n    browser:\n      profiles:\n        w: {{cdp_port: 1024}}\n");
        assert!(plan_of(&ok).is_ok());
    }

    #[test]
    fn profiles_gateway_and_node_clash_with_openclaws_launchd_labels() {
        for y in [
            format!("{HEAD}  gateway: {{}}\n"),
            format!("{HEAD}  a: {{profile: node}}\n"),
            format!("{HEAD}  a: {{profile: Gateway}}\n"),
        ] {
            let problems = plan_of(&y).unwrap_err();
            assert_eq!(problems.len(), 1, "{y}");
            assert_eq!(problems[0].kind, Kind::Profile);
            assert!(
                problems[0].message.contains("ai.openclaw."),
                "{}",
                problems[0].message
            );
        }
        assert!(plan_of(&format!("{HEAD}  a: {{profile: gateway-1}}\n")).is_ok());
    }

    #[test]
    fn shared_cdp_url_is_an_error() {
        let y = format!(
            "{HEAD}  a:\n    browser:\n      profiles:\n        w: {{cdp_url: 'http://127.0.0.1:9222'}}\n  b:\n    browser:\n      profiles:\n        w: {{cdp_url: 'http://127.0.0.1:9222/'}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::CdpUrl]);
    }

    #[test]
    fn profiles_are_unique_case_insensitively_and_default_once() {
        let y = format!("{HEAD}  a: {{profile: Work}}\n  b: {{profile: work}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Profile]);
        let y =
            format!("{HEAD}  a: {{profile: default}}\n  b: {{profile: default, state_dir: /x}}\n");
        assert!(kinds(plan_of(&y)).contains(&Kind::Profile));
        let y = format!("{HEAD}  a: {{profile: 'bad name'}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Profile]);
    }
}
