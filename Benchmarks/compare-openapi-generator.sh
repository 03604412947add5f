#!/usr/bin/env bash
# specgen side by side with apple/swift-openapi-generator 1.14.3 on the same API: swift-openapi-generator
# reads specgen's OpenAPI export of the spec. For warrant's spec/ and the synthetic spec (1,000 structures,
# 300 endpoints, 10 files) it prints the generation time, the lines generated, and the compile time of the
# generated types, server and client, each its own target of one package whose dependencies (SpecRuntime,
# OpenAPIRuntime) are built first, in debug and in release.
# Usage: Benchmarks/compare-openapi-generator.sh [debug|release|both]   (default both)
# SPECS="warrant synthetic" (the default) picks the specs; WORK=dir keeps the build folder between runs
# (the dependencies then build once). Each figure is printed to stderr as it is measured, the table at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
configs=${1:-both}
[ "$configs" = both ] && configs="debug release"
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
ms() { echo $(($(date +%s%N) / 1000000)); }
seconds() { awk -v ms="$1" 'BEGIN {printf "%.1f", ms / 1000}'; }

echo "== building specgen and swift-openapi-generator (release)" >&2
(cd "$root" && swift build -c release --product specgen >/dev/null)
specgen=$(cd "$root" && swift build -c release --show-bin-path)/specgen
mkdir -p "$work/sog-cli/Sources/Empty"
cat >"$work/sog-cli/Package.swift" <<'EOF'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "sog-cli",
    dependencies: [.package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3")],
    targets: [.target(name: "Empty")]
)
EOF
echo "// The package exists to build swift-openapi-generator's command." >"$work/sog-cli/Sources/Empty/Empty.swift"
(cd "$work/sog-cli" && swift build -c release --product swift-openapi-generator >/dev/null)
sog=$(cd "$work/sog-cli" && swift build -c release --show-bin-path)/swift-openapi-generator

python3 "$root/Benchmarks/synthetic_spec.py" "$work/synthetic-spec" 1000 300 >/dev/null

# The package holding every generated target: <Spec><Generator><Part>.
bench=$work/bench
rm -rf "$bench/Sources"
mkdir -p "$bench/Sources"
targets=""
declare -A generate_ms lines
for spec in ${SPECS:-warrant synthetic}; do
  case $spec in
    warrant) spec_dir=$root/spec ;;
    synthetic) spec_dir=$work/synthetic-spec ;;
  esac
  Spec=$(echo "${spec:0:1}" | tr a-z A-Z)${spec:1}
  "$specgen" openapi --spec "$spec_dir" --output "$work/$spec.openapi.yaml" >/dev/null 2>&1

  # specgen: one run writes every file; they are sorted into the three targets.
  out=$work/$spec-specgen
  rm -rf "$out"
  start=$(ms)
  "$specgen" generate --spec "$spec_dir" --output "$out" --quiet 2>/dev/null
  generate_ms[$spec-specgen]=$(($(ms) - start))
  lines[$spec-specgen]=$(cat "$out"/*.swift | wc -l)
  for part in Types Server Client; do mkdir -p "$bench/Sources/${Spec}Specgen$part"; done
  for file in "$out"/*.swift; do
    name=$(basename "$file")
    case $name in
      *.Server.swift | *.Server.[0-9]*.swift | ServerRegistration.swift) part=Server ;;
      *.Client.swift | *.Client.[0-9]*.swift | ClientType.swift) part=Client ;;
      *) part=Types ;;
    esac
    # The server and the client see the types as another module's.
    if [ $part = Types ]; then cp "$file" "$bench/Sources/${Spec}Specgen$part/"; else
      sed "1a import ${Spec}SpecgenTypes" "$file" >"$bench/Sources/${Spec}Specgen$part/$name"
    fi
  done

  # swift-openapi-generator: one run per part, each into its target.
  total=0
  for part in Types Server Client; do
    dir=$bench/Sources/${Spec}SOG$part
    mkdir -p "$dir"
    mode=$(echo $part | tr A-Z a-z)
    imports=""
    [ $part != Types ] && imports="additionalImports: [${Spec}SOGTypes]"
    printf 'generate: [%s]\naccessModifier: public\n%s\n' "$mode" "$imports" >"$work/$spec-$mode.yaml"
    start=$(ms)
    "$sog" generate "$work/$spec.openapi.yaml" --config "$work/$spec-$mode.yaml" --output-directory "$dir" >/dev/null 2>&1
    total=$((total + $(ms) - start))
  done
  generate_ms[$spec-sog]=$total
  lines[$spec-sog]=$(cat "$bench/Sources/${Spec}SOG"*/*.swift | wc -l)
  echo "== $spec: specgen $(seconds ${generate_ms[$spec-specgen]}) s, ${lines[$spec-specgen]} lines; swift-openapi-generator $(seconds $total) s, ${lines[$spec-sog]} lines" >&2
  targets="$targets $spec"
