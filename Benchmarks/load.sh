#!/usr/bin/env bash
# Load benchmark: wrk against a release build of `warrant serve` on 127.0.0.1 with a fresh SQLite database.
# Scenarios: liveness (no I/O: the server's ceiling), the health check (one write), client_credentials with
# opaque tokens and with JWT access tokens (ES256), the latter also on a second server with the in-memory
# store (`--database :memory:`: the token path without a database), the whole authorization → issue → token sequence,
# introspection (Authlete's and RFC 7662's), and direct token exchange (form and JSON). In the same run, the
# Authlib peer (../shared/peers, its README) answers the same client_credentials request (ES256 JWT, client read
# from SQLite, token inserted), so the ratio is measured on the same machine at the same moment.
# Each row gives the server's CPU time per request (user + system, from /proc over the run, all its processes)
# and the last line warrant's peak RSS. PEER=0 skips the peer; PEERS_DIR keeps its venv between runs.
#
# --database URL runs warrant on that database instead (a postgres:// URL: see the README's "Running several
# nodes"); the database must be empty or hold the organization of TOKEN below. --nodes N (with a PostgreSQL
# URL) starts N warrant processes on it, and runs the client_credentials and introspection scenarios with
# one wrk per node at once (requests/s summed, p50 and p99 the worst node's, CPU summed over the nodes);
# with a PostgreSQL server on this machine (its processes run as user postgres), a column gives its CPU per
# request too. WARRANT_BINARY uses that binary instead of building a release one.
# Usage: Benchmarks/load.sh [--database URL] [--nodes N] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
database="" nodes=1
while [ $# -gt 0 ]; do
  case "$1" in
    --database) database=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    *) break ;;
  esac
done
seconds=${1:-10}
connections=${2:-16}
case "$database" in postgres://*|postgresql://*) postgres=1 ;; *) postgres=0 ;; esac
if [ "$nodes" -gt 1 ] && [ "$postgres" = 0 ]; then echo "--nodes needs a PostgreSQL --database" >&2; exit 2; fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${WARRANT_BINARY:-}" ]; then
  swift build -c release --product warrant >/dev/null 2>&1
  warrant=$(swift build -c release --show-bin-path)/warrant
else
  warrant=$WARRANT_BINARY
fi
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
export TOKEN="benchmark-organization-token-0123456789"
database=${database:-$work/warrant.sqlite}
WARRANT_ORGANIZATION_TOKEN=$TOKEN WARRANT_LOG_LEVEL=warning "$warrant" serve --port "$port" --database "$database" >"$work/server.log" 2>&1 &
pid=$!
# The other nodes, on the same database.
node_pids="" node_bases=""
for index in $(seq 2 "$nodes"); do
  node_port=$(free_port)
  WARRANT_ORGANIZATION_TOKEN=$TOKEN WARRANT_LOG_LEVEL=warning "$warrant" serve --port "$node_port" --database "$database" >"$work/node$index.log" 2>&1 &
  node_pids="$node_pids $!"
  node_bases="$node_bases http://127.0.0.1:$node_port"
done
trap 'kill $pid $node_pids ${memory_pid:-} ${peer_master:-} 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for node in $base $node_bases; do
  for _ in $(seq 50); do curl -fsS "$node/api/lifecycle/healthcheck" >/dev/null 2>&1 && break; sleep 0.2; done
done

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
exchange=$(api /api/service/create '{"issuer": "https://as.example.com", "tokenExchangeDirect": true, "supportedGrantTypes": ["CLIENT_CREDENTIALS", "TOKEN_EXCHANGE"]}' | json '["apiKey"]')
exchange_client=$(api "/api/$exchange/client/create" '{"grantTypes": ["CLIENT_CREDENTIALS", "TOKEN_EXCHANGE"], "extension": {"tokenExchangePermitted": true}}')
cc() {  # service, client JSON → a client_credentials access token
  api "/api/$1/auth/token" "{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$2" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$2" | json '["clientSecret"]')\"}" | json '["accessToken"]'
}
introspected=$(cc "$opaque" "$opaque_client")
subject=$(cc "$exchange" "$exchange_client")
exchange_id=$(echo "$exchange_client" | json '["clientId"]')
exchange_secret=$(echo "$exchange_client" | json '["clientSecret"]')

# Runtime APIs answer 200 whatever the action; each scenario's body is checked once to answer the action wanted.
expect_action() {  # path, wanted action (BODY from the environment)
  local action
  action=$(api "$1" "$BODY" | json '.get("action", "")')
  [ "$action" = "$2" ] || { echo "$1 answered action '$action', not $2" >&2; exit 1; }
}

