//! Ports: each gateway's footprint P..P+110, assignment on the 120-port
//! grid, and overlap checks between footprints and explicit CDP ports.

#[allow(clippy::wildcard_imports)]
use super::*;

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
                bind: match purpose {
                    Purpose::Gateway | Purpose::McpSandbox => self.bind.as_str().to_string(),
                    _ => "loopback".to_string(),
                },
            })
            .collect();
        for bp in &self.browser_profiles {
            if let Some(port) = bp.cdp_port {
                out.push(PortRange {
                    gateway: self.name.clone(),
                    purpose: Purpose::CdpExplicit,
                    start: port,
                    end: port,
                    bind: "loopback".to_string(),
                });
            }
        }
        out
    }
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
pub(super) struct Interval {
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

pub(super) fn assign_ports(
    resolved: &[Resolved],
    gateways: &mut [Gateway],
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
    let cdps: Vec<Vec<u16>> = gateways
        .iter()
        .map(|g| {
            g.browser_profiles
                .iter()
                .filter_map(|b| b.cdp_port)
                .collect()
        })
        .collect();
    let placed = grid_assign(&ports, &cdps, false);
    let mut exhausted_reported = false;
    for ((r, g), port) in resolved.iter().zip(gateways.iter_mut()).zip(placed) {
        g.port = port.unwrap_or(0);
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
pub(super) fn overlaps(occupied: &BTreeMap<u32, u32>, max_len: u32, a: u32, b: u32) -> bool {
    occupied
        .range(a.saturating_sub(max_len)..=b)
        .any(|(_, &end)| end >= a)
}

pub(super) fn check_port_overlaps(
    resolved: &[Resolved],
    gateways: &[Gateway],
    problems: &mut Vec<Problem>,
) {
    let mut iv = Vec::new();
    for (i, g) in gateways.iter().enumerate() {
        if g.port != 0 {
            iv.push(Interval {
                start: u32::from(g.port),
                end: u32::from(g.port) + u32::from(FOOTPRINT),
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
        .map(|(g, &m)| (!m && !g.port_assigned).then_some(g.port))
        .collect();
    let cdps: Vec<Vec<u16>> = gateways
        .iter()
        .map(|g| {
            g.browser_profiles
                .iter()
                .filter_map(|b| b.cdp_port)
                .collect()
        })
        .collect();
    let placed = grid_assign(&ports, &cdps, true);
    for (a, b) in found {
        let suggestion = placed[moved(&a, &b)].map_or_else(
            || format!("no free base port is left on the {SPACING}-port grid"),
            |p| format!("{p} is free"),
        );
        problems.push(overlap_problem(resolved, gateways, a, b, &suggestion));
    }
}

pub(super) fn describe(g: &Gateway, port: u32) -> &'static str {
    let off = port.saturating_sub(u32::from(g.port));
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

pub(super) fn overlap_problem(
    resolved: &[Resolved],
    gateways: &[Gateway],
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
    let what = |iv: Interval, g: &Gateway| -> String {
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
pub(super) fn free_single_port(gateways: &[Gateway]) -> u32 {
    let mut taken: Vec<(u32, u32)> = gateways
        .iter()
        .filter(|g| g.port != 0)
        .map(|g| (u32::from(g.port), u32::from(g.port) + u32::from(FOOTPRINT)))
        .chain(
            gateways
                .iter()
                .flat_map(|g| &g.browser_profiles)
                .filter_map(|b| b.cdp_port.map(|c| (u32::from(c), u32::from(c)))),
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
