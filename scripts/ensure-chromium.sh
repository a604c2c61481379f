#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests and prints its path.
# As root it installs the distribution package (never a browser downloaded by a test
# tool); otherwise it says what to install. CHROMIUM=/path overrides the binary.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "$CHROMIUM"
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM not found; installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  install() {
    apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends chromium >&2
  }
  # A fresh machine may have no package lists yet: update once, then retry.
  if ! install; then
    apt-get update -q -o DPkg::Lock::Timeout=600 >&2
    install
  fi
  if [ -x "$CHROMIUM" ]; then
    echo "$CHROMIUM"
    exit 0
  fi
fi

cat >&2 <<MSG
ensure-chromium: Chromium is missing ($CHROMIUM).
The browser tests drive the distribution's Chromium through playwright-core.
Install it with:   sudo apt-get install -y --no-install-recommends chromium
or point CHROMIUM at an existing Chromium/Chrome binary.
MSG
exit 1
