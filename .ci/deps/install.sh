#!/usr/bin/env bash
# Installs every system package the test suite needs (each script in this folder is idempotent
# and does nothing when its package is already there): PostgreSQL for the JDBC tests, ...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for script in "$here"/*.sh; do
    [ "$(basename "$script")" = "install.sh" ] || bash "$script"
done
