#!/usr/bin/env bash
# Several nodes on one database: three warrant processes on a PostgreSQL server of their own (see
# Tests/MultiNode/multinode.py). Uses the venv of .ci/interop.sh for requests, joserfc and
# prometheus-client's parser.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/interop-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "requests>=2.31" "joserfc>=1.0" "prometheus-client>=0.20"

bash .ci/postgres.sh install
swift build -q --product warrant 2>/dev/null
work=$(mktemp -d)
chmod 755 "$work"  # PostgreSQL runs as its own user
trap 'bash .ci/postgres.sh stop "$work/postgres"; rm -rf "$work"' EXIT
# The server runs from a copy, so a build relinking the binary meanwhile changes nothing.
cp "$(swift build --show-bin-path)/warrant" "$work/warrant"
url=$(bash .ci/postgres.sh start "$work/postgres")
echo "== three warrant nodes on one PostgreSQL database"
"$venv/bin/python" Tests/MultiNode/multinode.py "$work/warrant" "$url" "$work/postgres"