ticks=$(getconf CLK_TCK)
cpu_ticks() {  # PIDs… → their user + system time so far, in clock ticks
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
server_pids="$pid $node_pids"
database_pids() {  # a PostgreSQL server on this machine: its processes
  [ "$postgres" = 1 ] && pgrep -u postgres | tr '\n' ' ' || true
}
last_rps=0
run() {  # name, threads, connections, wrk arguments…  (server_pids: whose CPU counts; warrant's by default)
  local name=$1 threads=$2 conns=$3
  shift 3
  local output before after db_before db_after
  before=$(cpu_ticks $server_pids)
  db_before=$(cpu_ticks $(database_pids))
  output=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$@")
  after=$(cpu_ticks $server_pids)
  db_after=$(cpu_ticks $(database_pids))
  report "$name" "$conns" "$(echo "$output" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$output" | awk '$1 == "50%" {print $2}')" "$(echo "$output" | awk '$1 == "99%" {print $2}')" \
    "$(echo "$output" | awk '/requests in/ {print $1}')" $((after - before)) $((db_after - db_before))
}
report() {  # name, connections, requests/s, p50, p99, requests, server ticks, database ticks
  local requests=$6
  [ "$requests" -gt 0 ] || requests=1
  last_rps=$3
  local row="| $1 | $2 | $3 | $4 | $5 | $(($7 * 1000000 / ticks / requests))"
  [ "$postgres" = 1 ] && row="$row | $(($8 * 1000000 / ticks / requests))"
  echo "$row |"
}
# One wrk per node at once, the connections shared out; the path is appended to each node's base URL.
run_nodes() {  # name, connections, path, wrk arguments…
  local name=$1 conns=$2 path=$3
  shift 3
  local per=$((conns / nodes > 0 ? conns / nodes : 1)) before after db_before db_after index=0 node wrk_pids=""
  before=$(cpu_ticks $server_pids)
  db_before=$(cpu_ticks $(database_pids))
  for node in $base $node_bases; do
    index=$((index + 1))
    wrk -t1 -c"$per" -d"${seconds}s" --latency "$@" "$node$path" >"$work/wrk$index.out" &
    wrk_pids="$wrk_pids $!"
  done
  wait $wrk_pids
  after=$(cpu_ticks $server_pids)
  db_after=$(cpu_ticks $(database_pids))
  local rps requests p50 p99
  rps=$(cat "$work"/wrk*.out | awk '/Requests\/sec/ {sum += $2} END {printf "%.2f", sum}')
  requests=$(cat "$work"/wrk*.out | awk '/requests in/ {sum += $1} END {print sum}')
  p50=$(cat "$work"/wrk*.out | awk '$1 == "50%" {print $2}' | sort -h | tail -1)
  p99=$(cat "$work"/wrk*.out | awk '$1 == "99%" {print $2}' | sort -h | tail -1)
  rm -f "$work"/wrk*.out
  report "$name ($nodes nodes)" "$((per * nodes))" "$rps" "$p50" "$p99" "$requests" $((after - before)) $((db_after - db_before))
}

if [ "$postgres" = 1 ]; then
  echo "| scenario | connections | requests/s | p50 | p99 | warrant CPU µs/request | PostgreSQL CPU µs/request |"
  echo "|---|---|---|---|---|---|---|"
else
  echo "| scenario | connections | requests/s | p50 | p99 | server CPU µs/request |"
  echo "|---|---|---|---|---|---|"
fi
if [ "$nodes" -gt 1 ]; then
  BODY="{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$opaque_client" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$opaque_client" | json '["clientSecret"]')\"}" \
    run_nodes "client_credentials, opaque token" "$connections" "/api/$opaque/auth/token" -s Benchmarks/wrk/post.lua
  BODY="{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$signed_client" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$signed_client" | json '["clientSecret"]')\"}" \
    run_nodes "client_credentials, JWT access token (ES256)" "$connections" "/api/$signed/auth/token" -s Benchmarks/wrk/post.lua
  export BODY="{\"token\": \"$introspected\"}"
  expect_action "/api/$opaque/auth/introspection" OK
  run_nodes "introspection (/auth/introspection)" "$connections" "/api/$opaque/auth/introspection" -s Benchmarks/wrk/post.lua
  exit 0
fi
run "liveness (ceiling: no I/O)" 2 "$connections" "$base/api/lifecycle/liveness"
run "healthcheck (one write)" 2 "$connections" "$base/api/lifecycle/healthcheck"
BODY="{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$opaque_client" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$opaque_client" | json '["clientSecret"]')\"}" \
  run "client_credentials, opaque token" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$opaque/auth/token"
BODY="{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$signed_client" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$signed_client" | json '["clientSecret"]')\"}" \
  run "client_credentials, JWT access token (ES256)" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$signed/auth/token"
