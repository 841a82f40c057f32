#!/usr/bin/env bash
# Coverage-guided fuzzing of ActorSpool's parsers with afl-fuzz (Debian's afl++) and SharpFuzz
# (tests/ActorSpool.Fuzz, docs/security.md "Fuzzing"):
#
#   scripts/fuzz.sh [--minutes N] [TARGET...]     targets: ipp lpd topology command (default: all, one after the other)
#
# Each target runs N minutes (default 5) from its seed corpus tests/fuzz/corpus/TARGET. Work goes to
# $ACTORSPOOL_FUZZ_DIR (default /tmp/actorspool-fuzz): the instrumented build, afl-fuzz's output per target and
# afl.log. At the end one line per target: executions, corpus size, crashes and hangs; every crash and hang is
# replayed through the uninstrumented build so its exception and stack are printed. Exit code 1 when anything
# was found. A crash becomes a regression test by copying it to tests/fuzz/regressions/TARGET/ (CorpusTests replays it).
# A hang or a stack overflow ends SharpFuzz's in-process fork server and with it that target's run: fuzz.sh then
# replays the input afl-fuzz was running (stopped-fuzzer-input) and goes on with the next target.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=5
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --minutes=*) minutes="${1#*=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    ipp|lpd|topology|command) targets+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1' (targets: ipp lpd topology command)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(ipp lpd topology command)
case "$minutes" in ''|*[!0-9]*|0) echo "fuzz.sh: --minutes needs a whole number of at least 1" >&2; exit 2 ;; esac

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "fuzz.sh: installing afl++"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

work="${ACTORSPOOL_FUZZ_DIR:-/tmp/actorspool-fuzz}"
bin="$work/bin"
plain="tests/ActorSpool.Fuzz/bin/Release/net10.0"

dotnet build tests/ActorSpool.Fuzz -c Release -nologo -clp:ErrorsOnly
dotnet tool restore >/dev/null   # SharpFuzz.CommandLine (.config/dotnet-tools.json)

# Instrument a copy: the build in tests/ stays as the tests use it, and replays crashes without instrumentation.
rm -rf "$bin"
mkdir -p "$work"
cp -r "$plain" "$bin"
for assembly in ActorSpool.Protocols ActorSpool.Domain ActorSpool.Contracts; do
  dotnet tool run sharpfuzz "$bin/$assembly.dll"
done
dotnet tool run sharpfuzz "$bin/ActorSpool.Node.dll" ActorSpool.Node.Management   # the request reader, not the node
dotnet tool run sharpfuzz "$bin/Akka.dll" Akka.Configuration                      # the HOCON parser printers.conf goes through

# .NET is not instrumented the way afl-fuzz checks binaries; SharpFuzz runs its own fork server in-process.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
summary=()
found=0
for target in "${targets[@]}"; do
  out="$work/out-$target"
  rm -rf "$out"
  echo "fuzz.sh: $target for $minutes min (log: $work/afl-$target.log)"
  # -t: one input taking over 5 s is a hang; -m none: the CLR reserves far more address space than it uses,
  # the targets check their own allocations instead.
  if ! afl-fuzz -V $((minutes * 60)) -i "tests/fuzz/corpus/$target" -o "$out" -t 5000 -m none \
    -- dotnet "$bin/ActorSpool.Fuzz.dll" "$target" >"$work/afl-$target.log" 2>&1; then
    # SharpFuzz's fork server is the .NET process itself: an input that hangs (afl-fuzz kills it at the timeout)
    # or overflows the stack ends it, and afl-fuzz stops without saving the input. It is the one being run.
    found=1
    echo "fuzz.sh: afl-fuzz stopped for $target: $(grep -a -o 'PROGRAM ABORT.*' "$work/afl-$target.log" | head -1)"
    if [ -f "$out/default/.cur_input" ]; then
      cp "$out/default/.cur_input" "$out/default/stopped-fuzzer-input"
      echo "fuzz.sh: the input it was running, replayed (20 s at most): $out/default/stopped-fuzzer-input"
      timeout 20 dotnet "$plain/ActorSpool.Fuzz.dll" "$target" "$out/default/stopped-fuzzer-input" || echo "fuzz.sh: exit code $? (124: hang)"
    fi
  fi
  stats="$out/default/fuzzer_stats"
  [ -f "$stats" ] || { summary+=("$target: afl-fuzz did not start, see $work/afl-$target.log"); found=1; continue; }
  stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  crashes=$(stat saved_crashes); hangs=$(stat saved_hangs)
  summary+=("$target: $(stat execs_done) executions, $(stat corpus_count) corpus entries, $crashes crashes, $hangs hangs ($(stat run_time) s)")
  for kind in crashes hangs; do
    if compgen -G "$out/default/$kind/id:*" >/dev/null; then
      found=1
      echo "fuzz.sh: $target $kind (in $out/default/$kind):"
      timeout 60 dotnet "$plain/ActorSpool.Fuzz.dll" "$target" "$out/default/$kind" || true
    fi
  done
done

printf '%s\n' "${summary[@]}"
exit $found
