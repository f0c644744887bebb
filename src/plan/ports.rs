//! Ports: each gateway's footprint P..P+110, assignment on the 120-port
//! grid, the ports that listen beyond loopback, and overlap checks between
//! footprints and explicit CDP ports.

use std::collections::BTreeMap;

use serde::Serialize;

use super::defaults::Resolved;
use super::gateway::{BrowserProfile, Draft, Gateway};
use crate::diag::{Kind, Problem, Span};
use crate::model::{Bind, PortValue, Sp};
use crate::openclaw::{
    FIRST_BASE_PORT, FOOTPRINT, FOOTPRINT_PARTS, MAX_BASE_PORT, MIN_BASE_PORT, Purpose, SPACING,
};

/// A reserved, inclusive port range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PortRange {
    /// Owner.
    pub gateway: String,
    /// What it is for.
    pub purpose: Purpose,
    /// First port.
    pub start: u16,
    /// Last port (inclusive).
    pub end: u16,
    /// Which addresses it listens on.
    pub bind: String,
}

/// Whether the ports of this part of the footprint listen on the
/// gateway's bind address (the gateway and the MCP Apps sandbox, which
/// "direct Gateway connections need access to"); the others listen on
/// loopback only.
pub fn listens_on_bind(purpose: Purpose) -> bool {
    matches!(purpose, Purpose::Gateway | Purpose::McpSandbox)
}

impl Gateway {
    /// Every port range this gateway reserves, footprint first.
    pub fn reserved(&self) -> Vec<PortRange> {
        let mut out: Vec<PortRange> = FOOTPRINT_PARTS
            .iter()
            .map(|&(purpose, a, b)| PortRange {
                gateway: self.name.clone(),
                purpose,
                start: self.port + a,
                end: self.port + b,
                bind: if listens_on_bind(purpose) {
                    self.bind.as_str().to_string()
                } else {
                    "loopback".to_string()
                },
            })
            .collect();
        for port in explicit_cdp_ports(&self.browser_profiles) {
            out.push(PortRange {
                gateway: self.name.clone(),
                purpose: Purpose::CdpExplicit,
                start: port,
                end: port,
                bind: "loopback".to_string(),
            });
        }
        out
    }

    /// The ports that listen on the gateway's own address: P and P+1. A
    /// container publishes exactly these, and the NixOS module opens them
    /// in the firewall when the bind reaches beyond loopback.
    pub fn public_ports(&self) -> Vec<u16> {
        FOOTPRINT_PARTS
            .iter()
            .filter(|(p, _, _)| listens_on_bind(*p))
            .flat_map(|&(_, a, b)| (self.port + a)..=(self.port + b))
            .collect()
    }

    /// The public ports the firewall would open: none for a loopback bind.
    pub fn firewall_ports(&self) -> Vec<u16> {
        if self.bind == Bind::Loopback {
            Vec::new()
        } else {
            self.public_ports()
        }
    }
}

/// The explicit CDP ports of a gateway's browser profiles.
fn explicit_cdp_ports(profiles: &[BrowserProfile]) -> impl Iterator<Item = u16> + '_ {
    profiles.iter().filter_map(|b| b.cdp_port)
}

/// Every gateway's explicit CDP ports.
fn all_explicit_cdp_ports(gateways: &[Draft]) -> Vec<Vec<u16>> {
    gateways
        .iter()
        .map(|g| explicit_cdp_ports(&g.browser_profiles).collect())
        .collect()
}

