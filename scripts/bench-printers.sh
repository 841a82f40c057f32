#!/usr/bin/env bash
# What many printers cost the node that hosts their entities (all printer entities live on the printer shard
# coordinator's node: docs/design.md, "Remembered entities").
#
#   scripts/bench-printers.sh [--printers "3 300 1000"] [--seconds S (default 60)] [--out DIR]
#
# On loopback, each on a free port: one AppSocket sink (`spoolctl simulate`); then, for each count N in turn, one node
# (Release build, SQLite in a fresh data directory) with N printers, all pointing at that sink, and one queue. Once
# the node is ready and every printer's heartbeat probe has been answered (the table's "start → all probed": from
# starting the process, on an empty database) it idles 30 s (start-up, JIT), then the
# node's CPU time and RSS are measured over S seconds with no job printing: what is left is the heartbeats (a TCP
# connect per printer every actorspool.spool.heartbeat-interval) plus the node's own baseline (cluster, metrics).
# Then the node is SIGKILLed and started again on its data directory ("restart → all probed": the remembered printer
# entities start again and probe, as on the node that takes over when the printers' node dies).
# Prints a Markdown table, also written to $OUT/bench-printers.md; node logs in $OUT/logs.
# Needs curl and jq. Builds the node and spoolctl (Release) first.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNTS="3 300 1000"
SECONDS_MEASURED=60
OUT=""
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --printers) [ $# -ge 2 ] || { usage >&2; exit 2; }; COUNTS=$2; shift ;;
    --seconds) [ $# -ge 2 ] || { usage >&2; exit 2; }; SECONDS_MEASURED=$2; shift ;;
    --out) [ $# -ge 2 ] || { usage >&2; exit 2; }; OUT=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-printers: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in $COUNTS; do
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 20000 ] || { echo "bench-printers: --printers takes counts 1..20000" >&2; exit 2; }
done
[[ $SECONDS_MEASURED =~ ^[0-9]+$ ]] && [ "$SECONDS_MEASURED" -ge 10 ] || { echo "bench-printers: --seconds must be at least 10" >&2; exit 2; }

[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/bench-printers.XXXXXX)
mkdir -p "$OUT/logs" "$OUT/work"
OUT=$(cd "$OUT" && pwd)
WORK="$OUT/work"

SCRIPT_NAME=bench-printers
# shellcheck source=lib/local-servers.sh
. scripts/lib/local-servers.sh
trap 'stop_pids "${PIDS[@]+"${PIDS[@]}"}"; rm -rf "$WORK"' EXIT

command -v jq >/dev/null && command -v curl >/dev/null || die "needs jq and curl"
build_release
start_sink printers --no-files

printers_conf() { # printers_conf N FILE
  {
    echo "actorspool {"
    echo "  printers {"
    for i in $(seq 1 "$1"); do echo "    p$i { uri = \"socket://127.0.0.1:$SINK_PORT\" }"; done
    echo "  }"
    echo "  queues {"
    echo "    office { printers = [p1] }"
    echo "  }"
    echo "  default-queue = office"
    echo "  demo-printers = off"
    echo "}"
  } >"$2"
}

# Printers whose heartbeat probe has been answered (probeLatencyMs is null before that), from the node's REST API.
printers_known() { curl -fsS "http://127.0.0.1:$1/api/v1/printers" | jq '[.[] | select(.probeLatencyMs != null)] | length'; }
all_printers_known() { [ "$(printers_known "$1")" -ge "$2" ]; }

HEARTBEAT=$(sed -n 's/^ *heartbeat-interval = \([0-9a-z]*\) *# printer probes.*/\1/p' config/actorspool.conf)

# start_probed N WHAT: starts the node ("${args[@]}", log $LOG_FILE) and waits until it is ready and all N printers
# were probed; sets pid and probed_after (seconds from starting the process).
start_probed() {
  local started
  started=$(date +%s.%N)
  start_bg dotnet "$NODE_DLL" "${args[@]}"
  pid=$STARTED_PID
  wait_until 120 "the $2 node with $1 printers" curl -fsS "http://127.0.0.1:$http/health/ready"
  wait_until 120 "the first heartbeat of $1 printers ($2 node)" all_printers_known "$http" "$1"
  probed_after=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

ROWS=()
for n in $COUNTS; do
  printers_conf "$n" "$WORK/printers-$n.conf"
  http=$(free_port)
  args=(--data "$WORK/node-$n" --printers "$WORK/printers-$n.conf" --node-port "$(free_port)" --ipp-port "$(free_port)"
    --http-port "$http" --cmd-port "$(free_port)")
  LOG_FILE="$OUT/logs/node-$n.log"
  start_probed "$n" new
  probed=$probed_after
  log "$n printers: all probed once; idling 30 s, then measuring $SECONDS_MEASURED s"
  sleep 30
  before=$(cpu_ticks "$pid")
  sleep "$SECONDS_MEASURED"
  after=$(cpu_ticks "$pid")
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
  states=$(curl -fsS "http://127.0.0.1:$http/api/v1/printers" | jq -r 'group_by(.state) | map("\(length) \(.[0].state)") | join(", ")')
  ms_per_s=$(awk -v t=$((after - before)) -v hz="$TICKS" -v s="$SECONDS_MEASURED" 'BEGIN { printf "%.0f", t * 1000 / hz / s }')
  kill -9 "$pid"
  stop_started "$pid"
  LOG_FILE="$OUT/logs/node-$n-restart.log"
  start_probed "$n" restarted
  reprobed=$probed_after
  stop_started "$pid"
  ROWS+=("| $n | $probed s | $reprobed s | $ms_per_s | $(awk -v ms="$ms_per_s" 'BEGIN { printf "%.1f", ms / 10 }') % | $((rss / 1024)) MiB | $states |")
  log "$n printers: all probed $probed s after the node's start, $reprobed s after its restart; $ms_per_s ms CPU per second, RSS $((rss / 1024)) MiB ($states)"
done

{
  echo "# Idle cost of printers on one node"
  echo
  echo "- $(nproc) CPU(s), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); $(git rev-parse --short HEAD 2>/dev/null || echo "no git"), Release; $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- one node on SQLite, N printers on one AppSocket sink, no job printing; heartbeat-interval $HEARTBEAT; measured over $SECONDS_MEASURED s after 30 s idle"
  echo
  echo "| printers | start → all probed | restart → all probed | node CPU (ms per s) | of one core | RSS | printer states at the end |"
  echo "|---:|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/bench-printers.md"
