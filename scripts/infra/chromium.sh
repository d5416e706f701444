#!/usr/bin/env bash
# Debian's Chromium for the analyst page's browser tests (driven by playwright-core; no browser download).
#
#   scripts/infra/chromium.sh start    # installs the Debian package when missing; prints `export VIGILO_CHROMIUM=...`
#   scripts/infra/chromium.sh stop     # nothing runs between tests: no-op
#   scripts/infra/chromium.sh status   # prints the export; exit 1 when not installed
#
# VIGILO_CHROMIUM (optional, input): a browser binary to use instead of /usr/bin/chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

NAME=chromium
BIN="${VIGILO_CHROMIUM:-/usr/bin/chromium}"

die() { log "$NAME: ERROR: $*"; exit 1; }

install_chromium() {
  [ -x "$BIN" ] && return 0
  command -v apt-get >/dev/null || die "no $BIN and no apt-get to install Debian's chromium"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  # apt's own lock serialises concurrent installs; a stale package list is refreshed once.
  timed "$NAME: apt-get install chromium" bash -c "$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2 \
    || { $sudo apt-get update -qq >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2; }" \
    || die "apt-get install chromium failed"
  [ -x "$BIN" ] || die "chromium installed but $BIN is missing"
}

case "${1:-}" in
  start) install_chromium; "$BIN" --version >&2; echo "export VIGILO_CHROMIUM=$BIN" ;;
  stop) ;;
  status) if [ -x "$BIN" ]; then echo "export VIGILO_CHROMIUM=$BIN"; else echo "not installed"; exit 1; fi ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
