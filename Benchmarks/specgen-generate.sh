#!/usr/bin/env bash
# Times `specgen generate` (release build) on a synthetic spec of 1,000 structures and 300 endpoints, written
# in 10 files and in one, and on warrant's own spec/. Each figure is the median of RUNS runs into a fresh output folder
# (every file written), then one run where nothing changed (every file compared, none written).
# Usage: Benchmarks/specgen-generate.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
swift build -c release --product specgen >/dev/null 2>&1
specgen=$(swift build -c release --show-bin-path)/specgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 Benchmarks/synthetic_spec.py "$work/synthetic" 1000 300 10
python3 Benchmarks/synthetic_spec.py "$work/synthetic-one-file" 1000 300 1

median_ms() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local start end; start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N); echo $(((end - start) / 1000000)); }

for spec in "$work/synthetic" "$work/synthetic-one-file" spec; do
  cold=$(for i in $(seq "$runs"); do rm -rf "$work/out"; time_ms "$specgen" generate --spec "$spec" --templates Templates --output "$work/out" --quiet 2>/dev/null; done | median_ms)
  warm=$(for i in $(seq "$runs"); do time_ms "$specgen" generate --spec "$spec" --templates Templates --output "$work/out" --quiet 2>/dev/null; done | median_ms)
  files=$(ls "$work/out" | wc -l)
  lines=$(cat "$work/out"/*.swift | wc -l)
  longest=$(wc -l "$work/out"/*.swift | grep -v ' total$' | sort -n | tail -1 | awk '{print $1}')
  echo "$(basename "$spec"): ${cold} ms writing ${files} files (${lines} lines, the longest ${longest}), ${warm} ms when nothing changed (median of ${runs})"
done