pub(super) fn check_port(
    gw: &str,
    what: &str,
    p: &Sp<PortValue>,
    min: u16,
    max: u16,
    problems: &mut Vec<Problem>,
) -> Option<u16> {
    let v = p.value.0;
    if v >= i128::from(min) && v <= i128::from(max) {
        return u16::try_from(v).ok();
    }
    let why = if v > i128::from(max) && max == MAX_BASE_PORT && v <= 65535 {
        format!(
            "its footprint would end at {} (past 65535), and OpenClaw would silently move the CDP range onto 18800-18899",
            v + i128::from(FOOTPRINT)
        )
    } else if v < 1024 && min >= 1024 {
        "ports below 1024 are privileged".to_string()
    } else {
        format!("it must be from {min} to {max}")
    };
    problems.push(
        Problem::new(
            Kind::PortRange,
            format!("gateway `{gw}`: {what} {v} is out of range: {why}"),
        )
        .label(p.span, format!("must be {min}..={max}"))
        .help(if max == MAX_BASE_PORT {
            format!("use a base port from {min} to {max}, or leave `port` out to have one assigned")
        } else {
            format!("use a port from {min} to {max}")
        }),
    );
    None
}

/// An interval reserved by one gateway: its whole footprint, or one explicit CDP port.
#[derive(Clone, Copy)]
struct Interval {
    start: u32,
    end: u32,
    gw: usize,
    /// Index into the gateway's browser profiles for an explicit CDP port.
    cdp: Option<usize>,
}

/// Places every gateway without a base port (`None`) on the lowest grid
/// slot whose spacing window is clear of every gateway above it (explicit
/// or placed) and their explicit CDP ports; `None` when the grid is full.
/// An explicit port of 0 (one already refused) reserves nothing.
///
/// Only what is above counts, so adding a gateway at the end never moves
/// one that is there. `reserve_below` also keeps clear of explicit ports
/// further down: the free-port suggestions of overlap errors use it, so
/// that following them cannot collide again; where assignment alone would
/// not collide (the usual case) both give the same ports.
pub(super) fn grid_assign(
    ports: &[Option<u16>],
    cdps: &[Vec<u16>],
    reserve_below: bool,
) -> Vec<Option<u16>> {
    let spacing = u32::from(SPACING);
    let mut occupied: BTreeMap<u32, u32> = BTreeMap::new();
    let occupy = |m: &mut BTreeMap<u32, u32>, s: u32, e: u32| {
        let slot = m.entry(s).or_insert(e);
        *slot = (*slot).max(e);
    };
    if reserve_below {
        for &p in ports.iter().flatten().filter(|&&p| p != 0) {
            occupy(&mut occupied, u32::from(p), u32::from(p) + spacing - 1);
        }
        for &c in cdps.iter().flatten() {
            occupy(&mut occupied, u32::from(c), u32::from(c));
        }
    }
    let max_len = spacing - 1;
    let slots = u32::from(MAX_BASE_PORT - FIRST_BASE_PORT) / spacing + 1;
    let mut next_slot: u32 = 0;
    let mut placed = Vec::with_capacity(ports.len());
    for (p, own_cdps) in ports.iter().zip(cdps) {
        let port = match p {
            Some(p) => Some(*p),
            None => loop {
                if next_slot >= slots {
                    break None;
                }
                let b = u32::from(FIRST_BASE_PORT) + next_slot * spacing;
                if overlaps(&occupied, max_len, b, b + spacing - 1) {
                    next_slot += 1;
                } else {
                    break u16::try_from(b).ok();
                }
            },
        };
        if let Some(p) = port.filter(|&p| p != 0) {
            occupy(&mut occupied, u32::from(p), u32::from(p) + spacing - 1);
        }
        for &c in own_cdps {
            occupy(&mut occupied, u32::from(c), u32::from(c));
        }
        placed.push(port);
    }
    placed
}

