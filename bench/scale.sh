#!/usr/bin/env bash
# Scale benchmark: tariffsim side by side with a polars script on synthetic data at full
# product detail, generated at run time (nothing is committed). Not part of the tests.
#
#   bench/scale.sh                      # the table of 10k/100k/1M flows, loading, rules, GSIM
#   REPS=5 bench/scale.sh               # medians of 5 interleaved runs (default 3)
#   BEFORE=/path/to/old/tariffsim bench/scale.sh   # adds a column for another build
#   QUICK=1 bench/scale.sh              # 10k and 100k only
#   ONLY=draws bench/scale.sh           # only the Monte-Carlo and shipped-scenario sections
#
# Needs: python3 with numpy, pandas and polars (pip install numpy pandas polars), GNU time at
# /usr/bin/time, a release build (made here). Data and outputs go to $WORK (default a
# temporary folder, removed at the end unless KEEP=1).
#
# Each cell is the median wall time of REPS runs, the CPU time (user + sys) of that run and
# the largest peak memory (maximum resident set) seen. The machine's load average is printed:
# on a busy machine compare CPU times and ratios, not wall times.
#
# The generators and the peer in bench/peer/ are copies of the project's shared benchmark
# programs (smart_numpy.py gen, convert.py, smart_polars.py, gen_gsim.py).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS=${REPS:-3}
PEER="$ROOT/bench/peer"
WORK=${WORK:-$(mktemp -d /tmp/tariffsim-scale.XXXXXX)}
mkdir -p "$WORK"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet
NEW="$ROOT/target/release/tariffsim"
BEFORE=${BEFORE:-}

# measure LABEL CMD...: runs CMD once, appends "label wall cpu peak_kb" to $WORK/times.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/err.txt" || {
    echo "failed: $*" >&2
    cat "$WORK/err.txt" >&2
    exit 1
  }
  read -r wall user sys peak <"$WORK/time.txt"
  echo "$label $wall $(echo "$user + $sys" | bc) $peak" >>"$WORK/times"
}

# cell LABEL: "median wall s (cpu s, peak MB)" over the runs recorded under LABEL.
cell() {
  grep "^$1 " "$WORK/times" | sort -k2 -g | awk -v n="$REPS" '
    { wall[NR] = $2; cpu[NR] = $3; if ($4 > peak) peak = $4 }
    END { m = int((NR + 1) / 2); printf "%.2f s (cpu %.2f s, %.0f MB)", wall[m], cpu[m], peak / 1024 }'
}

wall_of() { grep "^$1 " "$WORK/times" | sort -k2 -g | awk '{ w[NR] = $2 } END { print w[int((NR + 1) / 2)] }'; }
cpu_of() { grep "^$1 " "$WORK/times" | sort -k3 -g | awk '{ c[NR] = $3 } END { print c[int((NR + 1) / 2)] }'; }

gen_flows() { # NAME PRODUCTS EXPORTERS
  [ -f "$WORK/$1.csv" ] || python3 "$PEER/smart_numpy.py" gen "$2" "$3" "$WORK/$1.csv"
  [ -d "$WORK/sc-$1" ] || python3 "$PEER/convert.py" "$WORK/$1.csv" "$WORK/sc-$1" >/dev/null
}

: >"$WORK/times"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"

# --- Monte Carlo: 1,000 draws over 100k flows; the shipped deal scenarios as shipped ------------
# Each run is end to end (read, simulate, draw, write); the same run with --draws 0 shows what
# the draws themselves cost.
draws_section() {
  gen_flows f100k 1000 100
  [ -d "$WORK/sc-mc100k" ] || python3 "$PEER/convert.py" "$WORK/f100k.csv" "$WORK/sc-mc100k" --draws 1000 >/dev/null
  local deals="us-pakistan-deal-collected us-pakistan-deal-vs-threat"
  for _ in $(seq "$REPS"); do
    for d in 1000 0; do
      rm -rf "$WORK/out-mc"
      measure "mc100k-$d" "$NEW" run "$WORK/sc-mc100k/scenario.toml" --draws "$d" --out "$WORK/out-mc" --quiet
      [ -z "$BEFORE" ] || measure "mc100k-$d-before" "$BEFORE" run "$WORK/sc-mc100k/scenario.toml" --draws "$d" --out "$WORK/out-mc" --quiet
      for s in $deals; do
        rm -rf "$WORK/out-deal"
        measure "$s-$d" "$NEW" run "scenarios/$s.toml" --draws "$d" --out "$WORK/out-deal" --quiet
        [ -z "$BEFORE" ] || measure "$s-$d-before" "$BEFORE" run "scenarios/$s.toml" --draws "$d" --out "$WORK/out-deal" --quiet
      done
    done
  done
  echo
  echo "## Monte Carlo and the shipped deal scenarios, end to end, median of $REPS"
  echo
  echo "The deal scenarios run on the HS6 x 50-partner base (93,413 flows) with their own"
  echo "sensitivity and projection; only the number of draws changes."
  echo
  echo "| run | 1,000 draws | no draws |${BEFORE:+ 1,000 draws, before | no draws, before |}"
  echo "|---|---|---|${BEFORE:+---|---|}"
  for r in mc100k $deals; do
    echo "| $r | $(cell "$r-1000") | $(cell "$r-0") |${BEFORE:+ $(cell "$r-1000-before") | $(cell "$r-0-before") |}"
  done
}
if [ "${ONLY:-}" = draws ]; then
  draws_section
  echo
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

