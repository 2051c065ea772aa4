#!/usr/bin/env bash
# Installs PostgreSQL from Debian packages when it is missing (the JDBC connector's tests start a
# throwaway server from its binaries). Idempotent: does nothing when initdb is already there.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# the server binaries only: the tests initdb their own cluster, so no system cluster is wanted
$SUDO apt-get install -y -q --no-install-recommends postgresql postgresql-contrib
