#!/usr/bin/env bash
# Makes Debian's prometheus-postgres-exporter available for the metrics tests (issue 25) and prints the
# binary's path on its last line. Installs the package only when the binary is missing
# (lib/apt-install.sh: the package's own service is not started, so no exporter runs beside the test's).
# Exit 0 with the path; exit 3 with a one-line reason on stderr when it cannot be installed here
# (not root, no apt-get, no network, no such package): the calling test skips with that reason.
# Note: installing a PostgreSQL-related package may pull Debian's postgresql-common and upgrade a
# system PostgreSQL under a running server; the tests use the embedded PostgreSQL, which it never touches.
set -uo pipefail
. "$(dirname "$0")/lib/apt-install.sh"
BIN=/usr/bin/prometheus-postgres-exporter
if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
fi
apt_install prometheus-postgres-exporter prometheus-postgres-exporter || exit 3
if [ ! -x "$BIN" ]; then
    echo "the prometheus-postgres-exporter package is installed but $BIN is missing" >&2
    exit 3
fi
echo "$BIN"
