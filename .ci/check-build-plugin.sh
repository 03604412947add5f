#!/usr/bin/env bash
# The build plugin regenerates WarrantAPI when spec/ changes, and does not run when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -q 2>/dev/null
generated=$(find .build/plugins/outputs -type d -path "*/WarrantAPI/destination/SpecGenPlugin/GeneratedSources" | head -1)
runs_generator() { swift build -v 2>&1 | grep -c "specgen-tool generate --spec" || true; }

echo "== build plugin: an unchanged build does not run the generator"
count=$(runs_generator)
if [ "$count" -ne 0 ]; then echo "the generator ran $count time(s) on an unchanged build"; exit 1; fi
echo "ok: generator not run"

echo "== build plugin: editing a description regenerates the doc comment"
file=spec/idtoken.yaml
cp "$file" "$file.ci-backup"
trap 'mv "$file.ci-backup" "$file"' EXIT
marker="Checked by CI $(date +%s)."
sed -i "s/description: The numeric API key of the service. }/description: $marker }/" "$file"
count=$(runs_generator)
if [ "$count" -ne 1 ]; then echo "the generator ran $count time(s) after a spec change, expected 1"; exit 1; fi
grep -q "/// $marker" "$generated/idtoken.Operations.swift" || { echo "doc comment not regenerated"; exit 1; }
echo "ok: generator ran once and the doc comment reads '$marker'"
mv "$file.ci-backup" "$file"
trap - EXIT
swift build -q 2>/dev/null
