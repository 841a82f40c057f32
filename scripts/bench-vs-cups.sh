#!/usr/bin/env bash
# The same IPP load against CUPS and ActorSpool on this machine, one table.
#
#   scripts/bench-vs-cups.sh [--jobs N | --quick] [--postgres] [--cluster] [--out DIR] [--keep] [--wait-idle S]
#   scripts/bench-vs-cups.sh --table DIR     print the table of an earlier run again (from DIR's JSON reports)
#
# Systems, one after the other (each runs alone on the machine while it is measured, then is stopped):
#   CUPS                a private cupsd (Debian package `cups`) in the foreground on a free 127.0.0.1 port, with its
#                       own ServerRoot, spool and logs in a temporary folder, and one raw queue `bench` that sends
#                       every job to an AppSocket sink (`spoolctl simulate`, 0 ms per job). CUPS's defaults are
#                       kept (MaxJobs 500, MaxClients 100, ...) except what a private instance needs.
#   ActorSpool          one node on SQLite, queue `bench` to its own sink.
#   --postgres          one node on a throwaway PostgreSQL.
#   --cluster           three nodes on a throwaway PostgreSQL; the clients are spread over the three IPP ports.
# Loads, each with N jobs (default 2000, --quick 200) of 4 KiB: 1, 16 and 64 concurrent clients that submit jobs
# one after another; then N clients that submit one job each, all at once (each closes its connection after its
# job, as lp does). Every load ends when the sink has received every accepted job ("end to end": from the first
# submit until the last job reached the device, measured at the device for every system alike).
#
# Output: the machine, then one Markdown table, also written to $OUT/bench-vs-cups.md; every run's JSON report
# and every server's log are kept in $OUT. Needs a Release build (done here), cupsd and lpadmin (installed with
# apt-get if missing), jq, and for --postgres/--cluster the PostgreSQL server binaries.
# On a shared machine, --wait-idle S waits before each load (at most S seconds) until the other processes use
# less than a fifth of a CPU; the table's "others' CPU" column shows how much they took during each load.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=2000
SIZE=4K
CLIENTS=(1 16 64)
POSTGRES=0
CLUSTER=0
OUT=""
KEEP=0
WAIT=900 # seconds a load may take to reach the device before it counts as unfinished
TABLE_ONLY=""
IDLE_WAIT=0 # --wait-idle: seconds to wait for a quiet machine before each load

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) [ $# -ge 2 ] || { usage >&2; exit 2; }; JOBS=$2; shift ;;
    --jobs=*) JOBS=${1#--jobs=} ;;
    --quick) JOBS=200 ;;
    --postgres) POSTGRES=1 ;;
    --cluster) CLUSTER=1 ;;
    --out) [ $# -ge 2 ] || { usage >&2; exit 2; }; OUT=$2; shift ;;
    --out=*) OUT=${1#--out=} ;;
    --keep) KEEP=1 ;;
    --wait-idle) [ $# -ge 2 ] || { usage >&2; exit 2; }; IDLE_WAIT=$2; shift ;;
    --table) [ $# -ge 2 ] || { usage >&2; exit 2; }; TABLE_ONLY=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-vs-cups: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if ! [[ $JOBS =~ ^[0-9]+$ ]] || [ "$JOBS" -lt 1 ] || [ "$JOBS" -gt 5000 ]; then
  echo "bench-vs-cups: --jobs must be 1..5000" >&2
  exit 2
fi

[[ $IDLE_WAIT =~ ^[0-9]+$ ]] || { echo "bench-vs-cups: --wait-idle takes seconds" >&2; exit 2; }
if [ -n "$TABLE_ONLY" ]; then
  [ -f "$TABLE_ONLY/run.conf" ] || { echo "bench-vs-cups: $TABLE_ONLY/run.conf not found: not the output of a run" >&2; exit 2; }
  OUT=$(cd "$TABLE_ONLY" && pwd)
fi

if [ -z "$TABLE_ONLY" ]; then
  [ -n "$OUT" ] || OUT=$(mktemp -d /tmp/bench-vs-cups.XXXXXX)
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  [ ! -e "$OUT/run.conf" ] || { echo "bench-vs-cups: $OUT holds an earlier run; choose another --out" >&2; exit 2; }
  mkdir -p "$OUT/work" "$OUT/json" "$OUT/logs"
  # cupsd runs its backends as user lp: the spool below must be reachable for it.
  chmod 755 "$OUT" "$OUT/work"
fi
WORK="$OUT/work" # servers' state; removed at the end unless --keep

SCRIPT_NAME=bench-vs-cups
# shellcheck source=lib/local-servers.sh
. scripts/lib/local-servers.sh

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  [ ${#PIDS[@]} -gt 0 ] && stop_pids "${PIDS[@]}"
  stop_postgres
  if [ "$KEEP" = 0 ] && [ -z "$TABLE_ONLY" ]; then rm -rf "$WORK"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --wait-idle: waits (at most $IDLE_WAIT s) until processes other than "$@" (ours) use < 0.2 CPU over 2 s.
wait_for_quiet() {
  [ "$IDLE_WAIT" -gt 0 ] || return 0
  local deadline=$((SECONDS + IDLE_WAIT)) start=$SECONDS m0 m1 o0 o1 others
  while :; do
    m0=$(machine_busy_ticks)
    o0=$(cpu_ticks "$@")
    sleep 2
    m1=$(machine_busy_ticks)
    o1=$(cpu_ticks "$@")
    others=$(((m1 - m0) - (o1 - o0)))
    if [ $((others * 10)) -le $((4 * TICKS)) ]; then
      [ $((SECONDS - start)) -le 2 ] || log "waited $((SECONDS - start)) s for the machine to be quiet"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "other processes still use $(awk -v t="$others" -v hz="$TICKS" 'BEGIN { printf "%.1f", t / hz / 2 }') CPU after $IDLE_WAIT s; measuring anyway"
      return 0
    fi
  done
}

# CPU ticks of this shell's waited-for children (the load generator, once it has exited); `times` must run in
# this shell, not in a pipeline's subshell.
children_ticks() {
  times >"$OUT/.times"
  awk -v hz="$TICKS" 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] } printf "%d", t * hz + 0.5 }' "$OUT/.times"
}

