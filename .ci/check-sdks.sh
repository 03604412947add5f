#!/usr/bin/env bash
# The TypeScript and Python SDKs specgen generates: the fixture spec's (Tests/SpecGenTests/Golden) give the
# Swift runtime's violations for the same values; warrant's (Generated/typescript, Generated/python) compile
# with tsc --strict (Debian's node-typescript) and run against a live warrant.
# Usage: check-sdks.sh SERVER_URL ORGANIZATION_TOKEN
set -euo pipefail
cd "$(dirname "$0")/.."
server=$1 token=$2

if ! command -v tsc >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq node-typescript >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
compile() {  # compile OUT FILES…: tsc --strict, as CommonJS for node
  local out=$1; shift
  mkdir -p "$out/src"
  cp "$@" "$out/src/"
  tsc --strict --noImplicitReturns --target es2020 --module commonjs --lib es2020,dom --outDir "$out/js" "$out"/src/*.ts
}

echo "== TypeScript SDK of the fixture spec ($(tsc --version)): the Swift runtime's messages"
compile "$work/fixture" Tests/SpecGenTests/Golden/typescript/*.ts Tests/Interop/sdk_messages.ts
node "$work/fixture/js/sdk_messages.js"

echo "== Python SDK of the fixture spec: the Swift runtime's messages"
python3 Tests/Interop/sdk_messages.py Tests/SpecGenTests/Golden/python

echo "== names and text that could break an SDK (Tests/Fixtures/sdk-names): both compile and import"
swift run -q specgen generate --language typescript --spec Tests/Fixtures/sdk-names --output "$work/names/ts" --quiet 2>/dev/null
swift run -q specgen generate --language python --spec Tests/Fixtures/sdk-names --output "$work/names/py/awkward_api" --quiet 2>/dev/null
tsc --strict --noEmit --target es2020 --module commonjs --lib es2020,dom "$work"/names/ts/*.ts
(cd "$work/names/py" && python3 -c "
import awkward_api as a
box = a.BaseClient(class_=a.Checker.VALUES_, nested=a.BaseClient())
assert box.to_json() == {'field': [], 'class': 'VALUES', 'nested': {'field': [], 'class': 'NONE'}}, box.to_json()
assert [v.path for v in a.BaseClient.validate({'field': [1]})] == ['/field/0']
print('ok: the awkward names compile in TypeScript and import and work in Python')
")

echo "== warrant's TypeScript SDK (Generated/typescript) against warrant"
compile "$work/warrant" Generated/typescript/*.ts Tests/Interop/sdk_typescript.ts
node "$work/warrant/js/sdk_typescript.js" "$server" "$token"

echo "== warrant's Python SDK (Generated/python/warrant_api) against warrant"
python3 Tests/Interop/sdk_python.py Generated/python "$server" "$token"
