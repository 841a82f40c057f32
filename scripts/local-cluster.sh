#!/usr/bin/env bash
# A three-node ActorSpool cluster on this machine, for trying failover by hand (README, "Kill a node").
#
#   scripts/local-cluster.sh up        throwaway PostgreSQL, four simulated printers, nodes 1-3 on loopback
#   scripts/local-cluster.sh start N   (re)start node N after you killed it
#   scripts/local-cluster.sh status    which node processes run, and the printed-job count
#   scripts/local-cluster.sh down      stop everything and delete the state in $ACTORSPOOL_DEMO_DIR
#
# Node N: remoting 127.0.0.1:406N, IPP 127.0.0.1:863N, web 808N, spoolctl 911N; log in $DIR/nodeN.log.
# The printers run in their own process (127.0.0.1:9101-9104, 300 ms per job) so they outlive any node;
# what they print lands in $DIR/printed/.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${ACTORSPOOL_DEMO_DIR:-/tmp/actorspool-cluster}"
PG_PORT="${ACTORSPOOL_DEMO_PG_PORT:-55432}"
SEEDS="127.0.0.1:4061,127.0.0.1:4062,127.0.0.1:4063"
DB="Host=127.0.0.1;Port=$PG_PORT;Username=actorspool;Database=postgres"
NODE_DLL=src/ActorSpool.Node/bin/Release/net10.0/ActorSpool.Node.dll
CLI_DLL=src/ActorSpool.Cli/bin/Release/net10.0/spoolctl.dll

# initdb and postgres refuse to run as root: run them as the postgres user the Debian package creates.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$bin/initdb" ] || { echo "local-cluster: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 2; }
  echo "$bin"
}

start_node() {
  local n=$1
  ACTORSPOOL_SEED=$SEEDS DOTNET_TC_CallCountingDelayMs=0 nohup dotnet "$NODE_DLL" --db "$DB" --data "$DIR/node$n" --printers "$DIR/printers.conf" \
    --node-port "406$n" --ipp-port "863$n" --http-port "808$n" --cmd-port "911$n" >>"$DIR/node$n.log" 2>&1 &
  echo $! >"$DIR/node$n.pid"
  echo "node$n: pid $!, IPP ipp://127.0.0.1:863$n/printers/office, spoolctl 127.0.0.1:911$n, log $DIR/node$n.log"
}

up() {
  [ -e "$DIR" ] && { echo "local-cluster: $DIR exists; run '$0 down' first" >&2; exit 2; }
  dotnet build src/ActorSpool.Node -c Release -nologo -clp:ErrorsOnly >/dev/null
  dotnet build src/ActorSpool.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
  mkdir -p "$DIR/printed"
  local bin; bin=$(pg_bin)
  mkdir -p "$DIR/pg"; chmod 777 "$DIR" "$DIR/pg"
  as_pg "$bin/initdb" -D "$DIR/pg/data" -A trust -U actorspool >/dev/null
  as_pg "$bin/pg_ctl" -D "$DIR/pg/data" -o "-p $PG_PORT -k $DIR/pg -c listen_addresses=127.0.0.1" -l "$DIR/pg/postgres.log" -w start >/dev/null
  echo "PostgreSQL on 127.0.0.1:$PG_PORT ($DIR/pg)"

  nohup dotnet "$CLI_DLL" simulate --port 9101 --port 9102 --port 9103 --port 9104 --delay 300 --out "$DIR/printed" \
    >"$DIR/printers.log" 2>&1 &
  echo $! >"$DIR/printers.pid"
  # The repository's printers and queues, without the per-node demo simulators (the printers above outlive nodes).
  sed 's/^\( *demo-printers *= *\)on/\1off/' config/printers.conf >"$DIR/printers.conf"
  echo "printers lj-1..lj-3, plotter on 127.0.0.1:9101-9104 (300 ms per job), output in $DIR/printed"

  for n in 1 2 3; do start_node "$n"; [ "$n" = 1 ] && sleep 5; done
  echo "wait ~10 s, then: dotnet $CLI_DLL 127.0.0.1:9111 cluster show"
}

status() {
  for n in 1 2 3; do
    if [ -f "$DIR/node$n.pid" ] && kill -0 "$(cat "$DIR/node$n.pid")" 2>/dev/null; then echo "node$n: running (pid $(cat "$DIR/node$n.pid"))"
    else echo "node$n: not running"; fi
  done
  echo "printed: $(find "$DIR/printed" -type f | wc -l) documents"
}

down() {
  local pids=()
  for f in "$DIR"/node*.pid "$DIR/printers.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null && pids+=("$(cat "$f")")
  done
  # SIGTERM = graceful leave; give the nodes up to 30 s, then kill what is left.
  for _ in $(seq 1 30); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ -d "$DIR/pg/data" ]; then as_pg "$(pg_bin)/pg_ctl" -D "$DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$DIR"
  echo "stopped; $DIR removed"
}

case "${1:-}" in
  up) up ;;
  start) [ -n "${2:-}" ] || { echo "usage: $0 start N" >&2; exit 2; }; start_node "$2" ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up | start N | status | down" >&2; exit 2 ;;
esac
