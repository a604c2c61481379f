#!/usr/bin/env bash
# start.sh — `npm start`: set-up, then the essay's examples computed by the wasm kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/demo.mjs