# ---------------------------------------------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------------------------------------------

prerequisites() {
  local missing=()
  command -v cupsd >/dev/null && command -v lpadmin >/dev/null || missing+=(cups)
  command -v jq >/dev/null || missing+=(jq)
  command -v curl >/dev/null || missing+=(curl)
  command -v pgrep >/dev/null || missing+=(procps)
  if [ "$POSTGRES" = 1 ] || [ "$CLUSTER" = 1 ]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  fi
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  command -v cupsd >/dev/null || PATH="$PATH:/usr/sbin"
  build_release
}


# ---------------------------------------------------------------------------------------------------------------
# CUPS
# ---------------------------------------------------------------------------------------------------------------
CUPS_PORT=""
CUPS_PID=""
start_cups() {
  local root="$WORK/cups" system_group=root
  [ "$(id -u)" -eq 0 ] || system_group=$(id -gn)
  mkdir -p "$root/etc" "$root/spool/tmp" "$root/cache" "$root/state" "$root/log"
  CUPS_PORT=$(free_port)
  # cups-files.conf: every path inside $root except the package's programs and data. As root cupsd runs filters
  # and backends as lp:lp (the default); as another user everything runs as that user.
  {
    echo "ServerRoot $root/etc"
    echo "RequestRoot $root/spool"
    echo "TempDir $root/spool/tmp"
    echo "CacheDir $root/cache"
    echo "StateDir $root/state"
    echo "ServerBin /usr/lib/cups"
    echo "DataDir /usr/share/cups"
    echo "DocumentRoot /usr/share/cups/doc-root"
    echo "ErrorLog $OUT/logs/cups-error_log"
    echo "AccessLog $OUT/logs/cups-access_log"
    echo "PageLog $OUT/logs/cups-page_log"
    echo "SystemGroup $system_group"
    if [ "$(id -u)" -eq 0 ]; then echo "User lp"; echo "Group lp"; fi
  } >"$root/etc/cups-files.conf"
  # cupsd.conf: Debian's default policy and limits; only the listener is private (no socket in /run, no
  # Bonjour browsing, no web interface). MaxJobs (500) and MaxClients (100) stay at CUPS's defaults, so what
  # CUPS refuses under load is reported as it is.
  cat >"$root/etc/cupsd.conf" <<EOF
LogLevel warn
MaxLogSize 0
ErrorPolicy retry-job
Listen 127.0.0.1:$CUPS_PORT
Browsing No
WebInterface No
DefaultAuthType Basic
<Location />
  Order allow,deny
</Location>
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit Create-Job Print-Job Print-URI Validate-Job>
    Order deny,allow
  </Limit>
  <Limit Send-Document Send-URI Hold-Job Release-Job Restart-Job Purge-Jobs Set-Job-Attributes Create-Job-Subscription Renew-Subscription Cancel-Subscription Get-Notifications Reprocess-Job Cancel-Current-Job Suspend-Current-Job Resume-Job Cancel-My-Jobs Close-Job CUPS-Move-Job CUPS-Get-Document>
    Require user @OWNER @SYSTEM
    Order deny,allow
  </Limit>
  <Limit CUPS-Add-Modify-Printer CUPS-Delete-Printer CUPS-Add-Modify-Class CUPS-Delete-Class CUPS-Set-Default CUPS-Get-Devices>
    AuthType Default
    Require user @SYSTEM
    Order deny,allow
  </Limit>
  <Limit Pause-Printer Resume-Printer Enable-Printer Disable-Printer Pause-Printer-After-Current-Job Hold-New-Jobs Release-Held-New-Jobs Deactivate-Printer Activate-Printer Restart-Printer Shutdown-Printer Startup-Printer Promote-Job Schedule-Job-After Cancel-Jobs CUPS-Accept-Jobs CUPS-Reject-Jobs>
    AuthType Default
    Require user @SYSTEM
    Order deny,allow
  </Limit>
  <Limit Cancel-Job CUPS-Authenticate-Job>
    Require user @OWNER @SYSTEM
    Order deny,allow
  </Limit>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
  cupsd -t -c "$root/etc/cupsd.conf" -s "$root/etc/cups-files.conf" >"$OUT/logs/cupsd-test.log" 2>&1 ||
    { cat "$OUT/logs/cupsd-test.log" >&2; die "cupsd rejected its configuration"; }
  LOG_FILE="$OUT/logs/cupsd.log"
  start_bg cupsd -f -c "$root/etc/cupsd.conf" -s "$root/etc/cups-files.conf"
  CUPS_PID=$STARTED_PID
  # lpadmin authenticates to a local cupsd with the certificate cupsd writes to its StateDir ("Local" auth):
  # point the client at this instance's ServerRoot and StateDir.
  export CUPS_SERVERROOT="$root/etc" CUPS_STATEDIR="$root/state"
  wait_until 30 "cupsd" curl -sS -o /dev/null "http://127.0.0.1:$CUPS_PORT/"
  # No -m: a raw queue, the job goes to the device unchanged (CUPS 2.4 may note that raw queues are deprecated).
  lpadmin -h "127.0.0.1:$CUPS_PORT" -p bench -v "socket://127.0.0.1:$SINK_PORT" -E >>"$OUT/logs/cupsd.log" 2>&1 ||
    { cat "$OUT/logs/cupsd.log" >&2; die "lpadmin could not create the queue"; }
  lpstat -h "127.0.0.1:$CUPS_PORT" -p bench -a >>"$OUT/logs/cupsd.log" 2>&1
  unset CUPS_SERVERROOT CUPS_STATEDIR
  log "cupsd (pid $CUPS_PID) on 127.0.0.1:$CUPS_PORT, raw queue bench -> socket://127.0.0.1:$SINK_PORT"
}


