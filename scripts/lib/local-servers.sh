# Shared by scripts/bench-vs-cups.sh and scripts/soak.sh (sourced, from the repository's root): the processes they
# start on loopback (a sink printer, a throwaway PostgreSQL, ActorSpool nodes), free ports, waiting, CPU accounting.
# The sourcing script sets SCRIPT_NAME (for messages), OUT (logs in $OUT/logs) and WORK (the servers' state), stops
# what it started on exit (stop_pids "${PIDS[@]}"; stop_postgres) and sets LOG_FILE before start_bg.
# shellcheck shell=bash
NODE_DLL=src/ActorSpool.Node/bin/Release/net10.0/ActorSpool.Node.dll
CLI_DLL=src/ActorSpool.Cli/bin/Release/net10.0/spoolctl.dll

log() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "$SCRIPT_NAME: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Processes: everything started here is recorded and stopped on exit.
# ---------------------------------------------------------------------------------------------------------------
PIDS=()
PG_DATA=""
PG_BIN=""

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_pids() {
  local pid alive
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

stop_postgres() {
  if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  fi
  PG_DATA=""
}
# Starts "$@" in the background with output to $LOG_FILE; sets STARTED_PID.
start_bg() {
  "$@" >>"$LOG_FILE" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

# Stops the given pids and forgets them.
stop_started() {
  local pid keep=() gone=" $* "
  stop_pids "$@"
  for pid in "${PIDS[@]}"; do [[ $gone == *" $pid "* ]] || keep+=("$pid"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

# A free TCP port on 127.0.0.1: not listening now, not handed out before in this run, and below the kernel's
# ephemeral range, so that no outgoing connection (of a node, of the load generator) can take it meanwhile.
USED_PORTS=" "
EPHEMERAL_LOW=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$EPHEMERAL_LOW" -gt 12000 ] || EPHEMERAL_LOW=32768
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((10000 + RANDOM % (EPHEMERAL_LOW - 10000)))
    [[ $USED_PORTS == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      USED_PORTS+="$port "
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}

wait_until() { # wait_until SECONDS WHAT COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "$what was not ready after $seconds s (logs in $OUT/logs)"
}

# CPU seconds×ticks used so far by a process, its reaped children and its live children (cupsd's backends,
# PostgreSQL's backends): utime + stime + cutime + cstime from /proc.
cpu_ticks() {
  local total=0 pid child stat f
  for pid in "$@"; do
    for child in "$pid" $(pgrep -P "$pid" 2>/dev/null || true); do
      stat=$(cat "/proc/$child/stat" 2>/dev/null) || continue
      stat=${stat##*) }
      read -r -a f <<<"$stat"
      total=$((total + f[11] + f[12] + f[13] + f[14]))
    done
  done
  echo "$total"
}
TICKS=$(getconf CLK_TCK)

# CPU ticks the whole machine has been busy (user, nice, system, irq, softirq, steal) since boot.
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

apt_install() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing $* (apt-get)"
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The node and spoolctl, Release (what the scripts run); the build's output in $OUT/logs/build.log.
build_release() {
  log "building spoolctl and the node (Release)"
  dotnet build src/ActorSpool.Cli -c Release -nologo -clp:ErrorsOnly >"$OUT/logs/build.log" 2>&1 || { cat "$OUT/logs/build.log" >&2; die "build failed"; }
  dotnet build src/ActorSpool.Node -c Release -nologo -clp:ErrorsOnly >>"$OUT/logs/build.log" 2>&1 || { cat "$OUT/logs/build.log" >&2; die "build failed"; }
}

# ---------------------------------------------------------------------------------------------------------------
# The sink: one AppSocket printer simulator per system, writing every job to $WORK/sink-NAME/NAME/*.prn (with
# --no-files only counting them: one line per job in its log, $OUT/logs/sink-NAME.log)
# ---------------------------------------------------------------------------------------------------------------
SINK_PORT=""
SINK_DIR=""
SINK_PID=""
start_sink() { # start_sink NAME [--no-files]
  local name=$1 out=()
  SINK_PORT=$(free_port)
  SINK_DIR="$WORK/sink-$name"
  [ "${2:-}" = --no-files ] || out=(--out "$SINK_DIR")
  LOG_FILE="$OUT/logs/sink-$name.log"
  start_bg dotnet "$CLI_DLL" simulate --port "$SINK_PORT" --delay 0 --name "$name" "${out[@]}"
  SINK_PID=$STARTED_PID
  # Its own "listening on" line, not just an open port: another process may have taken the port meanwhile.
  wait_until 30 "the $name sink" sink_listening "$LOG_FILE"
}
sink_listening() { kill -0 "$SINK_PID" && grep -q "listening on socket://127.0.0.1:$SINK_PORT" "$1"; }

# ---------------------------------------------------------------------------------------------------------------
# ActorSpool nodes and PostgreSQL
# ---------------------------------------------------------------------------------------------------------------
PG_PORT=""
start_postgres() {
  local name=$1
  PG_BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -1)
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  PG_PORT=$(free_port)
  mkdir -p "$WORK/pg-$name"
  chmod 777 "$WORK/pg-$name"
  PG_DATA="$WORK/pg-$name/data"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U actorspool >"$OUT/logs/postgres-$name.log" 2>&1
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -o "-p $PG_PORT -k $WORK/pg-$name -c listen_addresses=127.0.0.1" \
    -l "$WORK/pg-$name/postgres.log" -w start >>"$OUT/logs/postgres-$name.log" 2>&1
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

postmaster_pid() { head -1 "$PG_DATA/postmaster.pid"; }

NODE_PIDS=()
NODE_IPP=()
NODE_HTTP=()
# start_nodes NAME COUNT [DB]: COUNT nodes of one cluster, queue bench -> the sink.
start_nodes() {
  local name=$1 count=$2 db=${3:-} n seeds=() node_ports=() args
  cat >"$WORK/printers-$name.conf" <<EOF
actorspool {
  printers {
    sink { uri = "socket://127.0.0.1:$SINK_PORT" }
  }
  queues {
    bench {
      printers = [sink]
    }
  }
  default-queue = bench
  demo-printers = off
}
EOF
  NODE_PIDS=()
  NODE_IPP=()
  NODE_HTTP=()
  for n in $(seq 1 "$count"); do node_ports+=("$(free_port)"); done
  if [ "$count" -gt 1 ]; then for n in "${node_ports[@]}"; do seeds+=(--seed "127.0.0.1:$n"); done; fi
  for n in $(seq 1 "$count"); do
    NODE_IPP+=("$(free_port)")
    NODE_HTTP+=("$(free_port)")
    args=(--data "$WORK/$name-node$n" --printers "$WORK/printers-$name.conf" --node-port "${node_ports[n - 1]}"
      --ipp-port "${NODE_IPP[n - 1]}" --http-port "${NODE_HTTP[n - 1]}" --cmd-port "$(free_port)")
    [ -n "$db" ] && args+=(--db "$db")
    LOG_FILE="$OUT/logs/$name-node$n.log"
    DOTNET_TC_CallCountingDelayMs=0 start_bg dotnet "$NODE_DLL" "${args[@]}" "${seeds[@]+"${seeds[@]}"}"
    NODE_PIDS+=("$STARTED_PID")
    # The first node forms the cluster; the others join it.
    [ "$n" = 1 ] && wait_until 120 "$name node 1" curl -fsS "http://127.0.0.1:${NODE_HTTP[0]}/health/ready"
  done
  for n in $(seq 1 "$count"); do
    wait_until 120 "$name node $n" curl -fsS "http://127.0.0.1:${NODE_HTTP[n - 1]}/health/ready"
  done
  log "$name: $count node(s) (pids ${NODE_PIDS[*]}), IPP on 127.0.0.1:${NODE_IPP[*]}, queue bench -> socket://127.0.0.1:$SINK_PORT"
}
