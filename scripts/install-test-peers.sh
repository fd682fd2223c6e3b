#!/usr/bin/env bash
# Installs the Debian packages the tests run as real peers: Chromium (browser tests), openssl
# (test certificates for the Kubernetes API fake) and
# PostgreSQL 15 (the suite runs again against it through DATABASE_URL) and rsyslog with its
# OpenSSL driver (the SIEM stream test receives syslog over TLS), and Prometheus with promtool
# (cost collection backfills a real Prometheus and queries it with PromQL).
set -euo pipefail

packages=(chromium postgresql-15 openssl rsyslog rsyslog-openssl prometheus)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test peers already installed: ${packages[*]}"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed test peers: ${missing[*]}"
