#!/usr/bin/env bash
# The main job on built-in sample artifacts: generate a tiny LoRA set (a
# foundation .ptd shared by a base program and three adapters, portable and
# XNNPACK-delegated), then inspect, link, run (on ExecuTorch's own runtime,
# with a profile) and compare it; and an int8 Cortex-M program run on the PC.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
cli() { echo "\$ pte-explorer $*"; node bin/pte-explorer.js "$@"; echo; }
cli sample lora --out samples/lora
cli inspect samples/lora/lora_a.pte
cli inspect samples/lora/foundation.ptd
cli link samples/lora/lora_a.pte samples/lora/foundation.ptd samples/lora/lora_a.ptd
cli sample lora --backend xnnpack --out samples/lora-xnnpack
cli link samples/lora-xnnpack/lora_b.pte --discover
cli run samples/lora/lora_a.pte --data samples/lora/foundation.ptd --data samples/lora/lora_a.ptd --random 1
cli run samples/lora-xnnpack/lora_a.pte --data samples/lora-xnnpack/foundation.ptd --data samples/lora-xnnpack/lora_a.ptd --profile 3
cli sample cortex-m --out samples/cortex-m
cli run samples/cortex-m/cortex_m.pte
cli diff samples/lora/lora_a.pte samples/lora/lora_b.pte --data-a samples/lora/foundation.ptd --data-a samples/lora/lora_a.ptd --data-b samples/lora/foundation.ptd --data-b samples/lora/lora_b.ptd || true
