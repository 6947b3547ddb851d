#!/usr/bin/env bash
# Install the "interop" CalDAV servers the tests start privately (tests/servers.py):
# Cyrus IMAP 3.6 with its CalDAV module, and SabreDAV 1.8 under PHP's built-in web server.
#
# Idempotent and non-interactive: installs only the Debian packages that are missing, and starts
# no system-wide service. Debian's cyrus-imapd (and the exim4 it pulls in) would start on install;
# a temporary policy-rc.d forbids that, and any instance that runs anyway is stopped and disabled,
# so nothing holds ports: each test session starts its own instances on ephemeral ports.
#
# Needs root (or sudo) and Debian 12 (bookworm) packages. Exits non-zero with a message on failure.
set -euo pipefail

PACKAGES=(cyrus-imapd cyrus-caldav sasl2-bin php-cli php-sqlite3 php-sabre-dav)
# system-wide services these packages bring, as service:package-that-ships-it
SERVICES=(cyrus-imapd:cyrus-common exim4:exim4-base)

NAME=install-interop-servers WHAT="the interop servers"
# shellcheck source=scripts/apt-access.sh
source "$(dirname "$0")/apt-access.sh"
command -v dpkg-query >/dev/null 2>&1 || fail "dpkg-query not found"

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
declare -A was_installed=()
for entry in "${SERVICES[@]}"; do
  if installed "${entry#*:}"; then was_installed[${entry%%:*}]=1; else was_installed[${entry%%:*}]=0; fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-interop-servers: all installed (${PACKAGES[*]})"
else
  echo "install-interop-servers: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Forbid maintainer scripts from starting services, unless a policy already exists
  # (container images often ship one); ours is removed again whatever happens.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from calgate scripts/install-interop-servers.sh\nexit 101\n' \
      | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    own_policy=1
  fi
  cleanup() {
    if [ "$own_policy" -eq 1 ]; then "${SUDO[@]}" rm -f "$policy"; fi
  }
  trap cleanup EXIT
  "${SUDO[@]}" apt-get update -qq || fail "apt-get update failed"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends -o Dpkg::Options::=--force-confdef \
    -o Dpkg::Options::=--force-confold "${missing[@]}" \
    || fail "apt-get install ${missing[*]} failed"
  cleanup
  trap - EXIT
fi

# No system-wide instance that this run installed may keep running or start at boot. Services
# that were installed before (an exim4 someone uses, say) are left alone.
for entry in "${SERVICES[@]}"; do
  service=${entry%%:*}
  [ "${was_installed[$service]:-1}" = 0 ] || continue
  [ -e "/etc/init.d/$service" ] || [ -e "/lib/systemd/system/$service.service" ] || continue
  echo "install-interop-servers: disabling the system-wide $service service"
  if command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
      "${SUDO[@]}" systemctl disable --now "$service" >/dev/null 2>&1 || true
    else
      "${SUDO[@]}" systemctl disable "$service" >/dev/null 2>&1 || true  # offline: unit links
    fi
  fi
  "${SUDO[@]}" update-rc.d "$service" disable >/dev/null 2>&1 || true
  if [ -x "/etc/init.d/$service" ]; then
    "${SUDO[@]}" "/etc/init.d/$service" stop >/dev/null 2>&1 || true
  fi
done
if pgrep -x cyrmaster >/dev/null 2>&1 || pgrep -f '^/usr/lib/cyrus/bin/master -d' >/dev/null 2>&1; then
  echo "install-interop-servers: note: a system-wide Cyrus is running; the tests do not use it" >&2
fi

# Check that what the tests run is there.
for exe in /usr/lib/cyrus/bin/master /usr/lib/cyrus/bin/imapd /usr/lib/cyrus/bin/httpd \
  /usr/sbin/saslpasswd2; do
  [ -x "$exe" ] || fail "$exe is missing after install"
done
command -v php >/dev/null 2>&1 || fail "php is missing after install"
[ -f /usr/share/php/Sabre/autoload.php ] || fail "SabreDAV (/usr/share/php/Sabre) is missing"
for schema in calendars principals users locks; do
  file=/usr/share/doc/php-sabre-dav/examples/sql/sqlite.$schema.sql
  [ -f "$file" ] || fail "$file is missing (is /usr/share/doc excluded by a dpkg path-exclude?)"
done
php -r 'exit(extension_loaded("pdo_sqlite") ? 0 : 1);' \
  || fail "PHP has no pdo_sqlite extension (php-sqlite3)"
echo "install-interop-servers: ok"
