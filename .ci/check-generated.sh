#!/usr/bin/env bash
# Generated/ (client SDK, OpenAPI, docs) and the embedded built-in templates must be what the current
# spec/ and Templates/ produce: regenerate them with the command plugin, then name every file that changed.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Generated/ is current (swift package regenerate changes nothing)"
swift package --allow-writing-to-package-directory regenerate
stale=$(git status --porcelain --untracked-files=all -- Generated Sources/SpecGen/BuiltinTemplateTexts.swift)
if [ -n "$stale" ]; then
    echo "error: these generated files are stale (M changed, D no longer generated, ?? new):" >&2
    echo "$stale" >&2
    echo "run: swift package --allow-writing-to-package-directory regenerate, and commit the result" >&2
    exit 1
fi
echo "ok: $(git ls-files Generated | wc -l) files in Generated/ are current"
