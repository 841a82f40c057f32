#!/usr/bin/env bash
# bench-backlog.sh — a deep backlog survives a SIGKILL cheaply (issue "Throughput", point 6).
#
#   scripts/bench-backlog.sh [--jobs N] [--concurrency C] [--size B] [--drain-limit S] [--out DIR] [--keep]
#
# One node (SQLite in a temp data dir) with one queue "backlog" over one simulated AppSocket printer "sink":
#   1. start the sink (spoolctl simulate) and the node, wait for /health/ready
#   2. pause the queue, so jobs wait
#   3. submit N jobs of B bytes with spoolctl bench (submit throughput)
#   4. node RSS and the queue's pending count
#   5. SIGKILL the node, start it on the same data dir: time to /health/ready, time until an IPP Get-Jobs (no limit)
#      answers successful-ok with its jobs, pending count (nothing lost), RSS, size of that Get-Jobs reply (<= 1000 jobs)
#   6. resume the queue: time to drain the backlog to the sink (stops after --drain-limit s; rate over the first 60 s)
#   7. a Markdown table of the figures to stdout and $OUT/bench-backlog.md (with the node logs next to it)
#
# Everything listens on 127.0.0.1 on free ports. Before each measurement the script waits (polling every 10 s, at most
# 5 min, LOAD_WAIT_MAX=seconds to change) until the 1-minute load average is below 1.5, and says in the report when
# it gave up waiting.
# Needs: dotnet, curl, jq; ipptool is used for a cross-check when installed. Builds nothing: run
#   dotnet build src/ActorSpool.Node -c Release && dotnet build src/ActorSpool.Cli -c Release
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

JOBS=100000
CONCURRENCY=64
SIZE=512
DRAIN_LIMIT=600
OUT=${OUT:-/tmp/bench-backlog-out}
KEEP=0
usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs|-n) JOBS=$2; shift 2 ;;
    --concurrency|-c) CONCURRENCY=$2; shift 2 ;;
    --size|-s) SIZE=$2; shift 2 ;;
    --drain-limit) DRAIN_LIMIT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench-backlog: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-backlog: --jobs must be a positive number" >&2; exit 2; }

NODE_DLL=$ROOT/src/ActorSpool.Node/bin/Release/net10.0/ActorSpool.Node.dll
CLI_DLL=$ROOT/src/ActorSpool.Cli/bin/Release/net10.0/spoolctl.dll
for f in "$NODE_DLL" "$CLI_DLL"; do
  [ -f "$f" ] || { echo "bench-backlog: $f missing; dotnet build src/ActorSpool.Node -c Release; dotnet build src/ActorSpool.Cli -c Release" >&2; exit 2; }
done
for tool in dotnet curl jq; do command -v "$tool" >/dev/null || { echo "bench-backlog: $tool not found" >&2; exit 2; }; done
# The node reads ACTORSPOOL_* from the environment: none of the caller's may leak in (e.g. a --db or seeds).
while read -r v; do unset "$v"; done < <(compgen -e | grep '^ACTORSPOOL_' || true)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/bench-backlog.XXXXXX)
PIDS=()
NODE_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Our processes by id: the node, the sink, spoolctl bench, and the restart pollers with their children (curl, sleep).
  for pid in "${PIDS[@]}"; do pkill -9 -P "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  cp "$WORK"/node-*.log "$OUT/" 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "bench-backlog: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }  # seconds from $1 to $2