# ---------------------------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------------------------
LOAD_NAMES=()
for c in "${CLIENTS[@]}"; do LOAD_NAMES+=("c$c"); done
LOAD_NAMES+=(once)

# bench SYSTEM LOAD SERVER_PIDS... ; the IPP targets in $TARGETS (one or more HOST:PORT)
TARGETS=()
bench() {
  local system=$1 load=$2 json before after t args
  shift 2
  json="$OUT/json/$system-$load.json"
  args=(bench --queue bench --size "$SIZE" --wait "$WAIT" --sink "$SINK_DIR" --json)
  for t in "${TARGETS[@]}"; do args+=(--ipp "$t"); done
  case "$load" in
    once) args+=(--jobs "$JOBS" --at-once) ;;
    warmup) args+=(--jobs "$WARMUP_JOBS" --concurrency 4) ;;
    c*) args+=(--jobs "$JOBS" --concurrency "${load#c}") ;;
  esac
  local machine0 sink0 gen0 machine1 sink1 gen1
  [ "$load" = warmup ] || wait_for_quiet "$@" "$SINK_PID"
  before=$(cpu_ticks "$@")
  sink0=$(cpu_ticks "$SINK_PID")
  gen0=$(children_ticks)
  machine0=$(machine_busy_ticks)
  # Tiered compilation off: the load generator then spends no CPU re-compiling in the background while it measures.
  DOTNET_TieredCompilation=0 dotnet "$CLI_DLL" "${args[@]}" >"$json" 2>>"$OUT/logs/bench.log" || true
  machine1=$(machine_busy_ticks)
  gen1=$(children_ticks)
  sink1=$(cpu_ticks "$SINK_PID")
  after=$(cpu_ticks "$@")
  jq -e . "$json" >/dev/null 2>&1 || die "spoolctl bench printed no report for $system $load (see $OUT/logs/bench.log)"
  # Where the machine's CPU went during the run (seconds), added to the report: the server, the sink, the whole
  # load generator process, and everything else on the machine (should be near 0; more = a disturbed run).
  jq --argjson server $((after - before)) --argjson sink $((sink1 - sink0)) --argjson gen $((gen1 - gen0)) \
    --argjson busy $((machine1 - machine0)) --argjson hz "$TICKS" \
    '. + {serverCpuSeconds: ($server / $hz), sinkCpuSeconds: ($sink / $hz), generatorProcessCpuSeconds: ($gen / $hz),
          machineBusyCpuSeconds: ($busy / $hz), othersCpuSeconds: ([($busy - $server - $sink - $gen) / $hz, 0] | max)}' \
    "$json" >"$json.tmp" && mv "$json.tmp" "$json"
  [ "$load" = warmup ] && return 0
  log "$(jq -r --arg s "$system" --arg l "$load" \
    '"\($s) \($l): \(.accepted)/\(.jobs) accepted, \(.jobsPerSecond | floor) jobs/s, p99 \(.latency.p99Ms | floor) ms, " +
     "end to end \(if .allFinishedSeconds then "\(.allFinishedSeconds * 100 | floor / 100) s" else "unfinished (\(.unfinished) missing)" end)"' "$json")"
}

