#!/usr/bin/env bash
# same-reports.sh OLD_SEP NEW_SEP [BIG_FILE]
#
# Proves a refactor leaves every report byte-identical: writes `sep gen` data
# in every format (with OLD_SEP), scores each with both binaries under 12
# setting combinations and compares, with cmp, the JSON report, the text
# report, the per-account and per-user CSVs and the error output. With
# BIG_FILE (e.g. bench/data/segment-1000MB-r200.jsonl) it also compares
# --trend --weights on that file. Exits 1 on the first difference, naming it.
#
# Environment: USERS (default 400), DAYS (default 120), SEED (default 7),
# KEEP=1 keeps the work folder.
set -euo pipefail

old=$(realpath "$1") new=$(realpath "$2") big=${3:-}
users=${USERS:-400} days=${DAYS:-120} seed=${SEED:-7}
work=$(mktemp -d)
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$work"' EXIT

formats="segment mixpanel amplitude posthog csv"
# name|flags (shell-quoted): defaults and the 12 combinations.
combos=(
  "defaults|"
  "trend|--trend"
  "weights|--weights 'Report Created:3,Query Run:1,Chart Edited:2,Invite Sent:5'"
  "account|--unit account"
  "wau-mau|--ratio wau/mau"
  "dau-wau|--ratio dau/wau"
  "window14|--window 14"
  "window90|--window 90 --trend"
  "as-of|--as-of 2026-08-15"
  "paris|--tz Europe/Paris"
  "la|--tz America/Los_Angeles --trend"
  "by-role|--by role --by plan --by tenure"
  "core|--core-events 'Report Created,Query Run,Chart Edited,Dashboard Shared'"
)

# run BIN OUT FILE FLAGS: the JSON, text and CSV outputs of one run under OUT.
run() {
  local bin=$1 out=$2 file=$3
  shift 3
  mkdir -p "$out"
  local args
  eval "args=($*)"
  "$bin" score --json ${args[@]+"${args[@]}"} "$file" >"$out/report.json" 2>"$out/json.err" || echo "exit $?" >>"$out/json.err"
  "$bin" score --accounts-csv "$out/accounts.csv" --users-csv "$out/users.csv" ${args[@]+"${args[@]}"} "$file" \
    >"$out/report.txt" 2>"$out/text.err" || echo "exit $?" >>"$out/text.err"
}

# same A B LABEL: cmp every output of A and B.
same() {
  local f
  for f in report.json report.txt accounts.csv users.csv json.err text.err; do
    if [ -e "$1/$f" ] || [ -e "$2/$f" ]; then
      cmp "$1/$f" "$2/$f" || { echo "DIFFERENT: $3 $f (outputs in $work)"; trap - EXIT; exit 1; }
    fi
  done
}

n=0
for fmt in $formats; do
  "$old" gen --users "$users" --days "$days" --seed "$seed" --format "$fmt" --repeat-every 50 -o "$work/$fmt.data"
  for c in "${combos[@]}"; do
    name=${c%%|*} flags=${c#*|}
    run "$old" "$work/old/$fmt/$name" "$work/$fmt.data" "$flags"
    run "$new" "$work/new/$fmt/$name" "$work/$fmt.data" "$flags"
    same "$work/old/$fmt/$name" "$work/new/$fmt/$name" "$fmt $name"
    [ -s "$work/old/$fmt/$name/report.json" ] || { echo "EMPTY: $fmt $name: $(cat "$work/old/$fmt/$name/json.err")"; exit 1; }
    n=$((n + 1))
  done
done
echo "same: $n runs (${formats// /, } x ${#combos[@]} settings), JSON, text, CSVs and errors byte-identical"

if [ -n "$big" ]; then
  for bin in old new; do
    b=$old
    [ $bin = new ] && b=$new
    /usr/bin/time -f "$bin: %e s, %M KB" "$b" score --json --trend --weights "Report Created:3,Query Run:1" "$big" >"$work/big-$bin.json"
    /usr/bin/time -f "$bin text: %e s, %M KB" "$b" score --trend --weights "Report Created:3,Query Run:1" "$big" >"$work/big-$bin.txt"
  done
  cmp "$work/big-old.json" "$work/big-new.json" && cmp "$work/big-old.txt" "$work/big-new.txt" ||
    { echo "DIFFERENT: $big"; trap - EXIT; exit 1; }
  echo "same: $(basename "$big") --trend --weights, JSON and text byte-identical"
fi
