#!/usr/bin/env bash
# Installs Debian's chromium when it is missing (the web dashboard's test loads the page in
# headless Chromium against a running job). Idempotent: does nothing when chromium is there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