WARMUP_JOBS=$(( JOBS / 10 < 50 ? (JOBS / 10 < 1 ? 1 : JOBS / 10) : 50 ))
# Runs the warm-up (not reported: JIT, connection pools, first database pages) and every load against one system.
run_loads() {
  local system=$1 load
  shift
  bench "$system" warmup "$@"
  for load in "${LOAD_NAMES[@]}"; do bench "$system" "$load" "$@"; done
}

# The systems measured so far, in order, with their labels: $OUT/systems.tsv (NAME<TAB>LABEL).
measured() { printf '%s\t%s\n' "$1" "$2" >>"$OUT/systems.tsv"; }

phase_cups() {
  start_sink cups
  start_cups
  TARGETS=("127.0.0.1:$CUPS_PORT")
  run_loads cups "$CUPS_PID"
  stop_started "$CUPS_PID" "$SINK_PID"
  measured cups "CUPS $CUPS_VERSION"
}

phase_node() { # phase_node NAME LABEL COUNT POSTGRES(0/1)
  local name=$1 label=$2 count=$3 pg=$4 db="" server=() p
  start_sink "$name"
  if [ "$pg" = 1 ]; then
    start_postgres "$name"
    db="Host=127.0.0.1;Port=$PG_PORT;Username=actorspool;Database=postgres"
  fi
  start_nodes "$name" "$count" "$db"
  TARGETS=()
  for p in "${NODE_IPP[@]}"; do TARGETS+=("127.0.0.1:$p"); done
  server=("${NODE_PIDS[@]}")
  [ "$pg" = 1 ] && server+=("$(postmaster_pid)")
  run_loads "$name" "${server[@]}"
  stop_started "${NODE_PIDS[@]}" "$SINK_PID"
  stop_postgres
  measured "$name" "$label"
}