/// Gives every draft its base port: the valid one written, else a free
/// slot on the grid. A port written but refused stays `None`, and so does
/// a gateway the full grid has no room for (one problem says so).
pub(super) fn assign_ports(
    resolved: &[Resolved],
    gateways: &mut [Draft],
    problems: &mut Vec<Problem>,
) {
    let mut ports = Vec::with_capacity(gateways.len());
    for (r, g) in resolved.iter().zip(gateways.iter()) {
        ports.push(r.s.port.as_ref().map(|p| {
            check_port(
                &g.name,
                "base port",
                p,
                MIN_BASE_PORT,
                MAX_BASE_PORT,
                problems,
            )
            .unwrap_or(0)
        }));
    }
    let cdps = all_explicit_cdp_ports(gateways);
    let placed = grid_assign(&ports, &cdps, false);
    let mut exhausted_reported = false;
    for ((r, g), port) in resolved.iter().zip(gateways.iter_mut()).zip(placed) {
        g.port = port.filter(|&p| p != 0);
        if port.is_none() && !exhausted_reported {
            problems.push(
                Problem::new(
                    Kind::PortExhausted,
                    format!(
                        "gateway `{}`: no free base port is left between {FIRST_BASE_PORT} and {MAX_BASE_PORT} ({SPACING} ports apart)",
                        g.name
                    ),
                )
                .label(r.name.span, "cannot be placed")
                .help(format!("give this and later gateways explicit base ports below {FIRST_BASE_PORT} (from {MIN_BASE_PORT}, {SPACING} apart), or spread them over several hosts")),
            );
            exhausted_reported = true;
        }
    }
}

/// Whether [a, b] meets any occupied interval. Intervals are at most
/// `max_len` long, so only starts in [a - max_len, b] need a look.
fn overlaps(occupied: &BTreeMap<u32, u32>, max_len: u32, a: u32, b: u32) -> bool {
    occupied
        .range(a.saturating_sub(max_len)..=b)
        .any(|(_, &end)| end >= a)
}

pub(super) fn check_port_overlaps(
    resolved: &[Resolved],
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    let mut iv = Vec::new();
    for (i, g) in gateways.iter().enumerate() {
        if let Some(port) = g.port {
            iv.push(Interval {
                start: u32::from(port),
                end: u32::from(port) + u32::from(FOOTPRINT),
                gw: i,
                cdp: None,
            });
        }
        for (j, bp) in g.browser_profiles.iter().enumerate() {
            if let Some(c) = bp.cdp_port {
                iv.push(Interval {
                    start: u32::from(c),
                    end: u32::from(c),
                    gw: i,
                    cdp: Some(j),
                });
            }
        }
    }
    iv.sort_by_key(|x| (x.start, x.end, x.gw));
    // Sweep: compare each interval with the one reaching furthest so far.
    let mut active: Option<Interval> = None;
    let mut found: Vec<(Interval, Interval)> = Vec::new();
    for cur in iv {
        if let Some(a) = active {
            let conflict =
                cur.start <= a.end && (a.gw != cur.gw || a.cdp.is_some() || cur.cdp.is_some());
            if conflict {
                found.push((a, cur));
            }
            if cur.end > a.end {
                active = Some(cur);
            }
        } else {
            active = Some(cur);
        }
    }
    if found.is_empty() {
        return;
    }
    // Fixes valid together for the whole file: the gateways to move, with
    // their `port` left out, placed as assignment would place them (clear
    // of explicit ports below them too). So the suggestions are distinct,
    // and following them or leaving `port` out gives the same plan.
    let moved = |a: &Interval, b: &Interval| {
        if gateways[b.gw].port_assigned {
            a.gw
        } else {
            b.gw
        }
    };
    let mut to_move: Vec<bool> = vec![false; gateways.len()];
    for (a, b) in &found {
        if a.cdp.is_none() && b.cdp.is_none() {
            to_move[moved(a, b)] = true;
        }
    }
    let ports: Vec<Option<u16>> = gateways
        .iter()
        .zip(&to_move)
        .map(|(g, &m)| if !m && !g.port_assigned { g.port } else { None })
        .collect();
    let cdps = all_explicit_cdp_ports(gateways);
    let placed = grid_assign(&ports, &cdps, true);
    for (a, b) in found {
        let suggestion = placed[moved(&a, &b)].map_or_else(
            || format!("no free base port is left on the {SPACING}-port grid"),
            |p| format!("{p} is free"),
        );
        problems.push(overlap_problem(resolved, gateways, a, b, &suggestion));
    }
}

