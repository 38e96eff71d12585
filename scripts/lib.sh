# Shared by scripts/setup, scripts/test and scripts/develop: where things live and how to run
# a command with the project's toolchain. Sourced, never executed.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${DELUGE_WEBAPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deluge-webapi-ha}"
ROOTFS="$CACHE_DIR/rootfs"
# Which Home Assistant the tests run against: "current" (requirements_test.txt, Python 3.14) or
# "minimum" (the oldest release hacs.json admits, Python 3.13): scripts/test --min-ha.
HA_TARGET="${DELUGE_WEBAPI_HA_TARGET:-current}"
if [ "$HA_TARGET" = minimum ]; then
  HA_VENV="$CACHE_DIR/venv-ha-minimum"
  HA_REQUIREMENTS="$REPO_ROOT/scripts/requirements_test_minimum.txt"
  HA_PYTHON_RANGE="(3, 13, 2) <= sys.version_info < (3, 14)"
  SANDBOX_HA_PYTHON=/usr/bin/python3.13
else
  HA_VENV="$CACHE_DIR/venv-ha"
  HA_REQUIREMENTS="$REPO_ROOT/requirements_test.txt"
  HA_PYTHON_RANGE="sys.version_info >= (3, 14, 2)"
  SANDBOX_HA_PYTHON=/usr/bin/python3.14
fi
DELUGE_VENV="$CACHE_DIR/venv-deluge"
PLUGIN_DIR="$CACHE_DIR/plugins"
CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt"
# Packages the Debian root file system gets when this machine has no Python >= 3.14.2.
ROOTFS_PACKAGES="python3.14,python3.14-venv,python3.13-venv,ca-certificates"

log() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0")" "$*" >&2; }

# A Python for Home Assistant already on this machine, if any (>= 3.14.2; 3.13 for --min-ha).
host_python() {
  local candidate
  for candidate in "${DELUGE_WEBAPI_PYTHON:-}" python3.14 python3.13 python3; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c "import sys, venv; sys.exit(not ($HA_PYTHON_RANGE))" 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# A Python 3.9-3.13 for Deluge (libtorrent's wheels stop at 3.13), on the host.
host_deluge_python() {
  local candidate
  for candidate in "${DELUGE_WEBAPI_DELUGE_PYTHON:-}" python3.13 python3.12 python3.11 python3.10 python3.9; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys, venv; sys.exit(not (3, 9) <= sys.version_info < (3, 14))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# "host" when this machine can run everything itself, "sandbox" when a Debian sid root file
# system entered with bubblewrap supplies the Pythons.
toolchain_mode() {
  if [ -n "${DELUGE_WEBAPI_FORCE_SANDBOX:-}" ]; then echo sandbox; return; fi
  if host_python >/dev/null && host_deluge_python >/dev/null; then echo host; else echo sandbox; fi
}

# Runs "$@" with the toolchain: directly, or inside the root file system with the repository
# and the cache at their own paths, the host's network and CA bundle, and a private PID
# namespace so that nothing started inside outlives the command.
in_env() {
  if [ "$(toolchain_mode)" = host ]; then
    "$@"
    return
  fi
  local passthrough=()
  local name
  for name in PIP_INDEX_URL TERM CI PYTEST_ADDOPTS DELUGE_WEBAPI_HA_TARGET; do
    [ -n "${!name:-}" ] && passthrough+=(--setenv "$name" "${!name}")
  done
  bwrap --bind "$ROOTFS" / --proc /proc --dev /dev --tmpfs /tmp \
    --bind "$CACHE_DIR" "$CACHE_DIR" --bind "$REPO_ROOT" "$REPO_ROOT" \
    --ro-bind /etc/resolv.conf /etc/resolv.conf --ro-bind "$CA_BUNDLE" /etc/ssl/certs/ca-certificates.crt \
    --share-net --unshare-pid --die-with-parent --chdir "$REPO_ROOT" \
    --clearenv --setenv HOME /root --setenv PATH /usr/local/bin:/usr/bin:/bin \
    --setenv LANG C.UTF-8 --setenv SSL_CERT_FILE /etc/ssl/certs/ca-certificates.crt --setenv UV_NATIVE_TLS 1 --setenv DELUGE_WEBAPI_CACHE "$CACHE_DIR" "${passthrough[@]}" \
    "$@"
}

# Installs Debian packages into the root file system, once per marker name. From the package
# lists it already has, else fresh ones. The sandbox's /tmp is a new tmpfs that apt's
# unprivileged download user cannot write to until it is made world-writable.
rootfs_apt_install() {
  local marker="$ROOTFS/.installed-$1"
  shift
  [ -f "$marker" ] && return
  log "installing $* into the root file system"
  local install="apt-get install -y -qq $* >/dev/null"
  in_env env DEBIAN_FRONTEND=noninteractive sh -c \
    "chmod 1777 /tmp && { $install 2>/dev/null || { apt-get update -qq && $install; }; }"
  touch "$marker"
}

# The Python that runs Deluge, as seen from inside in_env.
deluge_python_in_env() {
  if [ "$(toolchain_mode)" = host ]; then host_deluge_python; else echo /usr/bin/python3.13; fi
}

ha_python_in_env() {
  if [ "$(toolchain_mode)" = host ]; then host_python; else echo "$SANDBOX_HA_PYTHON"; fi
}
