#!/usr/bin/env bash
# Faults against the real binary: kill -9 under load (every acknowledged token survives, integrity_check ok),
# a full disk while serving and a read-only database file at start (clear answers, recovery without a
# restart). Needs root (a tmpfs mount, an unprivileged server user); see Tests/Faults/faults.py.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -q --product warrant 2>/dev/null
python3 Tests/Faults/faults.py "$(swift build --show-bin-path)/warrant" "$@"
