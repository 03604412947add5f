#!/usr/bin/env bash
# Property-based API testing: schemathesis 4.32.5 runs every operation of Generated/openapi.yaml against a
# live warrant on a fresh database, with the organization token and real identifiers in the paths (the
# hooks in Tests/Interop/schemathesis_hooks.py create a service and clients first). Checks: no 5xx, and
# status codes, content types and bodies as the document declares them. Exits non-zero on any failure.
#
# Environment: WARRANT_BIN (default: the binary `swift build --product warrant` makes), ST_MAX_EXAMPLES
# (examples per operation in the fuzzing phase, default 100), ST_CHECKS (default below; `all` for every
# check), ST_SEED (to replay a run), ST_REPORT_DIR (the JUnit and NDJSON reports, default
# .build/schemathesis-report), ST_OPENAPI (another export to test, default Generated/openapi.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

schemathesis_version=4.32.5
venv=.build/schemathesis-venv
if [ ! -x "$venv/bin/st" ] || [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version $schemathesis_version" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

if [ -n "${WARRANT_BIN:-}" ]; then
  warrant=$WARRANT_BIN
else
  swift build -q --product warrant 2>/dev/null
  warrant=$(swift build --show-bin-path)/warrant
fi
[ -x "$warrant" ] || { echo "no warrant binary at $warrant"; exit 1; }

work=$(mktemp -d)
# A copy, so a build that relinks the binary meanwhile neither fails the start ("Text file busy") nor changes it.
cp "$warrant" "$work/warrant"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="schemathesis-organization-token-$(python3 -c "import secrets; print(secrets.token_hex(16))")"
WARRANT_ORGANIZATION_TOKEN=$token "$work/warrant" serve --host 127.0.0.1 --port "$port" \
  --database "$work/warrant.sqlite" --log-level warning >"$work/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ready=0
for _ in $(seq 100); do
  if curl -fsS "http://127.0.0.1:$port/api/lifecycle/healthcheck" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if [ "$ready" -ne 1 ]; then echo "warrant did not become ready on 127.0.0.1:$port"; cat "$work/server.log"; exit 1; fi

checks=${ST_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance}
report_dir=${ST_REPORT_DIR:-.build/schemathesis-report}
seed_args=()
if [ -n "${ST_SEED:-}" ]; then seed_args=(--seed "$ST_SEED"); fi

echo "== schemathesis $schemathesis_version against warrant on 127.0.0.1:$port (checks: $checks)"
status=0
WARRANT_URL="http://127.0.0.1:$port" WARRANT_TOKEN=$token \
SCHEMATHESIS_HOOKS="$PWD/Tests/Interop/schemathesis_hooks.py" \
  "$venv/bin/st" --config-file Tests/Interop/schemathesis.toml run "${ST_OPENAPI:-Generated/openapi.yaml}" \
    --checks "$checks" --max-examples "${ST_MAX_EXAMPLES:-100}" "${seed_args[@]}" \
    --report junit,ndjson --report-dir "$report_dir" --output-sanitize false --no-color || status=$?

if ! kill -0 "$pid" 2>/dev/null; then echo "warrant exited during the run"; cat "$work/server.log"; exit 1; fi
if grep -q "critical\|Fatal error" "$work/server.log"; then echo "warrant logged a crash"; cat "$work/server.log"; status=1; fi
if [ "$status" -ne 0 ]; then
  echo "schemathesis failed (exit status $status); warrant's log (warnings and errors):"
  tail -n 50 "$work/server.log"
  exit "$status"
fi
echo "ok: schemathesis found no failure"
