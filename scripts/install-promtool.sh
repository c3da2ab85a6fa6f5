#!/usr/bin/env bash
# Prints the path of promtool (Debian's `prometheus` package), installing the package first when it is
# missing. Called by the chart's alert tests (io.ehe.chart.Promtool), which skip with this script's last
# stderr line as the reason when it exits non-zero.
#
# Only the promtool binary is wanted: --no-install-recommends keeps prometheus-node-exporter (a daemon)
# out. The package's own prometheus service is not started where policy-rc.d forbids service starts (this
# project's machines and containers); elsewhere it is started by the package itself, as any apt install would.
# Waits up to 5 minutes for another apt/dpkg run (a parallel test installing its own package) to finish.
set -euo pipefail

if path=$(command -v promtool); then
  echo "$path"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "promtool is not installed and this user is not root: cannot apt-get install prometheus" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null; then
  echo "promtool is not installed and there is no apt-get here" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=300 -qq "$@"; }
if ! apt_get update >&2; then
  echo "apt-get update failed; trying the package lists already on the machine" >&2
fi
if ! apt_get install -y --no-install-recommends prometheus >&2; then
  echo "apt-get install prometheus failed (see above)" >&2
  exit 3
fi
if ! path=$(command -v promtool); then
  echo "the prometheus package is installed but promtool is not on the PATH" >&2
  exit 3
fi
echo "$path"
