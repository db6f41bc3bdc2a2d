#!/usr/bin/env bash
# Installs what the integration and browser tests need, idempotently:
# Debian's chromium (the browser that drives the workbench), libkrb5-dev (the
# `kerberos` addon of VS Code builds from source), ripgrep (seeds the download
# cache of @vscode/ripgrep), and VS Code itself — the server and web workbench
# shipped in npm `code-server`, pinned by tools/vscode/package-lock.json and
# installed into a cache folder keyed by the lockfile, never into node_modules.
# Prints the cache folder on its last line. Usage: scripts/vscode/install.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pins="$root/tools/vscode"

missing=()
for pkg in chromium libkrb5-dev ripgrep; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cache="$(node "$root/scripts/vscode/cacheDir.js")"
if [ -f "$cache/.complete" ]; then
  echo "$cache"
  exit 0
fi

# @vscode/ripgrep downloads rg during install unless its cache holds the
# archive; Debian's rg is the same upstream 13.0.0. The names belong to the
# @vscode/ripgrep version code-server 4.100.3 depends on.
seed="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
mkdir -p "$seed"
tar czf "$seed/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg

rm -rf "$cache"
mkdir -p "$cache"
cp "$pins/package.json" "$pins/package-lock.json" "$cache/"
# npm_config_yes: node-pty's postinstall runs `npx node-gyp` without a terminal;
# unsafe_perm: code-server's postinstall refuses root otherwise; allow-all-scripts:
# its postinstall runs nested installs whose native addons must build.
(
  cd "$cache"
  npm_config_yes=true npm_config_unsafe_perm=true npm_config_dangerously_allow_all_scripts=true \
    npm ci --foreground-scripts --no-audit --no-fund >"$cache/install.log" 2>&1
) || { tail -40 "$cache/install.log" >&2; echo "VS Code install failed; full log: $cache/install.log" >&2; exit 1; }
test -f "$cache/node_modules/code-server/lib/vscode/out/server-main.js"
touch "$cache/.complete"
echo "$cache"
