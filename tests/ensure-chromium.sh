#!/usr/bin/env bash
# The docs tests render the HTML reference in a real headless browser: Debian's chromium.
# Installs it when missing (needs root and apt, as on CI); otherwise says what to do.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
    exit 0
fi
echo "chromium is needed by tests/test_docs_browser.py: install it (Debian: sudo apt-get install chromium)" >&2
exit 1
