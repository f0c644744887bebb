#!/usr/bin/env python3
"""How fast a fleet starts, and whether it falls over starting.

A benchmark, not a test: it prints figures (and the load average it saw)
and asserts nothing about time. Every mode starts real OpenClaw 2026.9.6
gateways; run it through a lock that keeps other heavy jobs away if the
machine is shared.

Modes (each repeated --runs times):

  cpu       one gateway alone on the host: wall time and CPU time (user+sys
            of its whole process tree) from start to a passing /healthz.
            N gateways cannot all be healthy sooner than N x that / cores:
            the CPU-bound limit every other figure is divided by.
            --cache container: the same for one gateway in a container of
            ocgen's compose file on $DOCKER_HOST (its cgroup's CPU).
  host      N gateways on the host, installed by `ocgen install` and started
            as the docs say, either all at once (--batch 0) or K at a time,
            each batch after `ocgen status --wait` saw the last one healthy.
  compose   `ocgen compose` for N gateways, `docker compose up -d --wait`
            on the engine at $DOCKER_HOST: time to all healthy, restarts and
            exit codes of every container.
  fleet     `openclaw fleet create` of N cells one after another on the
            same engine and image (what OpenClaw itself offers).
  probe     what one health probe costs: --probes runs of each probe
            script through `docker exec` in a running gateway's container,
            CPU of the container, dockerd, containerd and the shims.

Usage:
  python3 benches/fleet_start.py cpu --runs 3
  python3 benches/fleet_start.py host --n 10 --batch 0 --runs 5
  python3 benches/fleet_start.py host --n 10 --batch 2 --runs 5
  DOCKER_HOST=unix://... DOCKER_CONFIG=... \\
    python3 benches/fleet_start.py compose --n 3,6,10 --runs 2 [--ocgen PATH]
  python3 benches/fleet_start.py fleet --n 3,6 --runs 2
  python3 benches/fleet_start.py probe --probes 20
  python3 benches/fleet_start.py cpu --cache default,cold,persistent --runs 3
  DOCKER_HOST=... python3 benches/fleet_start.py table --n 3,6,10 --runs 1 --runs-10 5

  table     everything side by side, the README's table: the CPU-bound
            limit (cpu, --cpu-runs), then for each N back to back: ocgen's
            compose file, `openclaw fleet create` and the bare host two at
            a time; --runs of each (--runs-10 of the ocgen starts for 10),
            with restarts and exits 78 counted; prints a Markdown table.
"""
import argparse
import glob
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = "ghcr.io/openclaw/openclaw:2026.9.6"
TICK = os.sysconf("SC_CLK_TCK")
DEADLINE = 900.0


def say(*a):
    print(*a, flush=True)


def load():
    return "load %.2f %.2f %.2f" % os.getloadavg()


