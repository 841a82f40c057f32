#!/usr/bin/env bash
# Runs every ActorSpool test on a fresh Debian machine: installs what the tests drive for real
# (CUPS's ipptool, PostgreSQL's server binaries, docker-compose to validate docker-compose.yml),
# builds once in Release, runs all test projects.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v ipptool >/dev/null 2>&1 || missing+=(cups-ipp-utils)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/sbin/lpd ] || missing+=(lpr)                       # a real BSD lpd for the LPD client tests
command -v avahi-daemon >/dev/null 2>&1 || missing+=(avahi-daemon)  # ippeveprinter needs DNS-SD ...
command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus)           # ... which needs the system bus
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dotnet build ActorSpool.sln -c Release -nologo -clp:ErrorsOnly

log=$(mktemp)
status=0
# The chaos tests (several node processes SIGKILLed under load, ~15 min) run when ACTORSPOOL_CHAOS=1;
# they are still being hardened (see docs/cluster.md) and are kept out of the default run until they are.
filter=()
[ "${ACTORSPOOL_CHAOS:-0}" = "1" ] || filter=(--filter "FullyQualifiedName!~ActorSpool.Chaos.Tests")
dotnet test ActorSpool.sln -c Release --no-build -nologo "${filter[@]}" "$@" 2>&1 | tee "$log" || status=$?

# One closing line over all test assemblies.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit $status