# ---------------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------------
f1() { awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }

# One row: load, system, then the figures and the ratios to CUPS for the same load.
row() {
  local system=$1 load=$2 label=$3
  jq -r --arg name "$label" --arg system "$system" --slurpfile cups "$OUT/json/cups-$load.json" '
    def r1: (. * 10 | round) / 10;
    def r2: (. * 100 | round) / 100;
    def ratio(a; b): if (b // 0) == 0 or a == null then "–" else "\((a / b) | r2)×" end;
    def e2e: if .allFinishedSeconds then .accepted / .allFinishedSeconds else null end;
    $cups[0] as $c |
    [ $name,
      (.jobsPerSecond | round | tostring),
      (.latency.p50Ms | r1 | tostring),
      (.latency.p99Ms | r1 | tostring),
      (.latency.meanMs | r1 | tostring),
      (if .allFinishedSeconds then "\(.allFinishedSeconds | r2) s (\(e2e | round)/s)" else "unfinished: \(.unfinished) of \(.accepted) missing" end),
      (if .rejected == 0 then "0"
       elif (.refusedBy | length) == 1 then "\(.rejected) (\(.refusedBy | keys[0]))"
       else "\(.rejected) (\(.refusedBy | to_entries | map("\(.value)× \(.key)") | join("; ")))" end),
      (if $system == "cups" then "1×" else
        "submit \(ratio(.jobsPerSecond; $c.jobsPerSecond)), e2e \(ratio(e2e; ($c | e2e))), p99 \(ratio(.latency.p99Ms; $c.latency.p99Ms))" end),
      "\(.serverCpuSeconds | r2) s",
      "\(.clientCpuSeconds | r2) s · \(.clientCeilingJobsPerSecond | round)/s",
      "\(.othersCpuSeconds | r2) s"
    ] | join(" | ")' "$OUT/json/$system-$load.json"
}

load_label() {
  case "$1" in
    once) echo "$JOBS clients at once, 1 job each" ;;
    c*) echo "$JOBS × 4 KiB, ${1#c} client(s)" ;;
  esac
}

# Targets from the issue: submit ≥ 2× CUPS, end to end ≥ 5× CUPS, p99 ≤ CUPS; N clients at once: mean ≤ 0.5 s, none refused.
targets() {
  local system=$1 label=$2 load line=""
  for load in "${LOAD_NAMES[@]}"; do
    line+=$(jq -r --arg load "$load" --slurpfile cups "$OUT/json/cups-$load.json" '
      def ok(x): if x then "✓" else "✗" end;
      def e2e: if .allFinishedSeconds then .accepted / .allFinishedSeconds else 0 end;
      $cups[0] as $c |
      if $load == "once" then
        " at once: mean ≤ 0.5 s \(ok(.latency.meanMs <= 500 and .accepted > 0)), none refused \(ok(.rejected == 0));"
      else
        " \($load | ltrimstr("c")) client(s): submit ≥ 2× \(ok(.jobsPerSecond >= 2 * $c.jobsPerSecond)), e2e ≥ 5× \(ok(e2e >= 5 * ($c | e2e) and e2e > 0)), p99 ≤ CUPS \(ok(.latency.p99Ms <= $c.latency.p99Ms and .accepted > 0));"
      end' "$OUT/json/$system-$load.json")
  done
  echo "- $label:${line%;}"
}

machine() {
  local cpu mem pg=""
  [ -z "$PG_BIN" ] || pg="; PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
  cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
  [ -n "$cpu" ] || cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
  mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "- machine: $(nproc) CPU(s), ${cpu:-unknown CPU}, $mem, Linux $(uname -r)"
  echo "- dotnet $(dotnet --version); cupsd $CUPS_VERSION (Debian package cups-daemon)$pg"
  echo "- ActorSpool $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (modified)'), Release build"
  echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); $JOBS jobs of $SIZE per load; load average at the start $(cut -d' ' -f1-3 /proc/loadavg); output in $OUT"
}

