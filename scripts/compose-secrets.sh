#!/usr/bin/env bash
# Makes the secrets docker-compose.yml reads (docs/operations.md, "Docker Compose"), once, before the first
# `docker-compose up`:
#   cmd-token      the command hosts' token (spoolctl inside a container reads it too)
#   db-password    PostgreSQL's password (the postgres image and every node read it)
#   cluster.crt    the cluster certificate and its key, the same on every node: Akka remoting between the
#   cluster.key    containers uses mutual TLS with it
#
#   scripts/compose-secrets.sh [DIR]      # DIR defaults to ./secrets beside docker-compose.yml
#
# Existing files are kept (a new cluster certificate would lock out running nodes; a new database password would
# not match the existing volume). The directory is 0700, so no other user of this machine reads the files; the
# files themselves are 0644 because Compose bind-mounts them with their owner and mode, and the containers' users
# (the node image's non-root user, postgres) are not the owner on the host.
set -euo pipefail

dir="${1:-$(cd "$(dirname "$0")/.." && pwd)/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"

random() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40; }

made=()
if [[ ! -s "$dir/cmd-token" ]]; then random > "$dir/cmd-token"; made+=(cmd-token); fi
if [[ ! -s "$dir/db-password" ]]; then random > "$dir/db-password"; made+=(db-password); fi
if [[ ! -s "$dir/cluster.crt" || ! -s "$dir/cluster.key" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj "/CN=actorspool-cluster" -keyout "$dir/cluster.key" -out "$dir/cluster.crt" 2>/dev/null
  made+=(cluster.crt cluster.key)
fi
chmod 644 "$dir/cmd-token" "$dir/db-password" "$dir/cluster.crt" "$dir/cluster.key"

if ((${#made[@]})); then echo "made in $dir: ${made[*]}"; else echo "kept the secrets in $dir"; fi
