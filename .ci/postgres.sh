#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1, for the tests, the multi-node checks and the benchmarks.
#
#   .ci/postgres.sh install         installs Debian's postgresql when no initdb is found (needs root)
#   .ci/postgres.sh start DIR       creates a cluster in DIR (which must not exist), starts it on a free port,
#                                   and prints its URL: postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#   .ci/postgres.sh stop DIR        stops it (fast) and removes DIR
#   .ci/postgres.sh restart DIR     stops it without removing anything and starts it again on the same port
#   .ci/postgres.sh kill DIR        kills it with SIGKILL, as a crash would (restart brings it back)
#   .ci/postgres.sh url DIR         prints the URL of the cluster in DIR
#   .ci/postgres.sh bindir          prints the folder of PostgreSQL's programs (pg_dump, psql …)
#
# The cluster trusts local connections (it listens on loopback only) and runs as the postgres user when
# started by root, since PostgreSQL refuses to run as root.
set -euo pipefail

bindir() {
    if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$found" ] && [ -x "$found/initdb" ]; then echo "$found"; return; fi
    echo "PostgreSQL is not installed: run '.ci/postgres.sh install' (Debian's postgresql package)" >&2
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_cluster() {
    local dir=$1 port=$2 bin
    bin=$(bindir)
    # POSTGRES_FSYNC=off (the test suites' cluster, where every test creates a database) skips the flushes
    # to disk; a killed server still loses nothing it committed, only a machine crash could.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c shared_buffers=128MB -c fsync=${POSTGRES_FSYNC:-on}" start >/dev/null
    echo "$port" > "$dir/port"
}

case "${1:-}" in
install)
    if bindir >/dev/null 2>&1; then exit 0; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q postgresql >/dev/null
    bindir >/dev/null
    ;;
start)
    dir=${2:?usage: postgres.sh start DIR}
    if [ -e "$dir" ]; then echo "$dir exists" >&2; exit 1; fi
    bin=$(bindir)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
        chown postgres "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    start_cluster "$dir" "$(free_port)"
    echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable"
    ;;
stop)
    dir=${2:?usage: postgres.sh stop DIR}
    if [ -d "$dir/data" ]; then as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
restart)
    dir=${2:?usage: postgres.sh restart DIR}
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    start_cluster "$dir" "$(cat "$dir/port")"
    ;;
bindir)
    bindir
    ;;
url)
    dir=${2:?usage: postgres.sh url DIR}
    echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable"
    ;;
kill)
    dir=${2:?usage: postgres.sh kill DIR}
    pid=$(head -1 "$dir/data/postmaster.pid")
    # The postmaster and every backend, as a machine losing power would leave them.
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$dir/data/postmaster.pid"
    ;;
*)
    sed -n '2,13p' "$0" >&2
    exit 2
    ;;
esac
