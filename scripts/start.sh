#!/usr/bin/env bash
# start.sh — `npm start`: set-up, then the playground served on 127.0.0.1 (it prints the URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/serve.mjs