fn describe(g: &Draft, port: u32) -> &'static str {
    let off = port.saturating_sub(u32::from(g.port.unwrap_or(0)));
    FOOTPRINT_PARTS
        .iter()
        .find(|&&(_, a, b)| off >= u32::from(a) && off <= u32::from(b))
        .map_or("footprint", |&(p, _, _)| match p {
            Purpose::Gateway => "gateway port",
            Purpose::McpSandbox => "MCP sandbox port",
            Purpose::BrowserControl => "browser control port",
            Purpose::BrowserRelay => "browser relay range",
            _ => "CDP range",
        })
}

fn overlap_problem(
    resolved: &[Resolved],
    gateways: &[Draft],
    a: Interval,
    b: Interval,
    suggestion: &str,
) -> Problem {
    let (ga, gb) = (&gateways[a.gw], &gateways[b.gw]);
    let lo = b.start;
    let hi = a.end.min(b.end);
    let span_of = |iv: Interval| -> Span {
        let r = &resolved[iv.gw];
        match iv.cdp {
            Some(j) => {
                r.s.browser
                    .as_ref()
                    .and_then(|br| br.profiles.get_index(j))
                    .and_then(|(_, p)| p.value.cdp_port.as_ref().map(|c| c.span))
                    .unwrap_or(r.name.span)
            }
            None => r.s.port.as_ref().map_or(r.name.span, |p| p.span),
        }
    };
    let what = |iv: Interval, g: &Draft| -> String {
        match iv.cdp {
            Some(j) => format!(
                "`{}`'s browser profile `{}` (cdp_port {})",
                g.name, g.browser_profiles[j].name, iv.start
            ),
            None => format!(
                "`{}` ({}..{}{})",
                g.name,
                iv.start,
                iv.end,
                if g.port_assigned { ", assigned" } else { "" }
            ),
        }
    };
    let (kind, message, help) = match (a.cdp, b.cdp) {
        (None, None) => (
            Kind::PortOverlap,
            format!(
                "gateways {} and {} reserve overlapping ports {lo}..{hi}: `{}`'s {} {} falls in `{}`'s {}",
                what(a, ga),
                what(b, gb),
                gb.name,
                describe(gb, b.start),
                b.start,
                ga.name,
                describe(ga, b.start)
            ),
            format!(
                "each gateway uses P..P+{FOOTPRINT}, so base ports must be at least {SPACING} apart (the old \"20 apart\" advice is wrong): move `{}` ({suggestion}), or leave its `port` out to have one assigned",
                if gb.port_assigned { &ga.name } else { &gb.name }
            ),
        ),
        (Some(_), Some(_)) => (
            Kind::CdpPort,
            format!(
                "cdp_port {} is used twice: by {} and by {}",
                b.start,
                what(a, ga),
                what(b, gb)
            ),
            "every browser profile needs a CDP port of its own, outside every gateway's footprint"
                .to_string(),
        ),
        (None, Some(_)) | (Some(_), None) => {
            let (fp, cdp) = if a.cdp.is_none() { (a, b) } else { (b, a) };
            let (gf, gc) = (&gateways[fp.gw], &gateways[cdp.gw]);
            (
                Kind::CdpPort,
                format!(
                    "{} lies inside the footprint of `{}` ({}..{}), in its {}",
                    what(cdp, gc),
                    gf.name,
                    fp.start,
                    fp.end,
                    describe(gf, cdp.start)
                ),
                format!(
                    "explicit CDP ports must lie outside every gateway's P..P+{FOOTPRINT}: pick a port such as {}",
                    free_single_port(gateways)
                ),
            )
        }
    };
    Problem::new(kind, message)
        .label(span_of(b), "conflicts")
        .label(span_of(a), "with this")
        .help(help)
}

