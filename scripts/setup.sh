#!/usr/bin/env bash
# Installs what a fresh machine lacks: Debian packages, pnpm 10, node modules. Quick and silent when
# everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make g++ python3 iproute2 util-linux conntrack iputils-ping nftables curl nats-server tmux bpftrace
  g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64)  # mingw: the Windows addon, cross-compiled (native/win)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  [ "$(id -u)" = 0 ] || { echo "setup: need root to apt-get install ${missing[*]}" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
  echo "setup: installing pnpm 10 with npm (corepack cannot fetch it here)"
  npm install -g pnpm@10 --silent >/dev/null 2>&1
fi

# node_modules are current when the lockfile has not changed since the last install.
stamp=node_modules/.kwire-install-stamp
if [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ] || [ ! -d native/node_modules ]; then
  echo "setup: pnpm install"
  pnpm install --frozen-lockfile --reporter=silent
  touch "$stamp"
fi
