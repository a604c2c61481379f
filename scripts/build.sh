#!/usr/bin/env bash
# build.sh — the wasm modules in dist/ (SIMD128 and scalar), from CMakeLists.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Emscripten needs Node to find its own modules (acorn) for -O2/-O3 links.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
if [ ! -f build/wasm/CMakeCache.txt ]; then
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/wasm -j"$(nproc)" 2>&1 | grep -v -E '^\[ *[0-9]+%\]|^gmake|^make' || true
test -f dist/softmax-simd.wasm && test -f dist/softmax-scalar.wasm
