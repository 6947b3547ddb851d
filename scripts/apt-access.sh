# Sourced by the scripts that install Debian packages for the tests (install-browser.sh,
# install-interop-servers.sh): `fail`, and SUDO, the prefix that runs apt-get as root (empty
# when already root). Set NAME (for messages) and WHAT (what needs the packages) first.

fail() {
  echo "$NAME: $*" >&2
  exit 1
}

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  fail "must run as root (or with sudo) to install $WHAT"
fi
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: $WHAT comes from Debian's packages"
