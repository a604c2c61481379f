#!/usr/bin/env bash
# build.sh — the package's build output in dist/: the wasm modules (SIMD128 and scalar) and their
# glue, from CMakeLists.txt, then the CommonJS entry and its declarations (scripts/build-js.mjs).
# Fails when anything fails (a compile error must never leave a stale dist/ that passes).
#   SOFTMAX_BUILD_DIR   the CMake build folder (default build/wasm)
#   SOFTMAX_CMAKE_ARGS  extra configure arguments (tests/build.test.mjs uses both)
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Emscripten needs Node to find its own modules (acorn) for -O2/-O3 links.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
build_dir=${SOFTMAX_BUILD_DIR:-build/wasm}
# Configure every time (a second or two): it regenerates dist/wasm-urls.mjs if dist/ was removed.
# shellcheck disable=SC2086
emcmake cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${SOFTMAX_CMAKE_ARGS:-} >/dev/null
# The progress lines are noise; the status is cmake's (pipefail), not grep's.
cmake --build "$build_dir" -j"$(nproc)" 2>&1 | { grep -v -E '^\[ *[0-9]+%\]|^gmake|^make' || true; }
if [ -n "${SOFTMAX_CMAKE_ARGS:-}" ]; then exit 0; fi   # a test build: dist/ is not ours to finish
rm -f dist/softmax-threads.worker.js  # Emscripten's pthread worker: unused (bindings/threads.js starts the workers)
for f in softmax-simd.wasm softmax-scalar.wasm softmax-threads.wasm softmax-simd.mjs softmax-simd-csp.mjs \
         softmax-threads.mjs softmax-threads-csp.mjs \
         softmax-scalar.mjs softmax-scalar-csp.mjs wasm-urls.mjs; do
  test -f "dist/$f" || { echo "build.sh: dist/$f was not built" >&2; exit 1; }
done
node scripts/build-js.mjs
