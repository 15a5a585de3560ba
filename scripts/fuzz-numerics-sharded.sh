#!/usr/bin/env bash
# Runs a long cascade-fuzz-numerics campaign split over cores: cases
# FIRST .. FIRST+CASES-1 of one seed are cut into JOBS contiguous shards, each
# run by its own tester process pinned to one core (so the CPU target's
# work-item threads do not oversubscribe the machine). Every shard logs to
# LOGDIR/shard-N.log (failures as they happen, a progress line every 10
# cases); the summary line counts cases and failures over all shards.
#
#   scripts/fuzz-numerics-sharded.sh --bin build/bin --seed 20261124 \
#       --first 0 --cases 10000 --jobs 16 --logdir /tmp/fuzz -- --targets reference
#
# Arguments after `--` go to every tester process (--targets, --pipelines).
# --deadline SECONDS stops every shard after that long; the summary then says
# which cases each unfinished shard checked, to go on from there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="" seed="" first=0 cases=10000 jobs="$(nproc)" logdir=fuzz-logs deadline=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --first) first="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --logdir) logdir="$2"; shift 2 ;;
    --deadline) deadline="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "fuzz-numerics-sharded.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [[ -z "$seed" ]]; then
  seed=$((RANDOM * 32768 + RANDOM + 1))
fi
mkdir -p "$logdir"
tester=("${PYTHON:-python3}" "$here/tools/cascade-fuzz-numerics/cascade-fuzz-numerics")
[[ -n "$bin" ]] && tester+=(--bin "$bin")

cores="$(nproc)"
per=$(((cases + jobs - 1) / jobs))
pids=()
for ((j = 0; j < jobs; j++)); do
  start=$((first + j * per))
  count=$((cases - j * per))
  ((count > per)) && count=$per
  ((count <= 0)) && break
  limit=()
  [[ -n "$deadline" ]] && limit=(timeout "$deadline")
  echo "$start" >"$logdir/shard-$j.first"
  "${limit[@]}" taskset -c $((j % cores)) "${tester[@]}" --seed "$seed" --first "$start" \
    --cases "$count" --progress 10 "$@" >"$logdir/shard-$j.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done

# Each finished shard ends with its own summary line; a shard stopped early
# (a time limit) has only progress lines, so count what it finished.
total=0 failed=0 unfinished=0
for log in "$logdir"/shard-*.log; do
  if line=$(grep -E '^cascade-fuzz-numerics: seed' "$log"); then
    total=$((total + $(sed -E 's/.*, ([0-9]+) cases, ([0-9]+) failures/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/.*, ([0-9]+) cases, ([0-9]+) failures/\2/' <<<"$line")))
  else
    unfinished=$((unfinished + 1))
    done_here=0
    if line=$(grep -E '^\.\.\. [0-9]+ cases' "$log" | tail -1); then
      done_here=$(awk '{print $2}' <<<"$line")
    fi
    total=$((total + done_here))
    start=$(cat "${log%.log}.first")
    echo "unfinished: $(basename "$log") checked cases $start..$((start + done_here - 1))"
    failed=$((failed + $(grep -c '^FAIL seed' "$log" || true)))
  fi
done
echo "fuzz-numerics-sharded: seed $seed, cases $first..$((first + cases - 1)) in $jobs shards:" \
  "$total cases checked, $failed failures, $unfinished shards unfinished (logs in $logdir)"
grep -h '^FAIL seed' "$logdir"/shard-*.log || true
[[ $status -eq 0 && $failed -eq 0 && $unfinished -eq 0 ]]
