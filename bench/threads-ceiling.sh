#!/usr/bin/env bash
# threads-ceiling.sh — what two cores of this machine allow, whatever the library: each case runs
# one single-thread process alone, then two identical ones at once (bench/lib/one-process.mjs).
# If two independent processes each slow down by f, two threads of one process cannot scale past
# 2/f. Run on a quiet machine: bash bench/threads-ceiling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for c in {softmax,logSoftmax,crossEntropy}\ {32x50257,1024x1000,8x21x16384@1}; do
  # shellcheck disable=SC2086
  alone=$(node bench/lib/one-process.mjs $c)
  # shellcheck disable=SC2086
  both=$( (node bench/lib/one-process.mjs $c & node bench/lib/one-process.mjs $c; wait) | tr '\n' ' ')
  echo "$c alone: $alone | two at once: $both"
done
