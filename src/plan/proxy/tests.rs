use crate::diag::Problem;
use crate::plan::Plan;
use crate::plan::testing::plan_of;

const HEAD: &str = "version: 1\ntargets: [host, systemd, nixos]\ndefaults:\n  home: /srv/oc\n  auth: {mode: token, env: OC_TOKEN}\n";

fn messages(r: Result<Plan, Vec<Problem>>) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.message)
        .collect()
}

#[test]
fn host_and_path_routes_fill_in_what_openclaw_needs() {
    let p = plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com, tls: internal, https_port: 8443}}\ngateways:\n  main: {{}}\n  rescue: {{path: /rescue/}}\n  work: {{host: work.example.org}}\n"
    ))
    .unwrap();
    let px = p.proxy.as_ref().unwrap();
    let hosts: Vec<(&str, Option<&str>)> = px
        .routes
        .iter()
        .map(|r| (r.host.as_str(), r.path.as_deref()))
        .collect();
    assert_eq!(
        hosts,
        vec![
            ("main.example.com", None),
            ("example.com", Some("/rescue")),
            ("work.example.org", None)
        ]
    );
    let rescue = p.gateway("rescue").unwrap();
    assert_eq!(rescue.base_path.as_deref(), Some("/rescue"));
    assert_eq!(rescue.allowed_origins, vec!["https://example.com:8443"]);
    assert_eq!(rescue.trusted_proxies.host, vec!["127.0.0.1", "::1"]);
    assert_eq!(
        rescue.host_runtime().unwrap().trusted_proxies,
        vec!["127.0.0.1", "::1"]
    );
    assert_eq!(p.gateway("main").unwrap().base_path, None);
}

#[test]
fn impossible_layouts_are_errors() {
    let same = messages(plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com}}\ngateways:\n  a: {{host: x.example.com}}\n  b: {{host: x.example.com}}\n"
    )));
    assert!(same[0].contains("share one address"), "{same:?}");
    let nested = messages(plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com}}\ngateways:\n  a: {{path: /a}}\n  b: {{path: /a/b}}\n"
    )));
    assert!(nested[0].contains("share one address"), "{nested:?}");
    // A name that cannot be a DNS label cannot be a host name.
    let labels = messages(plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com}}\ngateways:\n  a_b: {{}}\n  c_d: {{path: /c}}\n  e_f: {{host: e.example.com}}\n  {}: {{}}\n",
        "x".repeat(64)
    )));
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(
        labels[0].contains("`a_b.example.com` is not a host name"),
        "{labels:?}"
    );
    // Caddy's path matcher ignores case: one prefix to it.
    let case = messages(plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com}}\ngateways:\n  a: {{path: /Deck}}\n  b: {{path: /deck}}\n  c: {{path: /DECK/x}}\n"
    )));
    assert_eq!(case.len(), 3, "{case:?}");
    assert!(
        case.iter().all(|m| m.contains("share one address")),
        "{case:?}"
    );
    let reserved = messages(plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com}}\ngateways:\n  a: {{path: /api}}\n"
    )));
    assert!(reserved[0].contains("base path"), "{reserved:?}");
    let around = messages(plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com}}\ngateways:\n  a: {{bind: lan}}\n"
    )));
    assert!(around[0].contains("reachable around it"), "{around:?}");
    let tp = messages(plan_of(
        "version: 1\ntargets: [host, systemd, nixos]\ndefaults:\n  home: /srv/oc\nproxy: {domain: example.com}\ngateways:\n  a: {auth: {mode: trusted-proxy, user_header: x-user, trusted_proxies: [10.0.0.2]}}\n",
    ));
    assert!(tp[0].contains("sets no identity header"), "{tp:?}");
    let open = messages(plan_of(
        "version: 1\ntargets: [host, systemd, nixos]\ndefaults:\n  home: /srv/oc\nproxy: {domain: example.com}\ngateways:\n  a: {}\n",
    ));
    assert!(open[0].contains("without auth"), "{open:?}");
    let stray = messages(plan_of(&format!("{HEAD}gateways:\n  a: {{path: /a}}\n")));
    assert!(stray[0].contains("no `proxy` section"), "{stray:?}");
}

#[test]
fn compose_networks_are_cut_from_the_subnet_and_trusted_one_each() {
    let p = plan_of(
        "version: 1\ntargets: [compose]\ndefaults: {auth: {mode: token, env: T}}\nproxy: {domain: example.com, subnet: 10.9.8.0/22}\ngateways:\n  a: {}\n  b: {}\n  c: {}\n",
    )
    .unwrap();
    let px = p.proxy.as_ref().unwrap();
    let nets: Vec<(&str, &str, &str)> = px
        .routes
        .iter()
        .map(|r| {
            let n = r.network.as_ref().unwrap();
            (
                n.subnet.as_str(),
                n.ip_range.as_str(),
                n.proxy_address.as_str(),
            )
        })
        .collect();
    assert_eq!(
        nets,
        vec![
            ("10.9.8.0/24", "10.9.8.128/25", "10.9.8.2"),
            ("10.9.9.0/24", "10.9.9.128/25", "10.9.9.2"),
            ("10.9.10.0/24", "10.9.10.128/25", "10.9.10.2")
        ]
    );
    let b = p.gateway("b").unwrap();
    assert_eq!(b.compose_runtime().trusted_proxies, vec!["10.9.9.2"]);
    // Host targets keep trusting the host's own Caddy.
    assert_eq!(b.trusted_proxies.host, vec!["127.0.0.1", "::1"]);
    let default = plan_of(
        "version: 1\ntargets: [compose]\ndefaults: {auth: {mode: token, env: T}}\nproxy: {domain: example.com}\ngateways:\n  a: {}\n",
    )
    .unwrap();
    assert_eq!(
        default.proxy.unwrap().routes[0]
            .network
            .as_ref()
            .unwrap()
            .subnet,
        "10.231.0.0/24"
    );
    for (subnet, says) in [
        ("10.9.8.0/24", "holds 1 /24 networks for 2 gateways"),
        ("10.9.8.0/25", "between a /8 and a /24"),
        ("10.9.8.1/24", "host bits set"),
        ("8.8.0.0/16", "not a private range"),
        ("fd00::/64", "not an IPv4 network"),
    ] {
        let m = messages(plan_of(&format!(
            "version: 1\ntargets: [compose]\ndefaults: {{auth: {{mode: token, env: T}}}}\nproxy: {{domain: example.com, subnet: '{subnet}'}}\ngateways:\n  a: {{}}\n  b: {{}}\n"
        )));
        assert!(m.len() == 1 && m[0].contains(says), "{subnet}: {m:?}");
    }
    // The compose rules stay out of the host targets' way.
    assert!(
        plan_of(&format!(
            "{HEAD}proxy: {{domain: example.com, subnet: nonsense}}\ngateways:\n  a: {{}}\n"
        ))
        .is_ok()
    );
}

#[test]
fn siblings_on_one_host_are_fine_and_sorted_longest_first() {
    let p = plan_of(&format!(
        "{HEAD}proxy: {{domain: example.com}}\ngateways:\n  a: {{path: /a}}\n  ab: {{path: /ab}}\n  root: {{host: example.com}}\n"
    ))
    .unwrap();
    let px = p.proxy.unwrap();
    let sites = px.sites();
    assert_eq!(sites.len(), 1);
    let order: Vec<&str> = sites[0]
        .prefixed
        .iter()
        .map(|r| r.gateway.as_str())
        .collect();
    assert_eq!(order, vec!["ab", "a"]);
    assert_eq!(sites[0].root.unwrap().gateway, "root");
}