# --- End to end: read, validate, simulate, write every output --------------------------------
SIZES="10k:100:100 100k:1000:100 1M:5000:200"
[ "${QUICK:-0}" = 1 ] && SIZES="10k:100:100 100k:1000:100"
for spec in $SIZES; do
  IFS=: read -r name products exporters <<<"$spec"
  gen_flows "f$name" "$products" "$exporters"
  for _ in $(seq "$REPS"); do
    rm -rf "$WORK/out"
    measure "e2e-$name-tariffsim" "$NEW" run "$WORK/sc-f$name/scenario.toml" --out "$WORK/out" --quiet
    if [ -n "$BEFORE" ]; then
      rm -rf "$WORK/out-before"
      measure "e2e-$name-before" "$BEFORE" run "$WORK/sc-f$name/scenario.toml" --out "$WORK/out-before" --quiet
    fi
    measure "e2e-$name-polars" python3 "$PEER/smart_polars.py" e2e "$WORK/f$name.csv" "$WORK/polars.csv"
  done
  python3 "$ROOT/bench/agree.py" "$WORK/out/flows.csv" "$WORK/polars.csv" | sed "s/^/$name: /"
done

echo
echo "## End to end (median of $REPS; input = the peer's flow CSV)"
echo
if [ -n "$BEFORE" ]; then
  echo "| flows | input CSV | tariffsim | before | polars | tariffsim / polars |"
  echo "|---|---|---|---|---|---|"
else
  echo "| flows | input CSV | tariffsim | polars | tariffsim / polars |"
  echo "|---|---|---|---|---|"
fi
for spec in $SIZES; do
  IFS=: read -r name _ _ <<<"$spec"
  size=$(du -mL "$WORK/f$name.csv" | cut -f1)
  ratio=$(echo "scale=2; $(wall_of "e2e-$name-tariffsim") / $(wall_of "e2e-$name-polars")" | bc)
  if [ -n "$BEFORE" ]; then
    echo "| $name | $size MB | $(cell "e2e-$name-tariffsim") | $(cell "e2e-$name-before") | $(cell "e2e-$name-polars") | $ratio |"
  else
    echo "| $name | $size MB | $(cell "e2e-$name-tariffsim") | $(cell "e2e-$name-polars") | $ratio |"
  fi
done
[ "${QUICK:-0}" = 1 ] && exit 0

draws_section

# --- Loading alone (tariffsim validate) at 0.5M, 1M, 2M flows ---------------------------------
gen_flows f500k 5000 100
gen_flows f2M 10000 200
for name in 500k 1M 2M; do
  for _ in $(seq "$REPS"); do
    measure "load-$name" "$NEW" validate "$WORK/sc-f$name/scenario.toml"
    [ -z "$BEFORE" ] || measure "load-$name-before" "$BEFORE" validate "$WORK/sc-f$name/scenario.toml"
  done
done
echo
echo "## Loading (validate), median of $REPS"
echo
echo "| flows | tariffsim | CPU time ratio to the half size |${BEFORE:+ before |}"
echo "|---|---|---|${BEFORE:+---|}"
prev=""
for name in 500k 1M 2M; do
  w=$(cpu_of "load-$name")
  r=$([ -n "$prev" ] && echo "scale=2; $w / $prev" | bc || echo "")
  echo "| $name | $(cell "load-$name") | $r |${BEFORE:+ $(cell "load-$name-before") |}"
  prev=$w
done

# --- [[policy]] rules: 10k and 20k one-cell rules on the 100k-flow scenario -------------------
for n in 10000 20000; do
  dir="$WORK/sc-rules$n"
  if [ ! -d "$dir" ]; then
    cp -r "$WORK/sc-f100k" "$dir"
    python3 - "$dir/scenario.toml" "$n" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "a") as f:
    for k in range(n):
        f.write(f'\n[[policy]]\nexporter = "X{k % 100:03d}"\nhs_codes = ["P{k % 1000:06d}"]\n'
                f'change_pts = {1 + k % 7}\nnote = "rule {k}"\n')
EOF
  fi
  for _ in $(seq "$REPS"); do
    measure "rules-$n" "$NEW" validate "$dir/scenario.toml"
    [ -z "$BEFORE" ] || measure "rules-$n-before" "$BEFORE" validate "$dir/scenario.toml"
  done
done
echo
echo "## [[policy]] rules on 100k flows (validate), median of $REPS"
echo
echo "| rules | tariffsim |${BEFORE:+ before |}"
echo "|---|---|${BEFORE:+---|}"
for n in 10000 20000; do
  echo "| $n | $(cell "rules-$n") |${BEFORE:+ $(cell "rules-$n-before") |}"
done

# --- GSIM, 50 regions x 1,000 products, levels form, end to end -------------------------------
[ -d "$WORK/gsim50" ] || python3 "$PEER/gen_gsim.py" "$WORK/gsim50" 50 1000 levels >/dev/null
for _ in $(seq "$REPS"); do
  rm -rf "$WORK/out-gsim"
  measure gsim "$NEW" run "$WORK/gsim50/scenario.toml" --out "$WORK/out-gsim" --quiet
  if [ -n "$BEFORE" ]; then
    rm -rf "$WORK/out-gsim-before"
    measure gsim-before "$BEFORE" run "$WORK/gsim50/scenario.toml" --out "$WORK/out-gsim-before" --quiet
  fi
done
echo
echo "## GSIM 50 regions x 1,000 products (levels), end to end, median of $REPS"
echo
echo "| tariffsim |${BEFORE:+ before |}"
echo "|---|${BEFORE:+---|}"
echo "| $(cell gsim) |${BEFORE:+ $(cell gsim-before) |}"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
