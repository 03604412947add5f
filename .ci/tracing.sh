#!/usr/bin/env bash
# warrant's spans exported with OTLP/HTTP and decoded with opentelemetry-proto (see Tests/Tracing/otlp.py).
# Uses the venv of .ci/interop.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/interop-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto>=1.20"
swift build -q --product warrant 2>/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$(swift build --show-bin-path)/warrant" "$work/warrant"
"$venv/bin/python" Tests/Tracing/otlp.py "$work/warrant" "$work"
