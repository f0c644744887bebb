//! What ocgen costs per gateway: parse, plan, each renderer, and the whole
//! `generate`, over inputs of 1, 10, 100 and 580 gateways (a full host:
//! explicit base ports 111 apart from 1024), plus the error path: 10,000
//! gateways that all collide.
//!
//! `cargo bench --bench pipeline`; CI runs each benchmark once, as a test
//! (`cargo test --all-targets`: divan without `--bench`).

use std::hint::black_box;

use ocgen::render::{Templates, tree};

fn main() {
    divan::main();
}

const SIZES: &[usize] = &[1, 10, 100, 580];

/// A valid file of `n` gateways: explicit base ports 111 apart from 1024,
/// a browser profile and some env on every third gateway.
pub fn full_host(n: usize) -> String {
    let mut y = String::from(
        "version: 1\ndefaults:\n  home: /srv/openclaw\n  auth:\n    mode: token\n    env: OPENCLAW_GATEWAY_TOKEN\n  env:\n    TZ: UTC\ngateways:\n",
    );
    for i in 0..n {
        let port = 1024 + i * 111;
        y.push_str(&format!("  gw{i}:\n    port: {port}\n"));
        if i % 3 == 0 {
            y.push_str(&format!(
                "    browser:\n      profiles:\n        work:\n          cdp_url: http://10.0.{}.{}:9222\n",
                i / 250,
                i % 250
            ));
            y.push_str(&format!("    env:\n      TEAM: \"team {i} $x 'q'\"\n"));
        }
    }
    y
}

/// 10,000 gateways on the same base port.
pub fn colliding(n: usize) -> String {
    let mut y = String::from("version: 1\ndefaults:\n  home: /srv/openclaw\ngateways:\n");
    for i in 0..n {
        y.push_str(&format!("  gw{i}:\n    port: 20000\n"));
    }
    y
}

#[divan::bench(args = SIZES)]
fn parse(bencher: divan::Bencher, n: usize) {
    let text = full_host(n);
    bencher.bench(|| ocgen::model::load(black_box(&text)).unwrap());
}

#[divan::bench(args = SIZES)]
fn plan(bencher: divan::Bencher, n: usize) {
    let doc = ocgen::model::load(&full_host(n)).unwrap();
    bencher.bench(|| ocgen::plan::plan(black_box(&doc)).unwrap());
}

#[divan::bench(args = SIZES)]
fn render_env(bencher: divan::Bencher, n: usize) {
    let plan = ocgen::plan::plan(&ocgen::model::load(&full_host(n)).unwrap()).unwrap();
    let t = Templates::builtin().unwrap();
    bencher.bench(|| {
        plan.gateways
            .iter()
            .map(|g| ocgen::render::env::render(g, &t).unwrap().len())
            .sum::<usize>()
    });
}

#[divan::bench(args = SIZES)]
fn render_openclaw_config(bencher: divan::Bencher, n: usize) {
    let plan = ocgen::plan::plan(&ocgen::model::load(&full_host(n)).unwrap()).unwrap();
    bencher.bench(|| {
        plan.gateways
            .iter()
            .map(|g| ocgen::render::openclaw::render(&g.host_runtime().unwrap()).len())
            .sum::<usize>()
    });
}

#[divan::bench(args = SIZES)]
fn render_compose(bencher: divan::Bencher, n: usize) {
    let plan = ocgen::plan::plan(&ocgen::model::load(&full_host(n)).unwrap()).unwrap();
    let t = Templates::builtin().unwrap();
    bencher.bench(|| ocgen::render::compose::render(&plan, &t).unwrap().len());
}

#[divan::bench(args = SIZES)]
fn render_nixos(bencher: divan::Bencher, n: usize) {
    let plan = ocgen::plan::plan(&ocgen::model::load(&full_host(n)).unwrap()).unwrap();
    bencher.bench(|| ocgen::render::nixos::render(&plan).unwrap().len());
}

#[divan::bench(args = SIZES)]
fn render_systemd(bencher: divan::Bencher, n: usize) {
    let plan = ocgen::plan::plan(&ocgen::model::load(&full_host(n)).unwrap()).unwrap();
    let t = Templates::builtin().unwrap();
    let scope = ocgen::render::systemd::scope(&plan, false);
    bencher.bench(|| {
        plan.gateways
            .iter()
            .map(|g| {
                ocgen::render::systemd::render(&plan, g, scope, &t)
                    .unwrap()
                    .len()
            })
            .sum::<usize>()
    });
}

/// Everything `ocgen generate` does in memory: parse, plan, render every
/// format.
#[divan::bench(args = SIZES)]
fn generate_in_memory(bencher: divan::Bencher, n: usize) {
    let text = full_host(n);
    bencher.bench(|| {
        let doc = ocgen::model::load(black_box(&text)).unwrap();
        let plan = ocgen::plan::plan(&doc).unwrap();
        tree(&plan, &Templates::builtin().unwrap()).unwrap().len()
    });
}

/// `generate` end to end into a fresh directory (what a process does, minus
/// process start-up).
#[divan::bench(args = SIZES, sample_count = 20)]
fn generate_to_disk(bencher: divan::Bencher, n: usize) {
    let text = full_host(n);
    bencher
        .with_inputs(|| tempfile::tempdir().unwrap())
        .bench_values(|dir| {
            let doc = ocgen::model::load(&text).unwrap();
            let plan = ocgen::plan::plan(&doc).unwrap();
            let files = tree(&plan, &Templates::builtin().unwrap()).unwrap();
            let changes = ocgen::write::changes(dir.path(), &files).unwrap();
            ocgen::write::apply(dir.path(), &files, &changes).unwrap();
            dir
        });
}

/// The error path: parse and plan 10,000 colliding gateways, render the
/// bounded report.
#[divan::bench(sample_count = 10)]
fn reject_10000_colliding(bencher: divan::Bencher) {
    let text = colliding(10_000);
    bencher.bench(|| {
        let doc = ocgen::model::load(&text).unwrap();
        let problems = ocgen::plan::plan(&doc).unwrap_err();
        ocgen::diag::render(&problems, "ocgen.yaml", &text, false).len()
    });
}
