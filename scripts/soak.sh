#!/usr/bin/env bash
# Soak: no false downing under load (issue 17). A three-node cluster under full load for N minutes must mark no live
# node unreachable, down none, and lose none.
#
#   scripts/soak.sh [--minutes N (default 30)] [--out DIR] [--clients N (default 64)]
#
# On loopback, each on a free port: a throwaway PostgreSQL; an AppSocket sink (`spoolctl simulate`, 0 ms per job,
# counting jobs without writing them); three ActorSpool nodes (Release build) on that database, queue `bench` -> sink.
# For the whole duration, at once:
#   - the throughput benchmark's load (as scripts/bench-vs-cups.sh --cluster): `spoolctl bench`, 4 KiB jobs, clients
#     spread over the three nodes' IPP ports; two generators of N/2 clients each, round after round (a round starts
#     once the backlog not yet printed is at most one round), started apart so that the nodes are never idle;
#   - a CPU hog: a busy shell loop pinned to CPU 1 (`taskset -c 1 sh -c 'while :; do :; done'`);
#   - database load: `pgbench -c 4` on its own database (`pgbench -i -s 10`) of the same PostgreSQL server.
# Every 10 s each node's GC pause metrics are scraped ($OUT/metrics/nodeN-gc.tsv) and its process checked. Once the
# load has stopped and the backlog has reached the sink (at most 300 s), the node logs are cut there, everything is
# stopped, and a report is printed and written to $OUT/soak.md: jobs submitted/accepted/printed; per node the
# "Marking node(s) as UNREACHABLE" / "REACHABLE" lines, SBR downing decisions, crashed-member downings ("crashed:"),
# delayed heartbeats, GC pauses (count, total, longest) and whether the process exited; the hog's CPU and pgbench's TPS.
# Exit status: 0 when no node was marked unreachable or downed and none exited (and jobs were accepted), else 1.
# Logs in $OUT/logs. Needs jq, curl, taskset and the PostgreSQL server binaries (installed with apt-get if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=30
CLIENTS=64
OUT=""
SIZE=4K
SCRAPE_EVERY=10
DRAIN_LIMIT=300

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) [ $# -ge 2 ] || { usage >&2; exit 2; }; MINUTES=$2; shift ;;
    --out) [ $# -ge 2 ] || { usage >&2; exit 2; }; OUT=$2; shift ;;
    --clients) [ $# -ge 2 ] || { usage >&2; exit 2; }; CLIENTS=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ $MINUTES =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 1 ] && [ "$MINUTES" -le 1440 ] || { echo "soak: --minutes must be 1..1440" >&2; exit 2; }
[[ $CLIENTS =~ ^[0-9]+$ ]] && [ "$CLIENTS" -ge 2 ] && [ "$CLIENTS" -le 1000 ] || { echo "soak: --clients must be 2..1000" >&2; exit 2; }

[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/soak.XXXXXX)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ ! -e "$OUT/soak.md" ] && [ ! -d "$OUT/logs" ] || { echo "soak: $OUT holds an earlier run; choose another --out" >&2; exit 2; }
mkdir -p "$OUT/logs" "$OUT/json" "$OUT/metrics" "$OUT/work"
WORK="$OUT/work" # the servers' state, removed at the end
STOP_FLAG="$WORK/stop-load"

SCRIPT_NAME=soak
# shellcheck source=lib/local-servers.sh
. scripts/lib/local-servers.sh

