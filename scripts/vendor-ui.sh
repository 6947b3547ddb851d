#!/usr/bin/env bash
# Refresh the vendored front-end assets in src/calgate/ui/static/vendor/ from npm, at the exact
# versions pinned below, after checking each tarball against its pinned sha512 integrity.
# A maintainer's tool, not run in CI. To move to a new version: `npm view PACKAGE@VERSION
# dist.integrity`, change the pin here, run this script, update VERSIONS.md, run tests/ui.
#
# Needs npm (and its node) and tar. Exits non-zero with a message on failure.
set -euo pipefail

HTMX_VERSION=2.0.11
HTMX_INTEGRITY=sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==
EC_VERSION=5.10.1
EC_INTEGRITY=sha512-iAR/l5oeFwqt7mfjBGsrpTiWFOt8yfI7PxV0OqnGaTzZGxvre2QeI0TNNlTpuefoMPd15qseQlfWpxiORzJOMA==
SWAGGER_VERSION=5.35.0
SWAGGER_INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==

cd "$(dirname "$0")/.."
DEST=src/calgate/ui/static/vendor

fail() {
  echo "vendor-ui: $*" >&2
  exit 1
}

for tool in npm node tar; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch PACKAGE@VERSION INTEGRITY: packs the tarball, checks it, extracts it to $work/NAME/
fetch() {
  local spec=$1 integrity=$2 name=$3 tgz actual
  tgz=$(cd "$work" && npm pack --silent "$spec" | tail -n1)
  [ -f "$work/$tgz" ] || fail "npm pack $spec gave no tarball"
  # npm's integrity string: sha512- and the base64 of the tarball's SHA-512 digest
  actual=$(node -e '
    const data = require("fs").readFileSync(process.argv[1]);
    console.log("sha512-" + require("crypto").createHash("sha512").update(data).digest("base64"));
  ' "$work/$tgz")
  [ "$actual" = "$integrity" ] || fail "$spec: integrity $actual, pinned $integrity"
  mkdir -p "$work/$name"
  tar -xzf "$work/$tgz" -C "$work/$name" --strip-components=1
}

fetch "htmx.org@$HTMX_VERSION" "$HTMX_INTEGRITY" htmx
fetch "@event-calendar/build@$EC_VERSION" "$EC_INTEGRITY" ec
fetch "swagger-ui-dist@$SWAGGER_VERSION" "$SWAGGER_INTEGRITY" swagger

mkdir -p "$DEST"
cp "$work/htmx/dist/htmx.min.js" "$DEST/htmx.min.js"
cp "$work/htmx/LICENSE" "$DEST/htmx.LICENSE.txt"
# The source map stays out: nothing needs it, and the script's trailing sourceMappingURL comment
# only makes an open devtools ask for it (a 404, no harm).
cp "$work/ec/dist/event-calendar.min.js" "$DEST/event-calendar.min.js"
cp "$work/ec/dist/event-calendar.min.css" "$DEST/event-calendar.min.css"

# @event-calendar/build ships no LICENSE file: its text (MIT, vkurko) lives in the repository and
# is kept in event-calendar.LICENSE.txt by hand. Refuse a release whose declared license changed.
license=$(node -p "require('$work/ec/package.json').license")
[ "$license" = "MIT" ] || fail "@event-calendar/build@$EC_VERSION declares license '$license', not MIT"
[ -f "$DEST/event-calendar.LICENSE.txt" ] || fail "$DEST/event-calendar.LICENSE.txt is missing"

# Swagger UI for /api/docs (FastAPI's default page loads it from a CDN): the bundle without its
# source-map comment (the map stays out), its CSS, licence, notice and the favicon.
mkdir -p "$DEST/swagger-ui"
sed 's|//# sourceMappingURL=.*||' "$work/swagger/swagger-ui-bundle.js" >"$DEST/swagger-ui/swagger-ui-bundle.js"
cp "$work/swagger/swagger-ui.css" "$work/swagger/favicon-32x32.png" "$DEST/swagger-ui/"
cp "$work/swagger/LICENSE" "$DEST/swagger-ui/LICENSE.txt"
cp "$work/swagger/NOTICE" "$DEST/swagger-ui/NOTICE.txt"
cp "$work/swagger/swagger-ui-bundle.js.LICENSE.txt" "$DEST/swagger-ui/"

echo "vendor-ui: htmx.org $HTMX_VERSION , @event-calendar/build $EC_VERSION and swagger-ui-dist $SWAGGER_VERSION copied to $DEST" >&2