# ---- ports -------------------------------------------------------------------------------------------------------
USED_PORTS=" "
pick_port() { # pick_port VAR: a port no socket on this machine uses, not handed out before
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    [ -n "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ] && continue
    USED_PORTS+="$p "
    printf -v "$1" '%s' "$p"
    return
  done
}
pick_port SINK_PORT; pick_port IPP_PORT; pick_port HTTP_PORT; pick_port CMD_PORT; pick_port NODE_PORT

# ---- load --------------------------------------------------------------------------------------------------------
LOAD_NOTES=()
LOAD_WAIT_MAX=${LOAD_WAIT_MAX:-300} # seconds; 0 = do not wait (debugging)
wait_quiet() { # wait_quiet WHAT: until the 1-minute load average (as uptime shows it) is below 1.5, at most 5 min
  local started=$SECONDS load
  while :; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" 'BEGIN { exit !(l < 1.5) }'; then
      LOAD_NOTES+=("$1: load $load after $((SECONDS - started)) s of waiting")
      log "load $load: measuring $1"
      return
    fi
    if ((SECONDS - started >= LOAD_WAIT_MAX)); then
      LOAD_NOTES+=("$1: **gave up waiting after $((SECONDS - started)) s, load still $load** (measured anyway)")
      log "load still $load after $((SECONDS - started)) s: measuring $1 anyway"
      return
    fi
    log "load $load >= 1.5: waiting before $1"
    sleep 10
  done
}

# ---- helpers -----------------------------------------------------------------------------------------------------
spoolctl() { dotnet "$CLI_DLL" "$@"; } # foreground only: in the background $! would be a subshell, not dotnet
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
metric() { # metric NAME{LABELS}: its value on the node's /metrics (empty if absent)
  curl -fsS --max-time 10 "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null | awk -v m="$1" 'index($0, m " ") == 1 { print $2 }' | head -1
}
pending() { # the queue's pending count as spoolctl queue show reports it
  spoolctl "127.0.0.1:$CMD_PORT" queue show -q backlog --json | jq -r '.pending'
}

start_node() { # start_node LOGFILE
  DOTNET_TC_CallCountingDelayMs=0 dotnet "$NODE_DLL" --data "$WORK/data" --printers "$WORK/printers.conf" \
    --ipp-port "$IPP_PORT" --http-port "$HTTP_PORT" --cmd-port "$CMD_PORT" --node-port "$NODE_PORT" >"$1" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
}
ready() { [ "$(curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT/health/ready" 2>/dev/null)" = ready ]; }
wait_ready() { # wait_ready TIMEOUT
  local deadline=$((SECONDS + $1))
  until ready; do
    kill -0 "$NODE_PID" 2>/dev/null || die "the node exited; log: $(tail -20 "$WORK"/node-*.log)"
    ((SECONDS < deadline)) || die "the node was not ready within $1 s"
    sleep 0.1
  done
}

# A hand-made IPP/1.1 Get-Jobs request (RFC 8010): operation attributes only, no limit, no which-jobs (not-completed).
ipp_value() { # ipp_value TAG NAME VALUE: one attribute, binary, to stdout
  local tag=$1 name=$2 value=$3
  printf "\\x$tag\\x$(printf %02x $((${#name} >> 8)))\\x$(printf %02x $((${#name} & 255)))%s" "$name"
  printf "\\x$(printf %02x $((${#value} >> 8)))\\x$(printf %02x $((${#value} & 255)))%s" "$value"
}
get_jobs_request() { # get_jobs_request FILE [REQUESTED-ATTRIBUTES]
  {
    printf '\x01\x01\x00\x0a\x00\x00\x00\x01\x01'            # version 1.1, Get-Jobs, request-id 1, operation group
    ipp_value 47 attributes-charset utf-8
    ipp_value 48 attributes-natural-language en
    ipp_value 45 printer-uri "ipp://127.0.0.1:$IPP_PORT/printers/backlog"
    ipp_value 42 requesting-user-name bench
    [ -n "${2:-}" ] && ipp_value 44 requested-attributes "$2"
    printf '\x03'                                           # end of attributes
  } >"$1"
}
get_jobs() { # get_jobs REQUEST REPLY: 0 when the reply is successful-ok; prints "<bytes> <jobs>"
  curl -sS --max-time 30 -o "$2" -H 'Content-Type: application/ipp' --data-binary "@$1" \
    "http://127.0.0.1:$IPP_PORT/printers/backlog" 2>/dev/null || return 1
  [ "$(od -An -tx1 -j2 -N2 "$2" | tr -d ' \n')" = 0000 ] || return 1
  # Every job group holds job-id (integer, tag 0x21).
  echo "$(stat -c %s "$2") $(LC_ALL=C grep -aoP '\x21\x00\x06job-id' "$2" | wc -l)"
}
EXPECT_LISTED=$((JOBS < 1000 ? JOBS : 1000))

# ---- 1. sink and node --------------------------------------------------------------------------------------------
log "work dir $WORK; ports: sink $SINK_PORT, IPP $IPP_PORT, http $HTTP_PORT, spoolctl $CMD_PORT, remoting $NODE_PORT"
mkdir -p "$WORK/data" "$WORK/sink"
dotnet "$CLI_DLL" simulate --port "$SINK_PORT" --name sink --out "$WORK/sink" >"$WORK/sink.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 300); do
  [ -n "$(ss -Hltn "sport = :$SINK_PORT" 2>/dev/null)" ] && break
  sleep 0.1
done
[ -n "$(ss -Hltn "sport = :$SINK_PORT")" ] || die "the simulated printer did not listen on $SINK_PORT: $(cat "$WORK/sink.log")"

cat >"$WORK/printers.conf" <<EOF
actorspool {
  printers {
    sink { uri = "socket://127.0.0.1:$SINK_PORT" }
  }
  queues {
    backlog {
      printers = [sink]
      max-jobs = $(( JOBS > 100000 ? JOBS : 100000 ))  # the whole backlog waits unfinished
    }
  }
  default-queue = backlog
  demo-printers = off
}
EOF

start_node "$WORK/node-1.log"
wait_ready 120
log "node 1 ready (pid $NODE_PID)"

# ---- 2. pause ----------------------------------------------------------------------------------------------------
spoolctl "127.0.0.1:$CMD_PORT" queue pause -q backlog >&2

# ---- 3. submit ---------------------------------------------------------------------------------------------------
wait_quiet "submit"
log "submitting $JOBS job(s) of $SIZE bytes with $CONCURRENCY clients"
# --wait 0 reports every accepted job as unfinished and exits 1: judge by the report.
# In the background, so a Ctrl-C or SIGTERM runs the cleanup at once.
dotnet "$CLI_DLL" bench --ipp "127.0.0.1:$IPP_PORT" --queue backlog --jobs "$JOBS" --concurrency "$CONCURRENCY" --size "$SIZE" \
  --wait 0 --json >"$WORK/bench.json" &
PIDS+=("$!")
wait "$!" || true
jq -e .accepted "$WORK/bench.json" >/dev/null 2>&1 || die "spoolctl bench gave no report: $(cat "$WORK/bench.json")"
ACCEPTED=$(jq -r .accepted "$WORK/bench.json")
SUBMIT_S=$(jq -r '.submitSeconds | . * 100 | round / 100' "$WORK/bench.json")
SUBMIT_RATE=$(jq -r '.jobsPerSecond | round' "$WORK/bench.json")
SUBMIT_LAT=$(jq -r '.latency | "p50 \(.p50Ms | round) ms, p99 \(.p99Ms | round) ms, max \(.maxMs | round) ms"' "$WORK/bench.json")
log "accepted $ACCEPTED of $JOBS in $SUBMIT_S s ($SUBMIT_RATE jobs/s; $SUBMIT_LAT)"
[ "$ACCEPTED" = "$JOBS" ] || log "WARNING: $((JOBS - ACCEPTED)) job(s) not accepted: $(jq -r '.errors[:3] | join("; ")' "$WORK/bench.json")"

# ---- 4. RSS and depth before the kill ----------------------------------------------------------------------------
RSS_BEFORE=$(rss_kib "$NODE_PID")
HWM_BEFORE=$(hwm_kib "$NODE_PID")
PENDING_BEFORE=$(pending)
sleep 2 # the depth gauge is published on the queue's 1 s tick
METRIC_BEFORE=$(metric 'actorspool_queue_jobs{queue="backlog",state="pending"}')
log "before the kill: pending $PENDING_BEFORE (metrics $METRIC_BEFORE), RSS $(mib "$RSS_BEFORE") MiB, peak $(mib "$HWM_BEFORE") MiB"

# ---- 5. SIGKILL and restart --------------------------------------------------------------------------------------
# Idle paused node; the wait also lets a snapshot the queue may take after the submissions finish.
wait_quiet "restart"
RSS_KILLED=$(rss_kib "$NODE_PID")
kill -9 "$NODE_PID"
wait "$NODE_PID" 2>/dev/null || true
log "node 1 SIGKILLed (RSS $(mib "$RSS_KILLED") MiB at the kill)"
# What the restart has to read: the queue's journal and its latest snapshot (Akka.Persistence.Sql tables).
JOURNAL_TEXT="? (sqlite3 not installed)"
if command -v sqlite3 >/dev/null && [ -f "$WORK/data/actorspool.db" ]; then
  q() { sqlite3 "$WORK/data/actorspool.db" "$1" 2>/dev/null || true; }
  JOURNAL_SEQ=$(q "select max(sequence_number) from journal where persistence_id = 'job-queue-backlog'")
  # Snapshots have their own file (snapshots.db; older data directories kept them in actorspool.db).
  SNAPSHOTS_DB="$WORK/data/snapshots.db"
  [ -f "$SNAPSHOTS_DB" ] || SNAPSHOTS_DB="$WORK/data/actorspool.db"
  read -r SNAP_SEQ SNAP_BYTES < <(sqlite3 "$SNAPSHOTS_DB" "select sequence_number, length(snapshot) from snapshot
    where persistence_id = 'job-queue-backlog' order by sequence_number desc limit 1" 2>/dev/null | tr '|' ' ') || true
  JOURNAL_TEXT="journal up to event ${JOURNAL_SEQ:-0}; "
  if [ -n "${SNAP_SEQ:-}" ]; then
    JOURNAL_TEXT+="latest snapshot at event $SNAP_SEQ ($SNAP_BYTES bytes), so $((JOURNAL_SEQ - SNAP_SEQ)) events to replay after it"
  else
    JOURNAL_TEXT+="**no snapshot**: all ${JOURNAL_SEQ:-0} events to replay"
  fi
  JOURNAL_TEXT+="; actorspool.db $(($(stat -c %s "$WORK/data/actorspool.db") / 1048576)) MiB"
fi
log "at the kill: $JOURNAL_TEXT"

get_jobs_request "$WORK/getjobs.req"
START=$(now)
start_node "$WORK/node-2.log"
( until ready; do sleep 0.05; done; now >"$WORK/t_ready" ) &
PIDS+=("$!")
( until r=$(get_jobs "$WORK/getjobs.req" "$WORK/poll.reply") && [ "${r#* }" -ge "$EXPECT_LISTED" ]; do sleep 0.05; done
  now >"$WORK/t_getjobs" ) &
PIDS+=("$!")
deadline=$((SECONDS + 300))
until [ -s "$WORK/t_ready" ] && [ -s "$WORK/t_getjobs" ]; do
  kill -0 "$NODE_PID" 2>/dev/null || die "the restarted node exited: $(tail -20 "$WORK/node-2.log")"
  ((SECONDS < deadline)) || die "the restarted node did not answer within 300 s"
  sleep 0.05
done
READY_S=$(elapsed "$START" "$(cat "$WORK/t_ready")")
GETJOBS_S=$(elapsed "$START" "$(cat "$WORK/t_getjobs")")
RSS_AFTER=$(rss_kib "$NODE_PID")
log "restart: ready after $READY_S s, Get-Jobs answered with jobs after $GETJOBS_S s, RSS $(mib "$RSS_AFTER") MiB"

PENDING_AFTER=$(pending)
read -r REPLY_BYTES REPLY_JOBS < <(get_jobs "$WORK/getjobs.req" "$WORK/getjobs.reply")
get_jobs_request "$WORK/getjobs-all.req" all
read -r REPLY_ALL_BYTES REPLY_ALL_JOBS < <(get_jobs "$WORK/getjobs-all.req" "$WORK/getjobs-all.reply")
IPPTOOL="not installed"
if command -v ipptool >/dev/null && [ -f /usr/share/cups/ipptool/get-jobs.test ]; then
  if ipptool -tv "ipp://127.0.0.1:$IPP_PORT/printers/backlog" /usr/share/cups/ipptool/get-jobs.test >"$WORK/ipptool.txt" 2>&1; then
    IPPTOOL="PASS, $(grep -c 'job-id (integer)' "$WORK/ipptool.txt" || true) jobs listed"
  else
    IPPTOOL="FAIL ($(grep -m1 -i 'fail\|expected' "$WORK/ipptool.txt" || true))"
  fi
fi
log "after restart: pending $PENDING_AFTER; Get-Jobs reply $REPLY_BYTES bytes, $REPLY_JOBS jobs (all attributes: $REPLY_ALL_BYTES bytes); ipptool: $IPPTOOL"
sleep 15 # the post-recovery snapshot, GC
RSS_SETTLED=$(rss_kib "$NODE_PID")
HWM_AFTER=$(hwm_kib "$NODE_PID")
RECOVERED_LINE=$(grep -m1 'recovered [0-9]* job' "$WORK/node-2.log" || true)
RECOVERED_S="?"
if [[ "$RECOVERED_LINE" =~ ^([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+) ]]; then # the logger's local time of day
  RECOVERED_S=$(awk -v t="$(date -d "$(date -d "@${START%.*}" +%F) ${BASH_REMATCH[1]}" +%s.%N)" -v s="$START" \
    'BEGIN { d = t - s; if (d < -43200) d += 86400; printf "%.2f", d }')
fi
log "15 s later: RSS $(mib "$RSS_SETTLED") MiB, peak $(mib "$HWM_AFTER") MiB; recovered line $RECOVERED_S s after the start: ${RECOVERED_LINE:-none}"

# ---- 6. drain ----------------------------------------------------------------------------------------------------
wait_quiet "drain"
completed() { local v; v=$(metric 'actorspool_jobs_finished_total{queue="backlog",state="completed"}'); printf '%.0f' "${v:-0}"; }
BASE=$(completed)
spoolctl "127.0.0.1:$CMD_PORT" queue resume -q backlog >&2
DRAIN_START=$(now)
DONE_60=""; DRAIN_S=""; DONE=0
while :; do
  sleep 2
  DONE=$(($(completed) - BASE))
  T=$(elapsed "$DRAIN_START" "$(now)")
  if [ -z "$DONE_60" ] && awk -v t="$T" 'BEGIN { exit !(t >= 60) }'; then DONE_60=$DONE; log "drain: $DONE printed after $T s"; fi
  if ((DONE >= ACCEPTED)); then DRAIN_S=$T; break; fi
  if awk -v t="$T" -v l="$DRAIN_LIMIT" 'BEGIN { exit !(t >= l) }'; then log "drain: stopped after $T s with $DONE printed"; break; fi
done
RSS_DRAIN=$(rss_kib "$NODE_PID")
PRINTED_FILES=$(find "$WORK/sink" -type f | wc -l)
if [ -n "$DRAIN_S" ]; then
  DRAIN_TEXT="$ACCEPTED jobs in $DRAIN_S s ($(awk -v n="$ACCEPTED" -v t="$DRAIN_S" 'BEGIN { printf "%.0f", n / t }') jobs/s)"
else
  DRAIN_TEXT="not drained after $T s: $DONE of $ACCEPTED printed"
fi
[ -n "$DONE_60" ] && DRAIN_TEXT+="; first 60 s: $DONE_60 jobs ($(awk -v n="$DONE_60" 'BEGIN { printf "%.0f", n / 60 }') jobs/s)"
log "drain: $DRAIN_TEXT; sink holds $PRINTED_FILES file(s)"

# ---- 7. report ---------------------------------------------------------------------------------------------------
ok() { if eval "$1"; then echo yes; else echo "**NO**"; fi; }
{
  echo "## bench-backlog: $JOBS waiting jobs survive a SIGKILL"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), SQLite storage, one node"
  echo
  echo "| Figure | Value |"
  echo "|---|---|"
  echo "| Jobs submitted (paused queue, $SIZE B, $CONCURRENCY clients) | $ACCEPTED of $JOBS accepted in $SUBMIT_S s: **$SUBMIT_RATE jobs/s** ($SUBMIT_LAT) |"
  echo "| Pending before the kill (spoolctl / metrics) | $PENDING_BEFORE / ${METRIC_BEFORE:-?} |"
  echo "| RSS after submitting / at the kill (peak) | $(mib "$RSS_BEFORE") / $(mib "$RSS_KILLED") MiB (peak $(mib "$HWM_BEFORE") MiB) |"
  echo "| At the kill: journal and snapshot of the queue | $JOURNAL_TEXT |"
  echo "| Restart → /health/ready | **$READY_S s** |"
  echo "| Restart → queue logs \"recovered N job(s)\" | $RECOVERED_S s |"
  echo "| Restart → IPP Get-Jobs answers successful-ok with $EXPECT_LISTED jobs | **$GETJOBS_S s** (within 5 s: $(ok "awk -v s=$GETJOBS_S 'BEGIN { exit !(s < 5) }'")) |"
  echo "| Pending after the restart (nothing lost) | $PENDING_AFTER ($(ok "[ '$PENDING_AFTER' = '$ACCEPTED' ]")) |"
  echo "| RSS when Get-Jobs answered / 15 s later (peak) | $(mib "$RSS_AFTER") / $(mib "$RSS_SETTLED") MiB (peak $(mib "$HWM_AFTER") MiB) |"
  echo "| Get-Jobs reply without limit (default attributes) | $REPLY_BYTES bytes, $REPLY_JOBS jobs (≤ 1000: $(ok "[ '$REPLY_JOBS' -le 1000 ]")) |"
  echo "| Get-Jobs reply without limit, requested-attributes=all | $REPLY_ALL_BYTES bytes, $REPLY_ALL_JOBS jobs |"
  echo "| ipptool get-jobs.test | $IPPTOOL |"
  echo "| Drain after resume (to the sink, 0 ms per job) | $DRAIN_TEXT; RSS then $(mib "$RSS_DRAIN") MiB |"
  echo
  echo "Get-Jobs timing: a hand-made IPP/1.1 Get-Jobs (no limit, no which-jobs) POSTed with curl every 50 ms from the"
  echo "start of the process until it answered successful-ok listing $EXPECT_LISTED jobs. Queue log after the restart:"
  echo "\`${RECOVERED_LINE:-no 'recovered' line}\`."
  echo
  echo "Load (1-minute average) before each measurement:"
  for note in "${LOAD_NOTES[@]}"; do echo "- $note"; done
} >"$OUT/bench-backlog.md"
cat "$OUT/bench-backlog.md"
log "report: $OUT/bench-backlog.md (node logs next to it)"
