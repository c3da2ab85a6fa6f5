#!/usr/bin/env bash
# Makes Debian's PgBouncer available for the pooler tests (io.ehe.testing.PgBouncer) and prints the
# binary's path on its last line; installs the package only when the binary is missing
# (lib/apt-install.sh: the package's own service is not started; the tests start their own).
# Exit 3 with a one-line reason on stderr when it cannot be installed here: the calling test skips.
set -uo pipefail
. "$(dirname "$0")/lib/apt-install.sh"
BIN=/usr/sbin/pgbouncer
if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
fi
apt_install pgbouncer pgbouncer || exit 3
if [ ! -x "$BIN" ]; then
    echo "the pgbouncer package is installed but $BIN is missing" >&2
    exit 3
fi
echo "$BIN"
