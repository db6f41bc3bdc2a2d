#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: the pinned
# flatc (schema generation and its staleness test) and the npm packages
# from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=()
if [ "$(flatc --version 2>/dev/null)" != "flatc version 2.0.8" ]; then
  debian_packages+=(flatbuffers-compiler)
fi
if [ ${#debian_packages[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${debian_packages[@]}" >/dev/null
fi

# onnxruntime-node's install step would fetch GPU binaries from an unreachable
# host; the CPU binaries it needs ship inside the package.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund

# ExecuTorch's C++ runtime as a Node addon, built from the pinned sources into
# a cache folder (a cache hit after the first run).
bash native/build.sh >/dev/null

# A real VS Code (the server in npm code-server, pinned in tools/vscode/) and
# Debian's chromium for the integration and browser tests, in a cache folder.
bash scripts/vscode/install.sh >/dev/null