def busy():
    """CPU seconds the whole machine has spent busy (all cores), and idle."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / TICK, idle / TICK


def ocgen_bin(arg):
    if arg:
        return arg
    for p in ("target/release/ocgen", "target/debug/ocgen"):
        if os.path.exists(os.path.join(ROOT, p)):
            return os.path.join(ROOT, p)
    sys.exit("build ocgen first (cargo build --release)")


def tmpdir():
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    return tempfile.mkdtemp(prefix="ocgen-fleet-bench-", dir=base)


# --- processes -------------------------------------------------------------

def children():
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            st = open(f"/proc/{p}/stat").read()
        except OSError:
            continue
        ppid = int(st.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(p))
    return kids


def tree(pid):
    kids, out, todo = children(), [], [pid]
    while todo:
        q = todo.pop()
        out.append(q)
        todo += kids.get(q, [])
    return out


def cpu_of(pids):
    """user+sys of the processes, and of their waited-for children."""
    t = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        t += sum(int(x) for x in f[11:15])
    return t / TICK


def healthy(port, timeout=1.0):
    try:
        with urllib.request.urlopen(
                urllib.request.Request(f"http://127.0.0.1:{port}/healthz"),
                timeout=timeout) as r:
            return r.status == 200 and json.load(r).get("ok") is True
    except Exception:
        return False


def free_base(n):
    """A window of n x 120 ports below the ephemeral range, nothing listening."""
    used = set()
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in open(f).readlines()[1:]:
                used.add(int(line.split()[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    for b in range(23000, 32000 - n * 120, 500):
        if not any(b <= p < b + n * 120 for p in used):
            return b
    sys.exit("no free port window")


def openclaw_path():
    tools = os.path.expanduser("~/.cache/ocgen-test-tools/bin")
    return f"{tools}:/usr/bin:/bin"


# --- cpu: one gateway alone --------------------------------------------------

GATEWAY_SH = ('echo $$ >"${1%.env}.pid"; set -a; . "$1"; set +a; '
              'exec openclaw gateway run >>"${1%.env}.out" 2>&1')


def host_layout(ocgen, n, d):
    base = free_base(n)
    y = [f"version: 1\nname: bench\ntargets: [host]\ndefaults:\n  home: {d}/home\ngateways:\n"]
    for i in range(n):
        y.append(f"  g{i}:\n    port: {base + 120 * i}\n")
    os.makedirs(f"{d}/home")
    with open(f"{d}/ocgen.yaml", "w") as f:
        f.write("".join(y))
    r = subprocess.run([ocgen, "-f", f"{d}/ocgen.yaml", "install"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stdout + r.stderr)
    return [(f"g{i}", base + 120 * i, f"{d}/home/.openclaw-g{i}/g{i}.env") for i in range(n)]


def start_gateway(env_file, home, extra=None):
    return subprocess.Popen(
        ["sh", "-c", GATEWAY_SH, "sh", env_file],
        env={"PATH": openclaw_path(), "HOME": home, **(extra or {})}, cwd=home,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)


def stop_all(procs):
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    end = time.time() + 30
    for p in procs:
        try:
            p.wait(max(0.1, end - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    # Children in their own sessions (the spawn broker) follow their parent.
    time.sleep(1)


def cpu_once(ocgen, cache="default"):
    """One gateway alone from start to healthy: (wall, CPU of its tree, load).

    cache: "default" (OpenClaw's own compile cache in os.tmpdir(), warm
    on a host that ran OpenClaw before), "cold" (an empty TMPDIR: what a
    unit with PrivateTmp= or a new container sees), "persistent"
    (NODE_COMPILE_CACHE in the gateway's state dir, as OpenClaw's VPS
    guide advises; started once to warm it, the second start measured).
    """
    d = tmpdir()
    try:
        (name, port, env), = host_layout(ocgen, 1, d)
        extra = {}
        if cache == "cold":
            os.makedirs(f"{d}/tmp")
            extra["TMPDIR"] = f"{d}/tmp"
        elif cache == "persistent":
            extra["NODE_COMPILE_CACHE"] = f"{d}/home/.openclaw-{name}/cache/node-compile-cache"
        for attempt in range(2 if cache == "persistent" else 1):
            l0 = load()
            t0 = time.time()
            p = start_gateway(env, f"{d}/home", extra)
            cpu = None
            while time.time() - t0 < DEADLINE:
                if p.poll() is not None:
                    break
                if healthy(port, 0.5):
                    cpu = cpu_of(tree(p.pid))
                    break
                time.sleep(0.05)
            wall = time.time() - t0
            stop_all([p])
        return wall, cpu, l0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def cpu_container_once(ocgen):
    """One gateway alone in a container of ocgen's compose file, on the
    engine at $DOCKER_HOST, from nothing: (wall, CPU of its container's
    cgroup at the first passing /healthz through its published port, load).
    What one gateway costs on the Docker target: the image's code with a
    cold compile cache (a new container's /tmp), the health check, init."""
    d = tmpdir()
    dc = ["docker", "compose", "-p", "ocgen-bench-cpu", "-f", f"{d}/compose.yaml"]
    try:
        port, = compose_layout(ocgen, 1, d, None)
        subprocess.run(dc + ["down", "-v"], capture_output=True)
        subprocess.run(dc + ["create"], capture_output=True, check=True)
        cid = subprocess.run(dc + ["ps", "-aq"], capture_output=True,
                             text=True).stdout.split()[0]
        l0 = load()
        t0 = time.time()
        subprocess.run(dc + ["start"], capture_output=True, check=True)
        cpu = None
        while time.time() - t0 < DEADLINE:
            if healthy(port, 0.5):
                cpu = cgroup_cpu(cid)
                break
            time.sleep(0.05)
        return time.time() - t0, cpu, l0
    finally:
        subprocess.run(dc + ["down", "-v", "-t", "30"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def cpu_mode(args):
    ocgen = ocgen_bin(args.ocgen)
    for cache in args.cache.split(","):
        cpus = []
        for run in range(args.runs):
            if cache == "container":
                wall, cpu, l0 = cpu_container_once(ocgen)
            else:
                wall, cpu, l0 = cpu_once(ocgen, cache)
            cpus.append(cpu)
            say(f"cpu cache={cache} run {run + 1}: healthy after {wall:.1f} s wall, "
                f"{cpu if cpu is None else round(cpu, 2)} s CPU (user+sys); {l0}")
        cpus = sorted(c for c in cpus if c is not None)
        if cpus:
            say(f"cpu cache={cache}: median {cpus[len(cpus) // 2]:.2f} s CPU to healthy "
                f"(min {cpus[0]:.2f}, max {cpus[-1]:.2f})")


# --- host: N gateways, all at once or in batches ---------------------------

def host_once(ocgen, n, batch, use_wait):
    """N gateways on the host, `batch` at a time (0: all at once)."""
    d = tmpdir()
    procs = []
    try:
        gws = host_layout(ocgen, n, d)
        k = batch or n
        l0 = load()
        t0 = time.time()
        seen, exits = {}, {}
        for b in range(0, n, k):
            for name, port, env in gws[b:b + k]:
                procs.append(start_gateway(env, f"{d}/home"))
            names = [g[0] for g in gws[b:b + k]]
            if use_wait:
                subprocess.run([ocgen, "-f", f"{d}/ocgen.yaml", "status", "--wait",
                                "--timeout", "10m", *names],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Poll ourselves too: per-gateway times and exits.
            while time.time() - t0 < DEADLINE:
                for i, (name, port, env) in enumerate(gws[:b + k]):
                    if name in seen or name in exits:
                        continue
                    rc = procs[i].poll()
                    if rc is not None:
                        exits[name] = rc
                    elif healthy(port, 0.5):
                        seen[name] = time.time() - t0
                if all(g[0] in seen or g[0] in exits for g in gws[:b + k]):
                    break
                time.sleep(0.1)
        wall = time.time() - t0
        heartbeat = sum(
            "state lease heartbeat did not become ready" in open(f).read()
            for f in glob.glob(f"{d}/home/.openclaw-*/*.out"))
        return dict(wall=wall, healthy=len(seen), n=n, restarts=0,
                    exits=sorted(exits.items()), exit78=sum(1 for _, c in exits.items() if c == 78),
                    heartbeat=heartbeat, load0=l0, load1=load(), seen=seen)
    finally:
        stop_all(procs)
        shutil.rmtree(d, ignore_errors=True)


def host_mode(args):
    ocgen = ocgen_bin(args.ocgen)
    for n in args.n:
        for run in range(args.runs):
            r = host_once(ocgen, n, args.batch, args.use_wait)
            say(f"host n={n} batch={args.batch or 'all'} run {run + 1}: all healthy after "
                f"{r['wall']:.1f} s; healthy {r['healthy']}/{n}; exits {r['exits']}; "
                f"lease-heartbeat failures {r['heartbeat']}; before {r['load0']}; "
                f"after {r['load1']}")
            say("  per gateway: " + ", ".join(f"{k} {v:.1f}" for k, v in r["seen"].items()))


# --- compose ---------------------------------------------------------------

def docker(*a, **kw):
    return subprocess.run(["docker", *a], capture_output=True, text=True, **kw)


def compose_layout(ocgen, n, d, batch, legacy=False, interval=None):
    base = free_base(n)
    y = [f"version: 1\nname: bench\ntargets: [compose]\n"]
    if batch is not None:
        y.append(f"start:\n  batch: {batch}\n")
    y.append("gateways:\n")
    for i in range(n):
        y.append(f"  g{i}:\n    port: {base + 120 * i}\n")
    with open(f"{d}/ocgen.yaml", "w") as f:
        f.write("".join(y))
    r = subprocess.run([ocgen, "-f", f"{d}/ocgen.yaml", "compose"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stderr)
    text = r.stdout
    if legacy:
        # What ocgen wrote before the start policy: every gateway at once,
        # probed every 30 s.
        text = re.sub(r"(    #.*\n)*    depends_on:\n(      .*\n)+", "", text)
        text = text.replace('interval: "5s"', 'interval: "30s"')
        text = text.replace('start_period: "120s"', 'start_period: "90s"')
    if interval:
        text = re.sub(r'interval: "\d+s"', f'interval: "{interval}"', text)
    with open(f"{d}/compose.yaml", "w") as f:
        f.write(text)
    os.makedirs(f"{d}/secrets")
    for i in range(n):
        p = f"{d}/secrets/g{i}.env"
        with open(p, "w") as f:
            f.write(f"OPENCLAW_GATEWAY_TOKEN={secrets.token_hex(16)}\n")
        os.chmod(p, 0o600)
    return [base + 120 * i for i in range(n)]


def compose_once(ocgen, n, batch, legacy=False, interval=None):
    """`docker compose up -d --wait` of ocgen's file for N gateways, from
    nothing (no container, no volume)."""
    d = tmpdir()
    dc = ["docker", "compose", "-p", "ocgen-bench", "-f", f"{d}/compose.yaml"]
    try:
        compose_layout(ocgen, n, d, batch, legacy, interval)
        subprocess.run(dc + ["down", "-v"], capture_output=True)
        l0 = load()
        b0 = busy()
        t0 = time.time()
        r = subprocess.run(dc + ["up", "-d", "--wait", "--wait-timeout", "900"],
                           capture_output=True, text=True)
        wall = time.time() - t0
        b1 = busy()
        ids = subprocess.run(dc + ["ps", "-aq"], capture_output=True,
                             text=True).stdout.split()
        # What the start used: the gateways' containers (their cgroups),
        # and the whole machine busy against its cores x the wall time.
        gw_cpu = sum(cgroup_cpu(i) for i in ids)
        used = (b1[0] - b0[0]) / ((b1[0] - b0[0]) + (b1[1] - b0[1]) or 1)
        info = json.loads(docker("inspect", *ids).stdout or "[]")
        restarts = sum(c["RestartCount"] for c in info)
        codes = [c["State"]["ExitCode"] for c in info if c["State"]["ExitCode"]]
        logs = "".join(docker("logs", i).stderr + docker("logs", i).stdout for i in ids)
        heartbeat = logs.count("state lease heartbeat did not become ready")
        healthy_n = sum(1 for c in info
                        if c["State"].get("Health", {}).get("Status") == "healthy")
        return dict(wall=wall, rc=r.returncode, n=n, healthy=healthy_n, restarts=restarts,
                    gw_cpu=gw_cpu, used=used,
                    exits=codes, exit78=heartbeat + codes.count(78), heartbeat=heartbeat,
                    load0=l0, load1=load(), err=r.stderr.strip()[-800:] if r.returncode else "")
    finally:
        subprocess.run(dc + ["down", "-v", "-t", "30"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def compose_mode(args):
    ocgen = ocgen_bin(args.ocgen)
    for n in args.n:
        for run in range(args.runs):
            r = compose_once(ocgen, n, args.batch, args.legacy, args.interval)
            say(f"compose n={n} batch={args.batch} legacy={args.legacy} "
                f"interval={args.interval} run {run + 1}: up --wait rc {r['rc']} "
                f"after {r['wall']:.1f} s; containers' CPU {r['gw_cpu']:.1f} s "
                f"({r['gw_cpu'] / n:.1f} s a gateway); machine busy {100 * r['used']:.0f} %; "
                f"restarts {r['restarts']}; exit codes {r['exits']}; "
                f"lease-heartbeat failures {r['heartbeat']}; before {r['load0']}; "
                f"after {r['load1']}")
            if r["rc"]:
                say("  " + r["err"].replace("\n", "\n  "))


# --- fleet -----------------------------------------------------------------

def fleet_once(n):
    """`openclaw fleet create` of N cells, one after another."""
    home = tmpdir()
    env = dict(os.environ, HOME=home, PATH=openclaw_path() + ":" + os.environ["PATH"])
    names = [f"bench{i}" for i in range(n)]
    try:
        l0 = load()
        t0 = time.time()
        bad = []
        for c in names:
            r = subprocess.run(["openclaw", "fleet", "create", c, "--image", IMAGE,
                                "--json"], env=env, capture_output=True, text=True)
            if r.returncode:
                bad.append((c, r.returncode, (r.stderr or r.stdout)[-300:]))
        wall = time.time() - t0
        info = json.loads(docker("inspect", *[f"openclaw-cell-{c}" for c in names]).stdout
                          or "[]")
        restarts = sum(c["RestartCount"] for c in info)
        return dict(wall=wall, n=n, failed=bad, restarts=restarts, load0=l0, load1=load())
    finally:
        for c in names:
            subprocess.run(["openclaw", "fleet", "rm", c, "--force"], env=env,
                           capture_output=True)
            docker("rm", "-f", f"openclaw-cell-{c}")
        shutil.rmtree(home, ignore_errors=True)


def fleet_mode(args):
    for n in args.n:
        for run in range(args.runs):
            r = fleet_once(n)
            say(f"fleet n={n} run {run + 1}: {n} x fleet create after {r['wall']:.1f} s; "
                f"failed {r['failed']}; restarts {r['restarts']}; before {r['load0']}; "
                f"after {r['load1']}")


# --- table: everything side by side ------------------------------------------

def table_mode(args):
    """The README's table in one run: the CPU-bound limit, then for each N
    ocgen's compose file, `openclaw fleet create` and the bare host (two at
    a time with `ocgen status --wait`), back to back; --runs of each, and
    --runs-10 of the two ocgen starts of 10 gateways (the no-restart goal)."""
    ocgen = ocgen_bin(args.ocgen)

    def median_cpu(where, once):
        cpus = []
        for run in range(args.cpu_runs):
            wall, cpu, l0 = once(ocgen)
            say(f"cpu {where} run {run + 1}: {cpu} s CPU, {wall:.1f} s wall; {l0}")
            if cpu is not None:
                cpus.append(cpu)
        cpus.sort()
        one = cpus[len(cpus) // 2]
        say(f"one gateway {where}: {one:.2f} s CPU to healthy (median of {len(cpus)})")
        return one

    one = median_cpu("on the host", cpu_once)
    one_boxed = median_cpu("in a container", cpu_container_once)
    cores = os.cpu_count()
    rows = []

    def fmt(rs, limit, boxed=None):
        if not rs:
            return "not run"
        walls = ", ".join(f"{r['wall']:.1f} s" for r in rs)
        ratios = ", ".join(f"{r['wall'] / limit:.1f}x" for r in rs)
        if boxed:
            ratios += "; to the container's limit " + ", ".join(
                f"{r['wall'] / boxed:.2f}x" for r in rs)
        loads = "; ".join(r["load0"].replace("load ", "") for r in rs)
        bad = [r for r in rs if r.get("restarts") or r.get("exit78") or r.get("failed")
               or r.get("rc") or r.get("exits") or r.get("healthy", r["n"]) < r["n"]]
        trouble = ("no restart, no exit 78" if not bad else
                   "**" + "; ".join(f"restarts {r.get('restarts')}, exit 78 {r.get('exit78')}, "
                                     f"failed {r.get('failed') or r.get('rc')}" for r in bad) + "**")
        return f"{walls} ({ratios}; load {loads}); {trouble}"

    for n in args.n:
        limit = n * one / cores
        limit_boxed = n * one_boxed / cores
        runs = args.runs_10 if n >= 10 else args.runs
        res = {"compose": [], "fleet": [], "host": []}
        for run in range(runs):
            r = compose_once(ocgen, n, None)
            res["compose"].append(r)
            say(f"n={n} compose run {run + 1}: {r['wall']:.1f} s rc {r['rc']}; containers' CPU "
                f"{r['gw_cpu']:.1f} s, machine busy {100 * r['used']:.0f} %; restarts "
                f"{r['restarts']} exits {r['exits']} heartbeat {r['heartbeat']}; {r['load0']}")
            if run < args.runs:
                r = fleet_once(n)
                res["fleet"].append(r)
                say(f"n={n} fleet run {run + 1}: {r['wall']:.1f} s failed {r['failed']} "
                    f"restarts {r['restarts']}; {r['load0']}")
            r = host_once(ocgen, n, 2, True)
            res["host"].append(r)
            say(f"n={n} host run {run + 1}: {r['wall']:.1f} s healthy {r['healthy']}/{n} "
                f"exits {r['exits']} heartbeat {r['heartbeat']}; {r['load0']}")
        ratio = ""
        if res["compose"] and res["fleet"]:
            c = sorted(r["wall"] for r in res["compose"])[len(res["compose"]) // 2]
            f = sorted(r["wall"] for r in res["fleet"])[len(res["fleet"]) // 2]
            ratio = f"{c / f:.2f}x"
        rows.append((n, f"{limit:.1f} s ({limit_boxed:.1f} s in containers)",
                     fmt(res["compose"], limit, limit_boxed), fmt(res["fleet"], limit),
                     ratio, fmt(res["host"], limit)))
    say("")
    say(f"| gateways | CPU-bound limit ({one:.1f} s x N / {cores}; in a container "
        f"{one_boxed:.1f} s x N / {cores}) | ocgen, Docker "
        f"(`up -d --wait`) | `openclaw fleet create` | ocgen / fleet (medians) | "
        f"ocgen, bare host (2 at a time, `status --wait`) |")
    say("|---:|---:|---|---|---:|---|")
    for n, limit, c, f, ratio, h in rows:
        say(f"| {n} | {limit} | {c} | {f} | {ratio} | {h} |")


# --- probe -----------------------------------------------------------------

def daemon_pids():
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            cmd = open(f"/proc/{p}/cmdline").read()
        except OSError:
            continue
        sock = os.environ.get("DOCKER_HOST", "").removeprefix("unix://")
        state = os.path.dirname(sock)
        if state and state in cmd and any(
                w in cmd for w in ("dockerd", "containerd", "containerd-shim")):
            pids.append(int(p))
    return pids


def cgroup_cpu(cid):
    for pat in ("/sys/fs/cgroup/cpuacct/**/%s*/cpuacct.usage",
                "/sys/fs/cgroup/cpu,cpuacct/**/%s*/cpuacct.usage"):
        for f in glob.glob(pat % cid, recursive=True):
            return int(open(f).read()) / 1e9
    for f in glob.glob("/sys/fs/cgroup/**/*%s*/cpu.stat" % cid, recursive=True):
        for line in open(f):
            if line.startswith("usage_usec"):
                return int(line.split()[1]) / 1e6
    return 0.0


def probe_mode(args):
    ocgen = ocgen_bin(args.ocgen)
    d = tmpdir()
    dc = ["docker", "compose", "-p", "ocgen-bench-probe", "-f", f"{d}/compose.yaml"]
    try:
        port, = compose_layout(ocgen, 1, d, None)
        r = subprocess.run(dc + ["up", "-d", "--wait", "--wait-timeout", "600"],
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(r.stderr)
        cid = subprocess.run(dc + ["ps", "-q"], capture_output=True, text=True).stdout.split()[0]
        time.sleep(30)  # let the post-start work settle
        node = ("fetch('http://127.0.0.1:%d/healthz').then(r=>r.json()).then("
                "j=>process.exit(j.ok===true?0:1),()=>process.exit(1))" % port)
        shell = ("exec 3<>/dev/tcp/127.0.0.1/%d && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3"
                 " && grep -q '\"ok\":true' <&3" % port)
        # The health check as ocgen wrote it (CMD ...), from the container.
        ours = json.loads(docker("inspect", cid).stdout)[0]["Config"]["Healthcheck"]["Test"][1:]
        cases = [("idle (no probe)", None), ("node -e fetch", ["node", "-e", node]),
                 ("bash /dev/tcp + grep", ["bash", "-c", shell]),
                 ("ocgen's health check", ours), ("true", ["true"])]
        for label, cmd in cases:
            daemons = daemon_pids()
            c0, d0, t0 = cgroup_cpu(cid), cpu_of(daemons), time.time()
            fails = 0
            for _ in range(args.probes):
                if cmd is None:
                    time.sleep(0.5)
                    continue
                r = subprocess.run(["docker", "exec", cid, *cmd], capture_output=True)
                fails += r.returncode != 0
            c1, d1, t1 = cgroup_cpu(cid), cpu_of(daemons), time.time()
            per = ((c1 - c0) + (d1 - d0)) / args.probes
            say(f"probe {label}: {args.probes} runs, {fails} failed; per run "
                f"{1000 * (c1 - c0) / args.probes:.1f} ms CPU in the container + "
                f"{1000 * (d1 - d0) / args.probes:.1f} ms in dockerd/containerd/shim = "
                f"{1000 * per:.1f} ms; wall {1000 * (t1 - t0) / args.probes:.0f} ms; {load()}")
    finally:
        subprocess.run(dc + ["down", "-v", "-t", "30"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["cpu", "host", "compose", "fleet", "probe", "table"])
    ap.add_argument("--n", default="6", help="gateway counts, comma-separated")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=None,
                    help="host: K at a time (0: all at once); compose: start.batch")
    ap.add_argument("--use-wait", action="store_true",
                    help="host: wait for each batch with `ocgen status --wait`")
    ap.add_argument("--legacy", action="store_true",
                    help="compose: ocgen's file before the start policy (all at once, 30 s probes)")
    ap.add_argument("--interval", help="compose: another health check interval, e.g. 2s")
    ap.add_argument("--probes", type=int, default=20)
    ap.add_argument("--cache", default="default",
                    help="cpu: compile cache default|cold|persistent, or container (one "
                         "gateway in a container on $DOCKER_HOST), comma-separated")
    ap.add_argument("--cpu-runs", type=int, default=3, help="table: runs of one gateway alone")
    ap.add_argument("--runs-10", type=int, default=5,
                    help="table: runs of the ocgen starts for 10 gateways or more")
    ap.add_argument("--ocgen", help="the ocgen binary (default: target/release, then debug)")
    args = ap.parse_args()
    args.n = [int(x) for x in args.n.split(",")]
    {"cpu": cpu_mode, "host": host_mode, "compose": compose_mode, "fleet": fleet_mode,
     "probe": probe_mode, "table": table_mode}[args.mode](args)


if __name__ == "__main__":
    main()
