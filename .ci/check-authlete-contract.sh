#!/usr/bin/env bash
# The Authlete contract: every operation, field and action value of Authlete's OpenAPI document is in
# Generated/openapi.yaml or has its reason in Tests/Contract/authlete-coverage.yaml. Then the check is
# shown to fail when it should: a field warrant drops, a reason removed, a listed gap that is served.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Authlete contract: coverage and reasons"
venv=.build/contract-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet PyYAML==6.0.2
fi
check() { "$venv/bin/python" Tests/Contract/authlete_contract.py "$@"; }
check

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
expect_failure() {  # what the output must name, then the check's arguments
    local wanted=$1
    shift
    if check "$@" >"$work/out" 2>&1; then echo "the check passed where it must fail ($wanted)"; exit 1; fi
    grep -qF "$wanted" "$work/out" || { echo "the failure does not name: $wanted"; cat "$work/out"; exit 1; }
}
"$venv/bin/python" - "$work" <<'PY'
import sys, yaml
work = sys.argv[1]
warrant = yaml.safe_load(open("Generated/openapi.yaml"))
del warrant["components"]["schemas"]["TokenResponse"]["properties"]["accessTokenDuration"]
yaml.safe_dump(warrant, open(f"{work}/dropped-field.yaml", "w"))
coverage = yaml.safe_load(open("Tests/Contract/authlete-coverage.yaml"))
del coverage["operations"]["POST /api/{serviceId}/gm"]
yaml.safe_dump(coverage, open(f"{work}/no-reason.yaml", "w"))
coverage = yaml.safe_load(open("Tests/Contract/authlete-coverage.yaml"))
coverage["fields"]["POST /api/{serviceId}/auth/token"]["response"].append({"reason": "stale", "names": ["accessToken"]})
yaml.safe_dump(coverage, open(f"{work}/stale.yaml", "w"))
PY
expect_failure "response field accessTokenDuration (integer) is missing and not listed" --warrant "$work/dropped-field.yaml"
expect_failure "POST /api/{serviceId}/gm: not served and not listed" --coverage "$work/no-reason.yaml"
expect_failure "response field accessToken is listed as missing, but warrant has it" --coverage "$work/stale.yaml"
echo "ok: a dropped field, a missing reason and a stale entry each fail the check"

echo "== the README's settings table against the spec"
"$venv/bin/python" Tests/DocsCheck/settings_table.py
