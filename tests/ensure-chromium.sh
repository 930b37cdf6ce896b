#!/usr/bin/env bash
# The docs tests render the HTML reference in a real headless browser: Debian's chromium, with a
# CJK font (fonts-wqy-zenhei) so that the Chinese APIs' pages show characters, not empty boxes, in
# their screenshots. Installs what is missing (needs root and apt, as on CI); otherwise says what to do.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# fc-list comes with fontconfig, which chromium depends on; before chromium is installed, ask dpkg
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; } \
    && ! dpkg -s fonts-wqy-zenhei >/dev/null 2>&1; then
    missing+=(fonts-wqy-zenhei)
fi
if [ ${#missing[@]} = 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
    exit 0
fi
echo "tests/test_docs_browser.py needs ${missing[*]}: install it (Debian: sudo apt-get install ${missing[*]})" >&2
exit 1
