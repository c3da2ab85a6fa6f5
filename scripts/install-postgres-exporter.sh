#!/usr/bin/env bash
# Makes Debian's prometheus-postgres-exporter available for the metrics tests (issue 25) and prints the
# binary's path on its last line. Installs the package only when the binary is missing: apt-get update,
# then apt-get install -y prometheus-postgres-exporter (noninteractive; the package's service is not
# started: policy-rc.d refuses it for the install, so no exporter runs beside the test's own).
# Exit 0 with the path; exit 3 with a one-line reason on stderr when it cannot be installed here
# (not root, no apt-get, no network, no such package): the calling test skips with that reason.
# Note: installing a PostgreSQL-related package may pull Debian's postgresql-common and upgrade a
# system PostgreSQL under a running server; the tests use the embedded PostgreSQL, which it never touches.
set -uo pipefail
BIN=/usr/bin/prometheus-postgres-exporter
if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "prometheus-postgres-exporter is not installed and installing it needs root" >&2
    exit 3
fi
if ! command -v apt-get >/dev/null; then
    echo "prometheus-postgres-exporter is not installed and apt-get is not available" >&2
    exit 3
fi
# Keep the package's own service from starting during the install (it would listen on :9187).
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$POLICY" && chmod +x "$POLICY" && CREATED_POLICY=1
fi
LOG=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
ok=1
apt-get update -qq >"$LOG" 2>&1 || ok=0
if [ "$ok" = 1 ]; then
    apt-get install -y -qq --no-install-recommends prometheus-postgres-exporter >>"$LOG" 2>&1 || ok=0
fi
[ "$CREATED_POLICY" = 1 ] && rm -f "$POLICY"
if [ "$ok" != 1 ] || [ ! -x "$BIN" ]; then
    echo "apt-get could not install prometheus-postgres-exporter: $(tail -n 1 "$LOG")" >&2
    rm -f "$LOG"
    exit 3
fi
rm -f "$LOG"
echo "$BIN"
