#!/usr/bin/env bash
# The HTML references specgen writes must render in a real browser: headless Chromium (Debian's package)
# loads each page, which must log no console error, load nothing from outside the file, link every
# sidebar entry to its anchor and filter with the search box; a PNG screenshot of each is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== reference.html renders in headless Chromium without console errors"
if ! command -v chromium >/dev/null; then
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q chromium >/dev/null
fi
venv=.build/tools-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import websocket" 2>/dev/null || "$venv/bin/pip" install --quiet websocket-client==1.8.0
mkdir -p .build/screenshots
"$venv/bin/python" Tests/DocsCheck/render_reference.py Generated/docs/reference.html .build/screenshots/warrant-reference.png
"$venv/bin/python" Tests/DocsCheck/render_reference.py Tests/SpecGenTests/Golden/docs/reference.html .build/screenshots/fixture-reference.png
