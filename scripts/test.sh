#!/usr/bin/env bash
# test.sh — `npm test`: set-up, lint (Biome: `npm run lint`), the native C++
# kernel tests (the same source through SIMDe and as scalar, then under
# AddressSanitizer + UBSan), and the Node suite against both wasm builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --native
bash scripts/ensure-chromium.sh >/dev/null   # Debian's Chromium for the playground's end-to-end test
clang-format --dry-run -Werror cpp/*.h cpp/*.cc tests/cpp/*.h tests/cpp/*.cc bindings/module.cc  # C++ style: .clang-format

echo "== lint and format check of the JS (Biome) =="
npm run --silent lint

jobs=$(nproc)
echo "== native kernel tests (SIMDe SIMD128 + scalar) =="
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j"$jobs" >/dev/null
ctest --test-dir build/native --output-on-failure

echo "== native kernel tests under AddressSanitizer + UBSan =="
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSOFTMAX_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs" >/dev/null
ctest --test-dir build/asan --output-on-failure

echo "== Node tests (wasm SIMD128 and scalar builds, the playground in Chromium, and tests/consumers: the packed package in bundlers, TypeScript and browsers) =="
node --test tests/
