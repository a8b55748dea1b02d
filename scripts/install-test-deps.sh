#!/usr/bin/env bash
# Installs what sep's tests need on a fresh machine, and nothing that is already
# there: Debian's chromium (the browser tests drive it through playwright-core;
# no browser is downloaded), and the pinned npm packages of e2e/ (playwright-core,
# wrangler with its workerd, dynalite, and @duckdb/node-api for make bench).
# It fails loudly when something cannot be installed: nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'install-test-deps: %s\n' "$*"; }
die() { printf 'install-test-deps: ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH"
command -v node >/dev/null || die "node is not on PATH (Node.js 20 or later is needed)"
command -v npm >/dev/null || die "npm is not on PATH"

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium (apt-get)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "chromium is missing and this is not root: run 'apt-get install chromium' as root"
    SUDO=sudo
  fi
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || die "apt-get install chromium failed"
fi
/usr/bin/chromium --version >/dev/null 2>&1 || die "/usr/bin/chromium does not run"
say "chromium: $(/usr/bin/chromium --version 2>/dev/null)"

# npm install when node_modules is missing or older than the lock file.
stamp=e2e/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ e2e/package-lock.json -nt "$stamp" ]; then
  say "installing the pinned npm packages of e2e/ (npm install from the lock file)"
  # npm ci refuses this lock (npm 11 and the platform-optional packages of
  # @duckdb/node-api); npm install with the lock installs the same versions.
  (cd e2e && npm install --no-audit --no-fund --loglevel=error) || die "npm install in e2e/ failed"
fi
for pkg in playwright-core wrangler dynalite @duckdb/node-api @segment/analytics-node @rudderstack/rudder-sdk-node; do
  [ -d "e2e/node_modules/$pkg" ] || die "e2e/node_modules/$pkg is missing after npm install"
done
workerd=$(find e2e/node_modules -path '*workerd-linux-64/bin/workerd' -type f | head -1)
[ -n "$workerd" ] || die "wrangler's workerd binary is missing from e2e/node_modules"
"$workerd" --version >/dev/null || die "$workerd does not run"
say "wrangler $(cd e2e && node node_modules/wrangler/bin/wrangler.js --version 2>/dev/null | tail -1), $("$workerd" --version 2>&1 | head -1), dynalite, playwright-core: ready"