/// A port outside every footprint and every explicit CDP port, for hints.
fn free_single_port(gateways: &[Draft]) -> u32 {
    let mut taken: Vec<(u32, u32)> = gateways
        .iter()
        .filter_map(|g| g.port)
        .map(|p| (u32::from(p), u32::from(p) + u32::from(FOOTPRINT)))
        .chain(
            gateways
                .iter()
                .flat_map(|g| explicit_cdp_ports(&g.browser_profiles))
                .map(|c| (u32::from(c), u32::from(c))),
        )
        .collect();
    taken.sort_unstable();
    let mut cand = 9222;
    for (s, e) in taken {
        if cand < s {
            break;
        }
        if cand <= e {
            cand = e + 1;
        }
    }
    cand
}

#[cfg(test)]
mod tests {
    use crate::diag::Kind;
    use crate::openclaw::{MAX_BASE_PORT, Purpose};
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn footprint_is_p_to_p_plus_110() {
        let p = plan_of(&format!("{HEAD}  a: {{port: 20000}}\n")).unwrap();
        let r = p.gateways[0].reserved();
        assert_eq!((r[0].start, r[0].end), (20000, 20000));
        assert_eq!((r[1].purpose, r[1].start), (Purpose::McpSandbox, 20001));
        assert_eq!((r[2].purpose, r[2].start), (Purpose::BrowserControl, 20002));
        assert_eq!((r[3].start, r[3].end), (20003, 20010));
        assert_eq!((r[4].start, r[4].end), (20011, 20110));
    }

    #[test]
    fn twenty_apart_collides_in_the_cdp_range() {
        let k = kinds(plan_of(&format!(
            "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18809}}\n"
        )));
        assert_eq!(k, vec![Kind::PortOverlap]);
    }

    #[test]
    fn one_hundred_eleven_apart_is_fine() {
        assert!(
            plan_of(&format!(
                "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18900}}\n"
            ))
            .is_ok()
        );
        let k = kinds(plan_of(&format!(
            "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18899}}\n"
        )));
        assert_eq!(k, vec![Kind::PortOverlap]);
    }

    #[test]
    fn free_port_suggestions_are_distinct_and_what_assignment_gives() {
        let problems = plan_of(&format!(
            "{HEAD}  main: {{port: 18789}}\n  rescue: {{port: 18809}}\n  third: {{port: 18829}}\n"
        ))
        .unwrap_err();
        let helps: Vec<String> = problems.iter().filter_map(|p| p.help.clone()).collect();
        assert_eq!(helps.len(), 2, "{helps:?}");
        assert!(
            helps[0].contains("move `rescue` (18909 is free)"),
            "{helps:?}"
        );
        assert!(
            helps[1].contains("move `third` (19029 is free)"),
            "{helps:?}"
        );
        // Leaving both ports out assigns exactly those ports.
        let p = plan_of(&format!(
            "{HEAD}  main: {{port: 18789}}\n  rescue: {{}}\n  third: {{}}\n"
        ))
        .unwrap();
        let ports: Vec<u16> = p.gateways.iter().map(|g| g.port).collect();
        assert_eq!(ports, vec![18789, 18909, 19029]);
        // A suggestion never lands on an explicit port further down.
        let problems = plan_of(&format!(
            "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18800}}\n  c: {{port: 19000}}\n"
        ))
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        let help = problems[0].help.clone().unwrap();
        assert!(help.contains("move `b` (19149 is free)"), "{help}");
    }

    #[test]
    fn assigned_ports_are_120_apart_from_18789() {
        let p = plan_of(&format!("{HEAD}  a: {{}}\n  b: {{}}\n  c: {{}}\n")).unwrap();
        let ports: Vec<u16> = p.gateways.iter().map(|g| g.port).collect();
        assert_eq!(ports, vec![18789, 18909, 19029]);
        assert!(p.gateways.iter().all(|g| g.port_assigned));
    }

