#!/usr/bin/env bash
# setup.sh — everything `npm start` and `npm test` need, on a fresh Debian 12
# machine with Node and npm: the system tools (from apt, when run as root),
# the npm dependencies, and the wasm build.
#   scripts/setup.sh            tools for the wasm build, npm deps, build
#   scripts/setup.sh --native   also the native test toolchain (g++, GoogleTest, SIMDe)
# (Chromium for the browser tests: scripts/ensure-chromium.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."

want_native=0
for arg in "$@"; do
  case "$arg" in
    --native) want_native=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
command -v em++ >/dev/null 2>&1 || missing+=(emscripten)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v make >/dev/null 2>&1 || missing+=(make)
if [ "$want_native" = 1 ]; then
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  [ -f /usr/include/simde/wasm/simd128.h ] || missing+=(libsimde-dev)
  [ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
  command -v clang-format >/dev/null 2>&1 || missing+=(clang-format)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq -o DPkg::Lock::Timeout=600
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}. Install them first, e.g.: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# npm dependencies, when the lock file is newer than what is installed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/build.sh
