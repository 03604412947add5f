#!/usr/bin/env bash
# specgen in another package: Tests/Fixtures/NotesService depends on this one by path, generates its API
# from its own spec with SpecGenPlugin, serves it on Hummingbird and on Vapor, and calls it through the
# generated client over URLSession and AsyncHTTPClient. Built from scratch in its own build folder.
set -euo pipefail
cd "$(dirname "$0")/../Tests/Fixtures/NotesService"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== NotesService: a package of its own on SpecGenPlugin (Hummingbird and Vapor; URLSession and AsyncHTTPClient)"
start=$(date +%s)
swift build --build-tests >"$log" 2>&1 || { grep -E "error" "$log" | head -40; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
swift test --skip-build >"$log" 2>&1 || { sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "✘|error|Test run" | head -60; exit 1; }
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "^✔ Test (notes|theGenerated|aForm).*passed|Test run with"