    #[test]
    fn assigned_ports_skip_explicit_ones_above_them() {
        let p = plan_of(&format!("{HEAD}  a: {{port: 18850}}\n  b: {{}}\n")).unwrap();
        // 18789 and 18909 are within 120 of 18850.
        assert_eq!(p.gateways[1].port, 19029);
    }

    #[test]
    fn adding_at_the_end_never_moves_existing_gateways() {
        let before = plan_of(&format!(
            "{HEAD}  a: {{}}\n  b: {{port: 30000}}\n  c: {{}}\n"
        ))
        .unwrap();
        let after = plan_of(&format!(
            "{HEAD}  a: {{}}\n  b: {{port: 30000}}\n  c: {{}}\n  d: {{}}\n"
        ))
        .unwrap();
        for (x, y) in before.gateways.iter().zip(&after.gateways) {
            assert_eq!(x.port, y.port);
        }
        // An explicit port added at the end that hits an assigned gateway is
        // an error, not a silent move.
        let k = kinds(plan_of(&format!("{HEAD}  a: {{}}\n  z: {{port: 18789}}\n")));
        assert_eq!(k, vec![Kind::PortOverlap]);
    }

    #[test]
    fn base_port_range_is_1024_to_65425() {
        assert!(plan_of(&format!("{HEAD}  a: {{port: 1024}}\n")).is_ok());
        assert!(plan_of(&format!("{HEAD}  a: {{port: 65425}}\n")).is_ok());
        for bad in ["1023", "65426", "0", "-1", "70000", "99999999999999999999"] {
            let k = kinds(plan_of(&format!("{HEAD}  a: {{port: {bad}}}\n")));
            assert!(
                k == vec![Kind::PortRange] || k == vec![Kind::Type],
                "{bad}: {k:?}"
            );
        }
    }

    #[test]
    fn cdp_ports_inside_a_footprint_or_twice_are_errors() {
        let inside = format!(
            "{HEAD}  a:\n    port: 20000\n  b:\n    port: 30000\n    browser:\n      profiles:\n        w: {{cdp_port: 20050}}\n"
        );
        assert_eq!(kinds(plan_of(&inside)), vec![Kind::CdpPort]);
        let own = format!(
            "{HEAD}  a:\n    port: 20000\n    browser:\n      profiles:\n        w: {{cdp_port: 20011}}\n"
        );
        assert_eq!(kinds(plan_of(&own)), vec![Kind::CdpPort]);
        let twice = format!(
            "{HEAD}  a:\n    port: 20000\n    browser:\n      profiles:\n        w: {{cdp_port: 9222}}\n  b:\n    port: 30000\n    browser:\n      profiles:\n        x: {{cdp_port: 9222}}\n"
        );
        assert_eq!(kinds(plan_of(&twice)), vec![Kind::CdpPort]);
        let fine = format!(
            "{HEAD}  a:\n    port: 20000\n    browser:\n      profiles:\n        w: {{cdp_port: 9222}}\n        x: {{cdp_port: 9223}}\n"
        );
        assert!(plan_of(&fine).is_ok());
    }

    #[test]
    fn many_colliding_gateways_are_all_reported() {
        // How fast is a benchmark (benches/pipeline.rs), not a test.
        let mut y = String::from(HEAD);
        for i in 0..10_000 {
            y.push_str(&format!("  g{i}: {{port: 20000}}\n"));
        }
        let errs = plan_of(&y).unwrap_err();
        assert!(errs.len() >= 9_999 && errs.len() < 100_000);
    }

    #[test]
    fn a_full_host_plans() {
        let mut y = String::from(HEAD);
        let mut port = 1024;
        let mut n = 0;
        while port <= MAX_BASE_PORT {
            y.push_str(&format!("  g{n}: {{port: {port}}}\n"));
            port += 111;
            n += 1;
        }
        let p = plan_of(&y).unwrap();
        assert_eq!(p.gateways.len(), n);
        assert!(n >= 580);
    }
}