report() {
  local system label load i
  local -a systems=() labels=()
  while IFS=$'\t' read -r system label; do systems+=("$system"); labels+=("$label"); done <"$OUT/systems.tsv"
  echo "# ActorSpool vs CUPS: the same IPP load"
  echo
  cat "$OUT/machine.md"
  echo
  echo "| load | system | submit jobs/s | p50 ms | p99 ms | mean ms | end to end (jobs/s) | refused | vs CUPS | server CPU | load generator CPU · ceiling | others' CPU |"
  echo "|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|"
  for load in "${LOAD_NAMES[@]}"; do
    for i in "${!systems[@]}"; do
      echo "| $(load_label "$load") | $(row "${systems[i]}" "$load" "${labels[i]}") |"
    done
  done
  echo
  echo "Targets (issue): submit ≥ 2× CUPS, end to end ≥ 5× CUPS, p99 ≤ CUPS; $JOBS clients at once: mean ≤ 0.5 s, none refused."
  for i in "${!systems[@]}"; do [ "${systems[i]}" = cups ] || targets "${systems[i]}" "${labels[i]}"; done
  echo
  echo "- submit jobs/s: accepted jobs / time until the last answer; p50/p99/mean: time until a job was acknowledged (accepted jobs)."
  echo "- end to end: from the first submit until the sink (the device) had received every accepted job; jobs/s = accepted / that time."
  echo "- refused: jobs not accepted (IPP error status, or no answer: connection refused/reset/timeout), by reason. CUPS answers"
  echo "  \"Too many active jobs\" while MaxJobs (500) jobs wait to be printed: its default protection, kept here."
  echo "- vs CUPS: submit and end-to-end rates divided by CUPS's for the same load (> 1× = faster); p99 divided by CUPS's (< 1× = better)."
  echo "- server CPU: CPU time of the server during the load (cupsd with its backends; the node process(es), with PostgreSQL's processes where used)."
  echo "- load generator: CPU time of spoolctl bench while submitting, and the submit rate it alone could reach on this machine"
  echo "  ($(nproc) CPUs × jobs / its CPU time): a system whose submit rate comes near that ceiling is limited by the load generator, not by itself."
  echo "- others' CPU: CPU time used during the load by every other process on the machine (not server, sink or load generator);"
  echo "  it should be near 0 s, more means the run shared the machine with something else and its figures are low."
  echo "- Each system ran alone (started, warmed up with $WARMUP_JOBS jobs, measured, stopped); CUPS with its defaults (MaxJobs 500, MaxClients 100)."
  [ "$CLUSTER" = 1 ] && echo "- Three nodes: the clients are spread round-robin over the three nodes' IPP ports (client i → node i mod 3)."
  return 0
}

# ---------------------------------------------------------------------------------------------------------------
if [ -n "$TABLE_ONLY" ]; then
  # shellcheck source=/dev/null
  . "$OUT/run.conf"
  report
  exit 0
fi

prerequisites
CUPS_VERSION=$(dpkg-query -W -f '${Version}' cups-daemon 2>/dev/null || echo "?")
if [ "$POSTGRES" = 1 ] || [ "$CLUSTER" = 1 ]; then
  PG_BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -1)
fi
printf 'JOBS=%q\nWARMUP_JOBS=%q\nCLUSTER=%q\n' "$JOBS" "$WARMUP_JOBS" "$CLUSTER" >"$OUT/run.conf"
machine >"$OUT/machine.md"
if awk '{ exit !($1 > 1.0) }' /proc/loadavg; then
  log "warning: the machine is not idle (load average $(cut -d' ' -f1-3 /proc/loadavg)); see the others' CPU column"
fi
: >"$OUT/systems.tsv"
log "output in $OUT; $JOBS jobs of $SIZE per load; loads: ${CLIENTS[*]} client(s), then $JOBS clients at once"

phase_cups
phase_node actorspool "ActorSpool, 1 node, SQLite" 1 0
if [ "$POSTGRES" = 1 ]; then
  phase_node actorspool-pg "ActorSpool, 1 node, PostgreSQL" 1 1
fi
if [ "$CLUSTER" = 1 ]; then
  phase_node actorspool-3 "ActorSpool, 3 nodes, PostgreSQL" 3 1
fi

report | tee "$OUT/bench-vs-cups.md"
log "table written to $OUT/bench-vs-cups.md"
