#!/usr/bin/env bash
# Backup and restore as the README describes them, for SQLite and PostgreSQL, on a running warrant with its
# private keys sealed (see Tests/Backup/backup.py).
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/postgres.sh install
swift build -q --product warrant 2>/dev/null
work=$(mktemp -d)
chmod 755 "$work"  # PostgreSQL runs as its own user
trap 'bash .ci/postgres.sh stop "$work/postgres" || true; rm -rf "$work"' EXIT
cp "$(swift build --show-bin-path)/warrant" "$work/warrant"
url=$(bash .ci/postgres.sh start "$work/postgres")
bin=$(bash .ci/postgres.sh bindir)
echo "== backup and restore"
python3 Tests/Backup/backup.py "$work/warrant" "$url" "$bin" "$work"
