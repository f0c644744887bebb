#!/usr/bin/env python3
"""Whole-process cost of ocgen, next to the real Docker Compose v2.

Builds ocgen in release mode, writes deployment files of 6, 10, 100 and 580
gateways (580 = a full host: explicit base ports 111 apart from 1024) and
one of 10,000 colliding gateways, and reports the median wall time and the
peak memory (max RSS) of:

  ocgen check, ocgen generate (fresh tree, every format), ocgen generate
  again (tree up to date), and docker-compose -f compose.yaml config -q on
  the compose file ocgen wrote.

Usage: python3 benches/measure.py [--runs N] [--dir /dev/shm]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def full_host(n):
    y = ["version: 1\ndefaults:\n  home: /srv/openclaw\n  auth:\n    mode: token\n"
         "    env: OPENCLAW_GATEWAY_TOKEN\n  env:\n    TZ: UTC\ngateways:\n"]
    for i in range(n):
        y.append(f"  gw{i}:\n    port: {1024 + i * 111}\n")
        if i % 3 == 0:
            y.append(f"    browser:\n      profiles:\n        work:\n"
                     f"          cdp_url: http://10.0.{i // 250}.{i % 250}:9222\n")
            y.append(f"    env:\n      TEAM: \"team {i} $x 'q'\"\n")
    return "".join(y)


def colliding(n):
    y = ["version: 1\ndefaults:\n  home: /srv/openclaw\ngateways:\n"]
    y += [f"  gw{i}:\n    port: 20000\n" for i in range(n)]
    return "".join(y)


TEN_MB = 10 * 1024 * 1024
HEAD = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n"


def ten_mb_of_gateways():
    y, i, size = [HEAD], 0, len(HEAD)
    while size < TEN_MB:
        line = f"  g{i}: {{}}\n"
        y.append(line)
        size += len(line)
        i += 1
    return "".join(y)


def ten_mb_of_variables():
    y, i = [HEAD + "  main:\n    env:\n"], 0
    size = len(y[0])
    while size < TEN_MB:
        line = f"      V{i}: value-{i}\n"
        y.append(line)
        size += len(line)
        i += 1
    return "".join(y)


def hundred_thousand_variables():
    return HEAD + "  main:\n    env:\n" + "".join(f"      V{i}: value-{i}\n" for i in range(100_000))


# The hostile inputs of tests/bounds.rs, with the limit each must stay
# under in a release build (the tests assert exit codes, not speed).
HOSTILE = [
    ("10 MB of gateways (refused at the parser's limit)", ten_mb_of_gateways, 65, 5.0),
    ("10 MB of variables in one gateway (refused)", ten_mb_of_variables, 65, 5.0),
    ("one gateway with 100,000 variables (accepted)", hundred_thousand_variables, 0, 5.0),
]


def run_once(argv, before=None):
    """Wall seconds and max RSS (KiB) of one run of argv."""
    if before:
        before()
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def measure(argv, runs, before=None, expect=0):
    walls, rss = [], []
    for _ in range(runs):
        w, r, code = run_once(argv, before)
        if code != expect:
            sys.exit(f"{' '.join(argv)} exited {code}, expected {expect}")
        walls.append(w)
        rss.append(r)
    return statistics.median(walls), max(rss)


def against_cp(ocgen, f, tmp, runs):
    """`generate` of a fresh tree next to `cp -r` of the very tree it
    writes, run after run in turns so that both see the same machine."""
    out, copy = os.path.join(tmp, "cp-out"), os.path.join(tmp, "cp-copy")
    cp = shutil.which("cp")
    gen_walls, cp_walls = [], []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        w, _, code = run_once([ocgen, "generate", "-f", f, "--out", out])
        if code != 0:
            sys.exit(f"ocgen generate exited {code}")
        gen_walls.append(w)
        shutil.rmtree(copy, ignore_errors=True)
        w, _, code = run_once([cp, "-r", out, copy])
        if code != 0:
            sys.exit(f"cp -r exited {code}")
        cp_walls.append(w)
    entries = sum(len(d) + len(fs) for _, d, fs in os.walk(out))
    g, c = statistics.median(gen_walls), statistics.median(cp_walls)
    return entries, g, c


def find_compose():
    tools = os.environ.get("OCGEN_TOOLS", os.path.expanduser("~/.cache/ocgen-test-tools"))
    for c in [os.path.join(tools, "bin", "docker-compose"), shutil.which("docker-compose")]:
        if c and os.path.isfile(c):
            return os.path.realpath(c)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--against-cp", action="store_true",
                    help="only the side-by-side of `generate` (580 gateways) and `cp -r` of its tree")
    ap.add_argument("--dir", default=None,
                    help="where the output trees go (default: a temporary directory; "
                         "/dev/shm takes the disk out of the figures)")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    ocgen = os.path.join(ROOT, "target", "release", "ocgen")
    compose = find_compose()
    tmp = tempfile.mkdtemp(prefix="ocgen-measure-", dir=args.dir)
    env_token = {"OPENCLAW_GATEWAY_TOKEN": "measure-only"}
    os.environ.update(env_token)
    try:
        print(f"ocgen {subprocess.run([ocgen, '--version'], capture_output=True, text=True).stdout.strip()}, "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, median of {args.runs} runs\n")
        f = os.path.join(tmp, "g580.yaml")
        with open(f, "w") as fh:
            fh.write(full_host(580))
        entries, g, c = against_cp(ocgen, f, tmp, args.runs)
        print(f"`generate` of 580 gateways ({entries:,} files and directories): {g * 1000:.1f} ms; "
              f"`cp -r` of the same tree: {c * 1000:.1f} ms; ratio {g / c:.2f}x\n")
        if args.against_cp:
            return
        print("| gateways | check | generate (fresh) | per gateway | generate (no change) | peak RSS | "
              "docker-compose config -q | compose / generate |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in (6, 10, 100, 580):
            f = os.path.join(tmp, f"g{n}.yaml")
            with open(f, "w") as fh:
                fh.write(full_host(n))
            out = os.path.join(tmp, f"out{n}")
            check = measure([ocgen, "check", "-f", f], args.runs)
            fresh = measure([ocgen, "generate", "-f", f, "--out", out], args.runs,
                            before=lambda: shutil.rmtree(out, ignore_errors=True))
            same = measure([ocgen, "generate", "-f", f, "--out", out], args.runs)
            rss = max(check[1], fresh[1], same[1])
            if compose:
                dc = measure([compose, "-f", os.path.join(out, "compose.yaml"), "config", "-q"],
                             max(3, args.runs // 4))
                dc_s, ratio = f"{dc[0] * 1000:.1f} ms ({dc[1] / 1024:.0f} MB)", f"{dc[0] / fresh[0]:.1f}x"
            else:
                dc_s, ratio = "(not installed)", "-"
            print(f"| {n} | {check[0] * 1000:.1f} ms | {fresh[0] * 1000:.1f} ms | "
                  f"{fresh[0] * 1e6 / n:.0f} µs | {same[0] * 1000:.1f} ms | {rss / 1024:.1f} MB | "
                  f"{dc_s} | {ratio} |")
        f = os.path.join(tmp, "collide.yaml")
        with open(f, "w") as fh:
            fh.write(colliding(10_000))
        wall, rss = measure([ocgen, "check", "-f", f], max(3, args.runs // 4), expect=65)
        print(f"\n10,000 colliding gateways: `ocgen check` rejects them (exit 65) in "
              f"{wall * 1000:.0f} ms, peak RSS {rss / 1024:.1f} MB")
        print("\n| hostile input (tests/bounds.rs) | exit | `ocgen check` | limit | peak RSS |")
        print("|---|---:|---:|---:|---:|")
        over = []
        for name, make, code, limit in HOSTILE:
            f = os.path.join(tmp, "hostile.yaml")
            with open(f, "w") as fh:
                fh.write(make())
            wall, rss = measure([ocgen, "check", "-f", f], max(3, args.runs // 4), expect=code)
            print(f"| {name} | {code} | {wall:.2f} s | {limit:.0f} s | {rss / 1024:.0f} MB |")
            if wall > limit:
                over.append(name)
        if over:
            sys.exit(f"over the limit: {', '.join(over)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
