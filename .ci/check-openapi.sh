#!/usr/bin/env bash
# The OpenAPI documents specgen writes must pass openapi-spec-validator (PyPI): warrant's own and the
# golden exports of the fixture spec.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== OpenAPI documents validate with openapi-spec-validator"
venv=.build/tools-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet openapi-spec-validator==0.9.0
fi
"$venv/bin/openapi-spec-validator" Generated/openapi.yaml Tests/SpecGenTests/Golden/openapi/openapi.yaml \
    Tests/SpecGenTests/Golden/openapi/openapi.json
