#!/usr/bin/env bash
# Load benchmark: wrk against a release build of `warrant serve` on 127.0.0.1 with a fresh SQLite database.
# Scenarios: the health check (the server's ceiling), client_credentials with opaque tokens, client_credentials
# with JWT access tokens (ES256), and the whole authorization → issue → token sequence.
# Usage: Benchmarks/load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-16}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product warrant >/dev/null 2>&1
warrant=$(swift build -c release --show-bin-path)/warrant
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TOKEN="benchmark-organization-token"
WARRANT_ORGANIZATION_TOKEN=$TOKEN WARRANT_LOG_LEVEL=warning "$warrant" serve --port "$port" --database "$work/warrant.sqlite" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -fsS "$base/api/lifecycle/healthcheck" >/dev/null 2>&1 && break; sleep 0.2; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api() { curl -fsS -X POST "$base$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"; }
service() {
  api /api/service/create "{\"issuer\": \"https://as.example.com\", \"supportedGrantTypes\": [\"AUTHORIZATION_CODE\", \"REFRESH_TOKEN\", \"CLIENT_CREDENTIALS\"]$1}" | json '["apiKey"]'
}
client() {
  api "/api/$1/client/create" '{"redirectUris": ["https://app.example.com/cb"], "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"]}'
}
opaque=$(service "")
signed=$(service ', "accessTokenSignAlg": "ES256"')
opaque_client=$(client "$opaque")
signed_client=$(client "$signed")

run() {  # name, threads, connections, wrk arguments…
  local name=$1 threads=$2 conns=$3
  shift 3
  local output
  output=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$@")
  local rps p50 p99
  rps=$(echo "$output" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$output" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$output" | awk '$1 == "99%" {print $2}')
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$conns" "$rps" "$p50" "$p99"
}

echo "| scenario | connections | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
run "healthcheck (ceiling)" 2 "$connections" "$base/api/lifecycle/healthcheck"
BODY="{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$opaque_client" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$opaque_client" | json '["clientSecret"]')\"}" \
  run "client_credentials, opaque token" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$opaque/auth/token"
BODY="{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$signed_client" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$signed_client" | json '["clientSecret"]')\"}" \
  run "client_credentials, JWT access token (ES256)" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$signed/auth/token"
SERVICE=$opaque CLIENT=$(echo "$opaque_client" | json '["clientId"]') SECRET=$(echo "$opaque_client" | json '["clientSecret"]') \
  run "authorization → issue → token (each request; 3 per flow)" 8 8 -s Benchmarks/wrk/code_flow.lua "$base"
