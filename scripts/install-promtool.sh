#!/usr/bin/env bash
# Prints the path of promtool (Debian's `prometheus` package), installing the package first when it is
# missing. Called by the chart's alert tests (io.ehe.chart.Promtool), which skip with this script's last
# stderr line as the reason when it exits non-zero (3).
#
# Only the promtool binary is wanted: --no-install-recommends keeps prometheus-node-exporter (a daemon)
# out, and the package's own prometheus service is not started (lib/apt-install.sh).
set -uo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

if path=$(command -v promtool); then
    echo "$path"
    exit 0
fi
apt_install promtool prometheus || exit 3
if ! path=$(command -v promtool); then
    echo "the prometheus package is installed but promtool is not on the PATH" >&2
    exit 3
fi
echo "$path"