warrant_rps=$last_rps
# The same request against a second warrant on the in-memory store: the token path without a database.
memory_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
WARRANT_ORGANIZATION_TOKEN=$TOKEN WARRANT_LOG_LEVEL=warning "$warrant" serve --port "$memory_port" --database :memory: >"$work/memory.log" 2>&1 &
memory_pid=$!
sqlite_base=$base
base="http://127.0.0.1:$memory_port"
for _ in $(seq 50); do curl -fsS "$base/api/lifecycle/liveness" >/dev/null 2>&1 && break; sleep 0.2; done
memory_service=$(service ', "accessTokenSignAlg": "ES256"')
memory_client=$(client "$memory_service")
server_pids=$memory_pid
BODY="{\"parameters\": \"grant_type=client_credentials\", \"clientId\": \"$(echo "$memory_client" | json '["clientId"]')\", \"clientSecret\": \"$(echo "$memory_client" | json '["clientSecret"]')\"}" \
  run "client_credentials, JWT (ES256), in-memory store (no database)" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$memory_service/auth/token"
memory_rps=$last_rps
kill "$memory_pid"
server_pids=$pid
base=$sqlite_base
if [ "${PEER:-1}" != 0 ] && [ -d ../shared/peers ]; then
  export PEERS_DIR=${PEERS_DIR:-$work/peer}
  mkdir -p "$PEERS_DIR"
  cp ../shared/peers/* "$PEERS_DIR"/
  if [ ! -x "$PEERS_DIR/venv/bin/gunicorn" ]; then
    python3 -m venv "$PEERS_DIR/venv"
    "$PEERS_DIR/venv/bin/pip" install -q authlib flask gunicorn joserfc "pyjwt[crypto]" >/dev/null
  fi
  python3 -c "import sqlite3; c = sqlite3.connect('$PEERS_DIR/peer_clients.sqlite'); c.execute('DELETE FROM tokens'); c.commit()" 2>/dev/null || true
  PEER_ALG=ES256 PEER_SAVE_TOKENS=1 "$PEERS_DIR/start_peer.sh" >"$work/peer.log" 2>&1 &
  for _ in $(seq 50); do curl -fsS http://127.0.0.1:8081/hello >/dev/null 2>&1 && break; sleep 0.2; done
  peer_master=$(cat "$PEERS_DIR/peer.pid")
  server_pids="$peer_master $(pgrep -P "$peer_master" | tr '\n' ' ')"
  run "Authlib peer: client_credentials, JWT (ES256), persisted" 2 "$connections" -s "$PEERS_DIR/post.lua" http://127.0.0.1:8081/oauth/token
  kill "$peer_master"
  server_pids=$pid
  ratio=$(python3 -c "print(f'{$warrant_rps / $last_rps:.2f}')")
fi
SERVICE=$opaque CLIENT=$(echo "$opaque_client" | json '["clientId"]') SECRET=$(echo "$opaque_client" | json '["clientSecret"]') \
  run "authorization → issue → token (each request; 3 per flow)" 8 8 -s Benchmarks/wrk/code_flow.lua "$base"
export BODY="{\"token\": \"$introspected\"}"
expect_action "/api/$opaque/auth/introspection" OK
run "introspection (/auth/introspection)" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$opaque/auth/introspection"
export BODY="{\"parameters\": \"token=$introspected\"}"
expect_action "/api/$opaque/auth/introspection/standard" OK
run "RFC 7662 introspection (/auth/introspection/standard)" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$opaque/auth/introspection/standard"
form="grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=$subject&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"
export BODY="{\"parameters\": \"$form\", \"clientId\": \"$exchange_id\", \"clientSecret\": \"$exchange_secret\"}"
expect_action "/api/$exchange/auth/token" OK
run "token exchange, form (/auth/token, direct)" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$exchange/auth/token"
export BODY="{\"grant_type\": \"urn:ietf:params:oauth:grant-type:token-exchange\", \"subject_token\": \"$subject\", \"subject_token_type\": \"urn:ietf:params:oauth:token-type:access_token\", \"client_id\": \"$exchange_id\", \"client_secret\": \"$exchange_secret\"}"
api "/api/$exchange/auth/token/exchange" "$BODY" | json '["issued_token_type"]' >/dev/null
run "token exchange, JSON (/auth/token/exchange)" 2 "$connections" -s Benchmarks/wrk/post.lua "$base/api/$exchange/auth/token/exchange"
echo
[ -n "${ratio:-}" ] && echo "client_credentials (ES256 JWT, persisted): warrant / Authlib peer = ${ratio}×"
kind=SQLite
[ "$postgres" = 1 ] && kind=PostgreSQL
echo "client_credentials (ES256 JWT): $kind / in-memory store = $(python3 -c "print(f'{$warrant_rps / $memory_rps:.2f}')")×"
echo "warrant peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$pid/status")"
