//! Names: gateway names, OpenClaw profiles and browser profiles.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A resolved browser profile.
#[derive(Clone, Debug, Serialize)]
pub struct BrowserProfile {
    /// Profile name.
    pub name: String,
    /// Explicit CDP port.
    pub cdp_port: Option<u16>,
    /// CDP URL.
    pub cdp_url: Option<String>,
    /// Headless launch.
    pub headless: Option<bool>,
}

/// Gateway names are file and unit names: OpenClaw's profile grammar, lowercase only.
pub fn is_gateway_name(s: &str) -> bool {
    is_profile_name(s) && !s.bytes().any(|c| c.is_ascii_uppercase())
}

pub(super) fn check_profiles(
    resolved: &[Resolved],
    gateways: &[Gateway],
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
                    g.name, g.name
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
                let _ = i;
            } else {
                seen.insert(key, (i, url.span, pname.value.clone()));
            }
        }
    }
}
