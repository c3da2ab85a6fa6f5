# Sourced by the scripts that make a Debian package available to a test (install-promtool.sh,
# install-postgres-exporter.sh, install-debian-postgres.sh). One function:
#
#   apt_install WHAT PACKAGE...
#
# installs the packages with apt-get: noninteractive, without recommended packages, waiting up to 5
# minutes for another apt/dpkg run (a parallel test installing its own package), and with no service
# started by the install (policy-rc.d refuses it for the install's duration, so no package daemon runs
# beside the test's own). A failed `apt-get update` is not fatal: the package lists already on the
# machine are tried. Returns 0, or 3 with one line on stderr saying why (WHAT names the wanted binary in
# it): not root, no apt-get, the install failed (its last line). The calling test skips with that line.
apt_install() {
    local what=$1
    shift
    if [ "$(id -u)" != 0 ]; then
        echo "$what is not installed and installing it needs root" >&2
        return 3
    fi
    if ! command -v apt-get >/dev/null; then
        echo "$what is not installed and apt-get is not available" >&2
        return 3
    fi
    local policy=/usr/sbin/policy-rc.d created=0 ok=1 log
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created=1
    fi
    log=$(mktemp)
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 -qq update >"$log" 2>&1 || echo "apt-get update failed; trying the package lists already on the machine" >>"$log"
    apt-get -o DPkg::Lock::Timeout=300 -qq install -y --no-install-recommends "$@" >>"$log" 2>&1 || ok=0
    if [ "$created" = 1 ]; then
        rm -f "$policy"
    fi
    if [ "$ok" != 1 ]; then
        echo "apt-get could not install $* for $what: $(tail -n 1 "$log")" >&2
        rm -f "$log"
        return 3
    fi
    rm -f "$log"
}
