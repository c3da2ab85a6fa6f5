#!/usr/bin/env bash
# Makes Debian's PostgreSQL server (15 on bookworm) available for the tests that need a server built
# with LLVM, which the embedded binaries are not (JitOffTest), and prints its bin directory on its last
# line. Installs the package only when no /usr/lib/postgresql/*/bin/postgres with llvmjit.so beside it
# exists: apt-get update, then apt-get install -y postgresql (noninteractive; the package's own cluster
# is not started: policy-rc.d refuses it for the install). The tests start a server of their own in a
# temporary directory on a free loopback port and stop it; the package's cluster is never used.
# Exit 0 with the path; exit 3 with a one-line reason on stderr when it cannot be installed here
# (not root, no apt-get, no network, no such package): the calling test skips with that reason.
# Note: if a Debian cluster is running while the package is upgraded, restart it (plpgsql.so of the old
# build no longer loads); the tests' own server starts after the install.
set -uo pipefail
find_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/ 2>/dev/null | sort -t/ -k5 -n -r); do
        if [ -x "${d}bin/postgres" ] && [ -x "${d}bin/initdb" ] && [ -e "${d}lib/llvmjit.so" ]; then
            echo "${d}bin"
            return 0
        fi
    done
    return 1
}
if BIN=$(find_bin); then
    echo "$BIN"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "Debian's PostgreSQL server is not installed and installing it needs root" >&2
    exit 3
fi
if ! command -v apt-get >/dev/null; then
    echo "Debian's PostgreSQL server is not installed and apt-get is not available" >&2
    exit 3
fi
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
    apt-get install -y -qq --no-install-recommends postgresql >>"$LOG" 2>&1 || ok=0
fi
[ "$CREATED_POLICY" = 1 ] && rm -f "$POLICY"
if [ "$ok" != 1 ] || ! BIN=$(find_bin); then
    echo "apt-get could not install Debian's PostgreSQL server with JIT: $(tail -n 1 "$LOG")" >&2
    rm -f "$LOG"
    exit 3
fi
rm -f "$LOG"
echo "$BIN"
