#!/usr/bin/env bash
# The main job on files we can ship with the project today: the real
# ExecuTorch linear program and its weights beside this checkout in
# ../shared/fixtures/real (replaced by generated LoRA samples once the writer lands).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
real=../shared/fixtures/real
node bin/pte-explorer.js inspect "$real/et-2025-02-linear.pte"
node bin/pte-explorer.js inspect "$real/et-2025-02-linear.ptd"
node bin/pte-explorer.js link "$real/et-2025-02-linear.pte" "$real/et-2025-02-linear.ptd"
node bin/pte-explorer.js inspect "$real/djl-spike-conv.pte"
