#!/usr/bin/env bash
# Interoperability: the official Authlete Python SDK (authlete 1.3.0, V3 mode) against a running warrant —
# management; the device flow and CIBA; the code flow, refresh and ID token reissue with ID tokens verified by joserfc; token exchange,
# token management, introspection, revocation and UserInfo; a Python client generated from the OpenAPI
# export; an app built on the WarrantClient product alone; warrant's own TypeScript and Python SDKs — and a
# graceful shutdown with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/interop-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "authlete==1.3.0" "requests>=2.31" "joserfc>=1.0" "PyYAML==6.0.2"

swift build -q --product warrant 2>/dev/null
warrant=$(swift build --show-bin-path)/warrant
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="interop-organization-token-$(python3 -c "import secrets; print(secrets.token_hex(16))")"
WARRANT_ORGANIZATION_TOKEN=$token "$warrant" serve --port "$port" --database "$work/warrant.sqlite" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/api/lifecycle/healthcheck" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "== authlete 1.3.0 (Python, V3) against warrant on 127.0.0.1:$port"
"$venv/bin/python" Tests/Interop/authlete_management.py "http://127.0.0.1:$port" "$token"
echo "== authlete 1.3.0 flows, ID tokens verified with joserfc"
"$venv/bin/python" Tests/Interop/authlete_flows.py "http://127.0.0.1:$port" "$token"
echo "== authlete 1.3.0 token exchange, token management, introspection, revocation, userinfo"
"$venv/bin/python" Tests/Interop/authlete_tokens.py "http://127.0.0.1:$port" "$token"
echo "== authlete 1.3.0 granted scopes, client authorization, client settings, tickets, JOSE; info, echo, batches"
"$venv/bin/python" Tests/Interop/authlete_consent.py "http://127.0.0.1:$port" "$token"
echo "== the device flow (RFC 8628): a front end on the SDK, a device by the RFC with requests, ID tokens by joserfc"
"$venv/bin/python" Tests/Interop/device_flow.py "http://127.0.0.1:$port" "$token"
echo "== CIBA in poll, ping and push modes: a front end on the SDK, a client and its notification endpoint, ID tokens by joserfc"
"$venv/bin/python" Tests/Interop/ciba.py "http://127.0.0.1:$port" "$token"

echo "== a Python client generated from Generated/openapi.yaml by openapi-python-client 0.26.2"
generator_venv=.build/openapi-client-venv
if [ ! -x "$generator_venv/bin/openapi-python-client" ]; then
  python3 -m venv "$generator_venv"
  "$generator_venv/bin/pip" install --quiet --disable-pip-version-check "openapi-python-client==0.26.2"
fi
mkdir -p "$work/python"
"$generator_venv/bin/openapi-python-client" generate --path Generated/openapi.yaml --meta none \
  --output-path "$work/python/warrant_client" >"$work/generator.log" 2>&1 || { cat "$work/generator.log"; exit 1; }
"$generator_venv/bin/python" Tests/Interop/openapi_python_client.py "$work/python" "http://127.0.0.1:$port" "$token"

bash .ci/check-client-package.sh "http://127.0.0.1:$port" "$token"
bash .ci/check-sdks.sh "http://127.0.0.1:$port" "$token"

echo "== graceful shutdown on SIGTERM"
kill -TERM $pid
status=0
wait $pid || status=$?
if [ "$status" -ne 0 ]; then echo "warrant exited with status $status after SIGTERM"; cat "$work/server.log"; exit 1; fi
grep -q "Created organization" "$work/server.log" || { echo "no bootstrap message"; cat "$work/server.log"; exit 1; }
echo "ok: warrant stopped cleanly (exit status 0)"
