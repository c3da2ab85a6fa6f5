#!/usr/bin/env bash
# Makes Debian's PostgreSQL server (15 on bookworm) available for the tests that need a server built
# with LLVM, which the embedded binaries are not (JitOffTest), and prints its bin directory on its last
# line. Installs the package only when no /usr/lib/postgresql/*/bin/postgres with llvmjit.so beside it
# exists (lib/apt-install.sh; the package's own cluster is not started). The tests start a server of their own in a
# temporary directory on a free loopback port and stop it; the package's cluster is never used.
# Exit 0 with the path; exit 3 with a one-line reason on stderr when it cannot be installed here
# (not root, no apt-get, no network, no such package): the calling test skips with that reason.
# Note: if a Debian cluster is running while the package is upgraded, restart it (plpgsql.so of the old
# build no longer loads); the tests' own server starts after the install.
set -uo pipefail
. "$(dirname "$0")/lib/apt-install.sh"
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
apt_install "Debian's PostgreSQL server with JIT" postgresql || exit 3
if ! BIN=$(find_bin); then
    echo "the postgresql package is installed but no server with llvmjit.so is under /usr/lib/postgresql" >&2
    exit 3
fi
echo "$BIN"
