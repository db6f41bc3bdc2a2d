#!/usr/bin/env bash
# The main job on built-in sample artifacts: generate a tiny LoRA set (a
# foundation .ptd shared by a base program and three adapters, portable and
# XNNPACK-delegated), then inspect, link, run and compare it.
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
cli diff samples/lora/lora_a.pte samples/lora/lora_b.pte --data-a samples/lora/foundation.ptd --data-a samples/lora/lora_a.ptd --data-b samples/lora/foundation.ptd --data-b samples/lora/lora_b.ptd || true
