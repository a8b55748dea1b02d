#!/usr/bin/env bash
# Installs what sep's tests need on a fresh machine, and nothing that is already
# there: Debian's chromium (the browser tests drive it through playwright-core;
# no browser is downloaded), Debian's postgresql (sep sql's tests), and the pinned npm packages of e2e/ (playwright-core,
# wrangler with its workerd, dynalite, and @duckdb/node-api for make bench).
# AWS's Runtime Interface Emulator (the Lambda tests run the bootstrap under it)
# is built from tools/ (its own Go module, pinned) into Go's build cache here, so
# a missing module fails now rather than in the middle of the tests.
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

# PostgreSQL runs sep sql's postgres query (cmd/sep's warehouse test starts a
# server of its own in a temporary folder; the package's cluster is not used).
pg_initdb() { ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_initdb)" ]; then
  say "installing Debian's postgresql (apt-get)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "postgresql is missing and this is not root: run 'apt-get install postgresql' as root"
    SUDO=sudo
  fi
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
    || die "apt-get install postgresql failed"
fi
[ -n "$(pg_initdb)" ] || die "postgresql's initdb is missing after apt-get install"
"$(pg_initdb)" --version >/dev/null || die "$(pg_initdb) does not run"
say "postgresql: $("$(pg_initdb)" --version)"
say "chromium: $(/usr/bin/chromium --version 2>/dev/null)"

# npm install when a package of the lock file is missing or at another version
# in node_modules (by content, not by file dates: a fresh checkout's lock file is
# newer than an installed, shared node_modules, and npm install would replace a
# symlinked node_modules with a copy).
stale=$(cd e2e && node -e '
const fs = require("fs"), lock = require("./package-lock.json"), bad = [];
for (const [p, info] of Object.entries(lock.packages)) {
  if (!p || info.optional || p.split("node_modules/").length !== 2) continue; // top-level, not platform-optional
  try {
    const v = JSON.parse(fs.readFileSync(p + "/package.json")).version;
    if (v !== info.version) bad.push(p + " " + v + " (locked " + info.version + ")");
  } catch (e) { bad.push(p + " missing"); }
}
console.log(bad.join(", "));') || die "reading e2e/package-lock.json failed"
if [ -n "$stale" ]; then
  say "e2e/node_modules differs from the lock file: $stale"
  say "installing the pinned npm packages of e2e/ (npm install from the lock file)"
  # npm ci refuses this lock (npm 11 and the platform-optional packages of
  # @duckdb/node-api); npm install with the lock installs the same versions.
  (cd e2e && npm install --no-audit --no-fund --loglevel=error) || die "npm install in e2e/ failed"
fi
for pkg in playwright-core @axe-core/playwright wrangler dynalite @duckdb/node-api @segment/analytics-node @rudderstack/rudder-sdk-node; do
  [ -d "e2e/node_modules/$pkg" ] || die "e2e/node_modules/$pkg is missing after npm install"
done
workerd=$(find e2e/node_modules/ -path '*workerd-linux-64/bin/workerd' -type f | head -1)
[ -n "$workerd" ] || die "wrangler's workerd binary is missing from e2e/node_modules"
"$workerd" --version >/dev/null || die "$workerd does not run"
say "wrangler $(cd e2e && node node_modules/wrangler/bin/wrangler.js --version 2>/dev/null | tail -1), $("$workerd" --version 2>&1 | head -1), dynalite, playwright-core: ready"

rie_dir=$(mktemp -d)
trap 'rm -rf "$rie_dir"' EXIT
go build -C tools -o "$rie_dir/aws-lambda-rie" github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie \
  || die "building aws-lambda-rie from tools/ failed (is the Go module proxy reachable?)"
[ -x "$rie_dir/aws-lambda-rie" ] || die "aws-lambda-rie was not built"
say "aws-lambda-rie $(go list -C tools -m -f '{{.Version}}' github.com/aws/aws-lambda-runtime-interface-emulator): ready"
