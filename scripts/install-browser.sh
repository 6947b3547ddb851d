#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/ui). Playwright cannot download its own
# browsers on these machines, so the tests launch /usr/bin/chromium (CALGATE_TEST_CHROMIUM
# overrides). When chromium is already there this is one file test: `make test` runs it each time.
#
# Needs root (or sudo) and apt access to Debian packages. Exits non-zero with a message on failure.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

# the cheap path, every `make test`: a browser is there already
[ -n "${CALGATE_TEST_CHROMIUM:-}" ] && [ -x "$CALGATE_TEST_CHROMIUM" ] && exit 0
[ -x "$CHROMIUM" ] && exit 0

NAME=install-browser WHAT=chromium
# shellcheck source=scripts/apt-access.sh
source "$(dirname "$0")/apt-access.sh"

echo "install-browser: installing Debian's chromium (once; under a minute)" >&2
export DEBIAN_FRONTEND=noninteractive
# apt's chatter goes to a log that is shown only when something fails
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# a stale package list gives 404s for superseded versions: update first
if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get could not install chromium"
fi
[ -x "$CHROMIUM" ] || fail "$CHROMIUM missing after install"
echo "install-browser: $("$CHROMIUM" --version 2>/dev/null)" >&2