LOAD_LOOPS=() # the generators' loops (subshells): their running spoolctl is their child
cleanup() {
  local code=$? loop
  trap - EXIT INT TERM
  touch "$STOP_FLAG" 2>/dev/null || true
  for loop in "${LOAD_LOOPS[@]+"${LOAD_LOOPS[@]}"}"; do
    pkill -TERM -P "$loop" 2>/dev/null || true # its spoolctl (timeout's child gets the signal through timeout)
  done
  [ ${#PIDS[@]} -gt 0 ] && stop_pids "${PIDS[@]}"
  [ ${#LOAD_LOOPS[@]} -gt 0 ] && stop_pids "${LOAD_LOOPS[@]}"
  stop_postgres
  rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

prerequisites() {
  local missing=()
  command -v jq >/dev/null || missing+=(jq)
  command -v curl >/dev/null || missing+=(curl)
  command -v pgrep >/dev/null || missing+=(procps)
  command -v taskset >/dev/null || missing+=(util-linux)
  ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || missing+=(postgresql)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  build_release
}

# ---------------------------------------------------------------------------------------------------------------
# The loads
# ---------------------------------------------------------------------------------------------------------------
# load_loop NAME CLIENTS: spoolctl bench rounds until $STOP_FLAG exists; each round's JSON in $OUT/json/NAME-RRRR.json.
# A round submits 50 jobs per client without waiting for them to print. Submitting is faster than printing, so a
# round starts only once the cluster's backlog (jobs accepted by both generators, less those the sink received) is at
# most one round: the cluster then works at its own pace throughout, as in the benchmark, without a backlog that grows
# for the whole soak.
load_loop() {
  local name=$1 clients=$2 round=0 accepted=0 json args=(bench --queue bench --size "$SIZE" --wait 0 --json) t
  for t in "${NODE_IPP[@]}"; do args+=(--ipp "127.0.0.1:$t"); done
  echo 0 >"$WORK/accepted-$name"
  while [ ! -e "$STOP_FLAG" ]; do
    if [ $(($(awk '{ n += $1 } END { print n + 0 }' "$WORK"/accepted-*) - $(printed))) -gt $((clients * 50)) ]; then
      sleep 1
      continue
    fi
    round=$((round + 1))
    json="$OUT/json/$name-$(printf %04d "$round").json"
    # A round that hangs (a stuck cluster) is ended, and shows as fewer accepted jobs.
    timeout 600 dotnet "$CLI_DLL" "${args[@]}" --jobs $((clients * 50)) --concurrency "$clients" >"$json" 2>>"$OUT/logs/$name.log" || true
    accepted=$((accepted + $(jq -e '.accepted' "$json" 2>/dev/null || echo 0)))
    echo "$accepted" >"$WORK/accepted-$name"
  done
}

start_loads() {
  local half=$((CLIENTS / 2))
  load_loop load-a "$half" &
  LOAD_LOOPS+=($!)
  sleep 3 # the second generator starts apart from the first, so their pauses between rounds never meet
  load_loop load-b $((CLIENTS - half)) &
  LOAD_LOOPS+=($!)
  log "load: $CLIENTS IPP clients ($half + $((CLIENTS - half)) in two generators), $SIZE jobs, over 127.0.0.1:${NODE_IPP[*]}"
}

HOG_PID=""
start_hog() {
  LOG_FILE="$OUT/logs/cpu-hog.log"
  start_bg taskset -c 1 sh -c 'while :; do :; done'
  HOG_PID=$STARTED_PID
  log "CPU hog: pid $HOG_PID, a busy shell loop pinned to CPU 1"
}

PGBENCH_PID=""
start_pgbench() {
  local seconds=$1
  # Clients over TCP as the server's superuser (trust on loopback): no need to run them as postgres.
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U actorspool pgbench >>"$OUT/logs/pgbench.log" 2>&1
  "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U actorspool -i -s 10 -q pgbench >>"$OUT/logs/pgbench.log" 2>&1 ||
    die "pgbench -i failed (see $OUT/logs/pgbench.log)"
  LOG_FILE="$OUT/logs/pgbench.log"
  start_bg "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U actorspool -c 4 -j 1 -T "$seconds" -P 60 pgbench
  PGBENCH_PID=$STARTED_PID
  log "database load: pgbench -c 4 -T $seconds on database pgbench"
}

# ---------------------------------------------------------------------------------------------------------------
# Watching the nodes
# ---------------------------------------------------------------------------------------------------------------
NODE_EXITED=() # per node: "" while running, else when its process was found gone
gc_metric() { awk -v name="$1" '$1 == name { print $2 }' "$2"; }

# Scrapes every node's /metrics: the latest in $OUT/metrics/nodeN.prom (kept from the last scrape that answered), one
# line of GC figures appended to nodeN-gc.tsv; and notes a node process that is gone.
watch_nodes() {
  local n file
  for n in "${!NODE_PIDS[@]}"; do
    file="$OUT/metrics/node$((n + 1))"
    if [ -z "${NODE_EXITED[n]:-}" ] && ! kill -0 "${NODE_PIDS[n]}" 2>/dev/null; then
      NODE_EXITED[n]=$(date +%H:%M:%S)
      log "node$((n + 1)) (pid ${NODE_PIDS[n]}) is gone"
    fi
    if curl -fsS --max-time 5 "http://127.0.0.1:${NODE_HTTP[n]}/metrics" >"$file.tmp" 2>/dev/null; then
      mv "$file.tmp" "$file.prom"
      printf '%s\t%s\t%s\t%s\n' "$(date +%H:%M:%S)" "$(gc_metric actorspool_gc_pauses_total "$file.prom")" \
        "$(gc_metric actorspool_gc_pause_seconds_total "$file.prom")" "$(gc_metric actorspool_gc_pause_seconds_max "$file.prom")" >>"$file-gc.tsv"
    else
      rm -f "$file.tmp"
    fi
  done
}

printed() { grep -c '  job [0-9]' "$OUT/logs/sink-soak.log" 2>/dev/null || true; }
# rounds FIELD: FIELD summed over the finished rounds' reports (a round still running has none yet).
rounds() {
  local f
  for f in "$OUT"/json/*.json; do jq -e . "$f" 2>/dev/null || true; done | jq -s --arg f "$1" 'map(.[$f] // 0) | add // 0'
}
accepted() { rounds accepted; }

# ---------------------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------------------
count_in() { grep -cF -- "$1" "$2" || true; } # count_in TEXT FILE: lines holding TEXT
ms() { awk -v s="${1:-0}" 'BEGIN { printf "%.0f ms", s * 1000 }'; }

report() {
  local n log prom unreachable reachable sbr crashed delayed gc_warn exited failures=() jobs refused tps hog_cpu
  jobs=$(rounds jobs)
  refused=$(rounds rejected)
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$OUT/logs/pgbench.log" | tail -1 | awk '{ printf "%.0f", $1 }')
  echo "# Soak: no false downing under load"
  echo
  echo "- $(nproc) CPU(s), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r); dotnet $(dotnet --version); PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
  echo "- ActorSpool $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (modified)'), Release build; started $START_TIME UTC; output in $OUT"
  echo "- duration: $MINUTES min asked; load ran $LOAD_SECONDS s ($ROUNDS rounds of spoolctl bench); nodes watched for $WATCH_SECONDS s in all (start to end of the drain)"
  echo "- load: $CLIENTS IPP clients ($SIZE jobs) over the three nodes; CPU hog: busy shell loop pinned to CPU 1, $HOG_CPU CPU s in $LOAD_SECONDS s; pgbench -c 4 (scale 10): ${tps:-?} TPS"
  echo "- jobs: $jobs submitted, $ACCEPTED accepted, $refused refused, $PRINTED printed (reached the sink) by the end of the drain"
  echo
  echo "| node | UNREACHABLE | REACHABLE again | SBR downing | crashed: | heartbeat delayed | GC pauses | GC pause total | longest GC pause | GC warnings | process |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for n in "${!NODE_PIDS[@]}"; do
    log="$OUT/logs/soak-node$((n + 1)).watched.log"
    prom="$OUT/metrics/node$((n + 1)).prom"
    unreachable=$(count_in "Marking node(s) as UNREACHABLE" "$log")
    reachable=$(count_in "Marking node(s) as REACHABLE" "$log")
    sbr=$(($(count_in "SBR is downing" "$log") + $(count_in "SBR took decision" "$log")))
    crashed=$(count_in "crashed:" "$log")
    delayed=$(count_in "Scheduled sending of heartbeat was delayed" "$log")
    gc_warn=$(count_in "GC paused this node for" "$log")
    exited=${NODE_EXITED[n]:-}
    echo "| node$((n + 1)) | $unreachable | $reachable | $sbr | $crashed | $delayed | $(gc_metric actorspool_gc_pauses_total "$prom") | $(ms "$(gc_metric actorspool_gc_pause_seconds_total "$prom")") | $(ms "$(gc_metric actorspool_gc_pause_seconds_max "$prom")") | $gc_warn | ${exited:+exited (seen at $exited)}${exited:-ran throughout} |"
    [ "$unreachable" = 0 ] || failures+=("node$((n + 1)) marked a node unreachable $unreachable time(s)")
    [ "$sbr" = 0 ] || failures+=("node$((n + 1)): $sbr split brain resolver downing line(s)")
    [ "$crashed" = 0 ] || failures+=("node$((n + 1)) downed $crashed member(s) as crashed")
    [ -z "$exited" ] || failures+=("node$((n + 1)) exited")
  done
  [ "$ACCEPTED" -gt 0 ] || failures+=("no job was accepted: the load did not reach the nodes (see $OUT/logs/load-*.log)")
  echo
  echo "- UNREACHABLE / REACHABLE again: the node's \"Marking node(s) as UNREACHABLE\" / \"... as REACHABLE\" log lines (its failure"
  echo "  detector: heartbeat 1 s, acceptable pause 3 s); SBR downing: \"SBR is downing\" and \"SBR took decision\" lines; crashed:"
  echo "  the crashed-member downer's lines; heartbeat delayed: Akka's \"Scheduled sending of heartbeat was delayed\" warnings."
  echo "  Log lines are counted up to the end of the drain, before the nodes are stopped."
  echo "- GC pauses: actorspool_gc_pauses_total, _pause_seconds_total and _pause_seconds_max from each node's /metrics (the last"
  echo "  scrape, every $SCRAPE_EVERY s: $OUT/metrics/nodeN-gc.tsv); GC warnings: \"GC paused this node for\" lines (pauses over 1 s)."
  echo
  if [ ${#failures[@]} -eq 0 ]; then
    echo "Result: PASS: no node was marked unreachable or downed, none exited."
  else
    echo "Result: FAIL: $(IFS=';'; echo "${failures[*]}")."
  fi
  [ ${#failures[@]} -eq 0 ]
}

# ---------------------------------------------------------------------------------------------------------------
prerequisites
START_TIME=$(date -u '+%Y-%m-%d %H:%M')
log "output in $OUT; $MINUTES min"
start_sink soak --no-files
start_postgres soak
start_nodes soak 3 "Host=127.0.0.1;Port=$PG_PORT;Username=actorspool;Database=postgres"
for n in 1 2 3; do NODE_EXITED+=(""); done

WATCH_START=$SECONDS
END=$((SECONDS + MINUTES * 60))
start_pgbench $((MINUTES * 60))
start_hog
HOG_TICKS0=$(cpu_ticks "$HOG_PID")
start_loads
scrapes=0
while [ "$SECONDS" -lt "$END" ]; do
  watch_nodes
  sleep "$SCRAPE_EVERY"
  scrapes=$((scrapes + 1))
  [ $((scrapes % 6)) != 0 ] || log "$((SECONDS - WATCH_START)) s: $(accepted) accepted, $(printed) printed"
done

# The generators finish their current round; the hog and pgbench stop with the load.
touch "$STOP_FLAG"
wait "${LOAD_LOOPS[@]}" || true
LOAD_LOOPS=()
LOAD_SECONDS=$((SECONDS - WATCH_START))
HOG_CPU=$(awk -v t=$(($(cpu_ticks "$HOG_PID") - HOG_TICKS0)) -v hz="$TICKS" 'BEGIN { printf "%.0f", t / hz }')
stop_started "$HOG_PID"
wait "$PGBENCH_PID" 2>/dev/null || true
ROUNDS=$(find "$OUT/json" -name '*.json' | wc -l)
ACCEPTED=$(accepted)
log "load stopped after $LOAD_SECONDS s; $ACCEPTED accepted; waiting (at most $DRAIN_LIMIT s) until the sink has them all"
DRAIN_END=$((SECONDS + DRAIN_LIMIT))
while [ "$(printed)" -lt "$ACCEPTED" ] && [ "$SECONDS" -lt "$DRAIN_END" ]; do
  watch_nodes
  sleep 2
done
watch_nodes
PRINTED=$(printed)
WATCH_SECONDS=$((SECONDS - WATCH_START))
# What the nodes logged while watched; their stopping (members leaving) comes after and is not counted.
for n in 1 2 3; do cp "$OUT/logs/soak-node$n.log" "$OUT/logs/soak-node$n.watched.log"; done
stop_started "${NODE_PIDS[@]}" "$SINK_PID"
stop_postgres

status=0
report >"$OUT/soak.md" || status=1
cat "$OUT/soak.md"
log "report written to $OUT/soak.md"
exit "$status"
