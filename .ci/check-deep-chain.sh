#!/usr/bin/env bash
# A spec whose structures nest 1,000 deep (each holding the next as an optional field) generates Swift
# that compiles, models, validators, routes and client together, in bounded memory: specgen boxes every
# eighth link instead of storing the chain inline.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== a spec nesting 1,000 structures deep compiles in bounded memory"
swift build -q --product specgen 2>/dev/null
swift build -q --target SpecRuntime 2>/dev/null
bin=$(swift build --show-bin-path)
python3 Benchmarks/deep_chain_spec.py "$work/spec" 1000
"$bin/specgen" generate --spec "$work/spec" --output "$work/out" --quiet
python3 - "$bin/Modules" "$work" <<'PY'
import glob, resource, subprocess, sys, time
modules, work = sys.argv[1], sys.argv[2]
sources = sorted(glob.glob(f"{work}/out/*.swift"))
start = time.time()
subprocess.run(["swiftc", "-c", "-wmo", "-parse-as-library", "-module-name", "Deep", "-I", modules, *sources, "-o", f"{work}/deep.o"],
               check=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
boxed = sum(open(path).read().count("Boxed<") for path in sources)
print(f"ok: {len(sources)} files compiled in {time.time() - start:.0f} s, peak {peak:.2f} GiB of memory, {boxed} boxed references")
if peak > 4:
    sys.exit(f"the compiler needed {peak:.2f} GiB; the bound is 4 GiB")
PY
