#!/usr/bin/env bash
# specgen lint: warrant's spec is clean under its own lint settings; a broken spec gets every problem at
# once with positions and rules, and exit status 1; the JSON and SARIF forms are read by other tools
# (Python's json module, and sarif-tools from PyPI, which reads SARIF logs as code-scanning services do).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== specgen lint on spec/, with warrant's lint settings"
swift run -q specgen lint --spec spec --config Sources/WarrantAPI/specgen.json

echo "== specgen lint reports every problem of a broken spec, with positions and rules, and exits 1"
set +e
actual=$(swift run -q specgen lint --spec Tests/Fixtures/bad-spec 2>&1 >/dev/null)
status=$?
set -e
if [ "$status" -ne 1 ]; then echo "expected exit status 1, got $status"; exit 1; fi
diff <(echo "$actual") Tests/Fixtures/bad-spec.expected
echo "ok: $(echo "$actual" | wc -l) diagnostics, exit status 1"

echo "== the README lists every rule, as specgen rules prints them"
diff <(swift run -q specgen rules --format markdown) <(sed -n '/^| rule | kind | default | checks |$/,/^$/p' README.md | sed '/^$/d')

echo "== --format json and --format sarif, read by other tools"
venv=.build/interop-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "sarif-tools==3.0.5"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift run -q specgen lint --spec Tests/Fixtures/bad-spec --format json > "$work/lint.json" || true
"$venv/bin/python" - "$work/lint.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
rules = sorted({d["rule"] for d in report["diagnostics"]})
assert report["errors"] == 8 and report["warnings"] == 2, report
assert "yaml-duplicate-key" in rules and "unknown-type" in rules, rules
assert all(d["line"] > 0 and d["column"] > 0 for d in report["diagnostics"])
print(f"ok: json, {report['errors']} errors and {report['warnings']} warnings under rules {', '.join(rules)}")
PY
swift run -q specgen lint --spec Tests/Fixtures/bad-spec --format sarif > "$work/lint.sarif" || true
summary=$("$venv/bin/sarif" summary "$work/lint.sarif")
echo "$summary"
echo "$summary" | grep -q "error: 8" || { echo "sarif-tools did not read 8 errors"; exit 1; }
echo "$summary" | grep -q "warning: 2" || { echo "sarif-tools did not read 2 warnings"; exit 1; }
