#!/usr/bin/env bash
# Generated/ (client SDK, OpenAPI, docs) and the embedded built-in templates must be what the current
# spec/ and Templates/ produce: regenerate them with the command plugin, then name every file that changed.
set -euo pipefail
cd "$(dirname "$0")/.."

generated_paths=(Generated Sources/SpecGen/BuiltinTemplateTexts.swift)
stale_files() { git status --porcelain --untracked-files=all -- "${generated_paths[@]}"; }
regenerate() { swift package --allow-writing-to-package-directory regenerate >/dev/null 2>&1; }

echo "== Generated/ is current (swift package regenerate changes nothing)"
regenerate
stale=$(stale_files)
if [ -n "$stale" ]; then
    echo "error: these generated files are stale (M changed, D no longer generated, ?? new):" >&2
    echo "$stale" >&2
    echo "run: swift package --allow-writing-to-package-directory regenerate, and commit the result" >&2
    exit 1
fi
echo "ok: $(git ls-files Generated | wc -l) files in Generated/ are current"

echo "== the check sees a spec change: after editing a summary, regenerate changes the files that show it"
trap 'git checkout -q -- spec "${generated_paths[@]}"' EXIT
sed -i 's/summary: Check that the server is up./summary: Check that the server answers./' spec/organization.yaml
regenerate
changed=$(stale_files | awk '{print $2}' | sort | tr '\n' ' ')
expected="Generated/Client/APIProtocol.swift Generated/Client/organization.Client.swift Generated/Client/organization.Operations.swift Generated/docs/endpoints/healthcheck.md Generated/docs/index.md Generated/docs/reference.html Generated/openapi.yaml Generated/python/warrant_api/api.py Generated/typescript/api.ts "
if [ "$changed" != "$expected" ]; then
    echo "error: expected the check to name: $expected" >&2
    echo "                          it named: $changed" >&2
    exit 1
fi
echo "ok: it names $changed"