done

spec_names=$(for spec in $targets; do printf '"%s", ' "$(echo "${spec:0:1}" | tr a-z A-Z)${spec:1}"; done)
cat >"$bench/Package.swift" <<EOF
// swift-tools-version:6.1
import PackageDescription
let specs = [$spec_names]
let package = Package(
    name: "bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "warrant", path: "$root"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: specs.flatMap { spec -> [Target] in
        let runtime: [Target.Dependency] = [
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]
        let specgen = runtime + [.product(name: "SpecRuntime", package: "warrant")]
        return [
            .target(name: spec + "SpecgenTypes", dependencies: specgen),
            .target(name: spec + "SpecgenServer", dependencies: specgen + [.target(name: spec + "SpecgenTypes")]),
            .target(name: spec + "SpecgenClient", dependencies: specgen + [.target(name: spec + "SpecgenTypes")]),
            .target(name: spec + "SOGTypes", dependencies: runtime),
            .target(name: spec + "SOGServer", dependencies: runtime + [.target(name: spec + "SOGTypes")]),
            .target(name: spec + "SOGClient", dependencies: runtime + [.target(name: spec + "SOGTypes")]),
        ]
    }
)
EOF

declare -A compile_ms
for config in $configs; do
  echo "== $config: building the dependencies" >&2
  (cd "$bench" && swift build -c "$config" --target SpecRuntime >/dev/null && swift build -c "$config" --target OpenAPIRuntime >/dev/null)
  for spec in $targets; do
    Spec=$(echo "${spec:0:1}" | tr a-z A-Z)${spec:1}
    for generator in Specgen SOG; do
      for part in Types Server Client; do
        target=$Spec$generator$part
        echo "== $config: $target" >&2
        start=$(ms)
        (cd "$bench" && swift build -c "$config" --target "$target" >"$work/$target-$config.log" 2>&1) ||
          { echo "error: $target did not compile ($config); see $work/$target-$config.log" >&2; tail -20 "$work/$target-$config.log" >&2; exit 1; }
        compile_ms[$spec-$generator-$part-$config]=$(($(ms) - start))
        echo "   $(seconds ${compile_ms[$spec-$generator-$part-$config]}) s" >&2
      done
    done
  done
done

ratios=""
echo
echo "| spec | generator | generate (s) | lines | $(for c in $configs; do printf '%s: types + server + client = total (s) | ' "$c"; done)"
echo "|---|---|---:|---:|$(for c in $configs; do printf -- '---:|'; done)"
for spec in $targets; do
  for generator in Specgen SOG; do
    key=$spec-$(echo $generator | tr A-Z a-z)
    row="| $spec | $([ $generator = SOG ] && echo swift-openapi-generator 1.14.3 || echo specgen) | $(seconds ${generate_ms[$key]}) | ${lines[$key]} |"
    for config in $configs; do
      t=${compile_ms[$spec-$generator-Types-$config]} s=${compile_ms[$spec-$generator-Server-$config]} c=${compile_ms[$spec-$generator-Client-$config]}
      row="$row $(seconds $t) + $(seconds $s) + $(seconds $c) = $(seconds $((t + s + c))) |"
    done
    echo "$row"
  done
  for config in $configs; do
    a=0 b=0
    for part in Types Server Client; do
      a=$((a + ${compile_ms[$spec-Specgen-$part-$config]})) b=$((b + ${compile_ms[$spec-SOG-$part-$config]}))
    done
    ratios="$ratios$spec, $config: specgen's code compiles in $(awk -v a=$a -v b=$b 'BEGIN {printf "%.2f", a / b}')× swift-openapi-generator's time\n"
  done
done
echo
printf "$ratios"
