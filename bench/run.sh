#!/usr/bin/env bash
# procwire benchmark beside the peer baseline (Python multiprocessing + C/JVM physical limits).
# Usage: bench/run.sh
#   1. builds bench (and what it depends on) if any source or pom is newer than the last build;
#   2. runs the peer suite once ($SHARED/bench/run.sh, ~75 s);
#   3. runs the procwire figures: unpinned (spawn, spawn phases, round trip), then the round trip
#      with PIN=0,0 (_1cpu) and PIN=0,1 (_2cpu), then the process-pool rows (pool: map/imap/apply
#      on ProcessPool(2); cpu: prime counting in 1 vs 2 worker processes);
#   4. prints one side-by-side table on stdout and saves table + raw lines to
#      bench/results/run-YYYYMMDD-HHMM.txt.
# Raw `name: value unit` lines go to stderr as they are measured.
# Env: SHARED  folder holding bench/run.sh (default: <repo root>/../shared; a folder that itself
#              holds run.sh is accepted too)
#      JAVA    java for the procwire harness (default: java on PATH); the peer suite reads JAVA too
#      PEER_RAW reuse saved peer figures (raw `name: value unit` lines, or a recorded
#               bench/results/run-*.txt) instead of running the suite
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || dirname "$HERE")
JAVA=${JAVA:-java}
SHARED=${SHARED:-$ROOT/../shared}
if [ -x "$SHARED/bench/run.sh" ]; then PEER=$SHARED/bench/run.sh
elif [ -x "$SHARED/run.sh" ]; then PEER=$SHARED/run.sh
else PEER=""; fi
if [ -z "${PEER_RAW:-}" ] && [ -z "$PEER" ]; then
    echo "peer suite not found under $SHARED (set SHARED=... or PEER_RAW=...)" >&2
    exit 1
fi

W=$(mktemp -d /tmp/procwire-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
NOTE=""

# ---- build if needed
stamp=$HERE/target/classpath.txt
if [ ! -f "$stamp" ] || [ ! -f "$HERE/target/classes/dev/procwire/bench/Bench.class" ] \
   || [ -n "$(find "$ROOT/pom.xml" "$ROOT"/{proto,transport,runtime,bench}/pom.xml \
                   "$ROOT"/{proto,transport,runtime,bench}/src -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
    echo "# building: mvn -B -q -o install -DskipTests -pl bench -am" >&2
    if ! (cd "$ROOT" && mvn -B -q -o install -DskipTests -pl bench -am >&2); then
        echo "# offline build failed; retrying online" >&2
        if ! (cd "$ROOT" && mvn -B -q install -DskipTests -pl bench -am >&2); then
            if [ -f "$stamp" ]; then
                NOTE="# WARNING: build failed; measured the previous build"
                echo "$NOTE" >&2
            else
                echo "build failed" >&2; exit 1
            fi
        fi
    fi
fi
# Snapshot the classpath (bench classes + every jar) into $W/cp now: other people's builds rewrite
# */target and ~/.m2 while we measure, and a jar replaced under a starting worker JVM breaks it.
mkdir -p "$W/cp"
CP=""
n=0
IFS=: read -r -a entries <<< "$HERE/target/classes:$(cat "$stamp")"
for e in "${entries[@]}"; do
    [ -e "$e" ] || continue
    n=$((n + 1))
    dst="$W/cp/$n-$(basename "$e")"
    cp -a "$e" "$dst" || { echo "cannot copy $e" >&2; exit 1; }
    CP="$CP${CP:+:}$dst"
done

# Like the peer's b(): a time cap, and a failure is reported, not fatal.
b() { local c="$*"; timeout 300 "$@" || echo "# FAILED ($?): ${PIN:+PIN=$PIN }Bench ${c#*bench.Bench }" >&2; }
# procwire harness; with PIN=P,C this JVM starts on CPU P (taskset -c), re-pins all its threads
# there, and re-pins its worker's threads to CPU C once ready; names get _SUFFIX.
pw() { b "$JAVA" -cp "$CP" dev.procwire.bench.Bench "$@"; }
pwp() {
    local pin=$1 sfx=$2; shift 2
    PIN=$pin b taskset -c "${pin%,*}" "$JAVA" -cp "$CP" dev.procwire.bench.Bench "$@" \
        | sed "s/^\([a-z0-9_]*\):/\1_$sfx:/"
}

STARTED=$(date +%Y%m%d-%H%M)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
HEADER="# $(date -Is)  $(uname -r)  $(nproc) cpus  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
# $("$JAVA" -version 2>&1 | head -1)  procwire $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty')"

# ---- peer suite (its table goes to $W/peer-table.txt, its raw lines to stderr and $W/peer.txt)
if [ -n "${PEER_RAW:-}" ]; then
    echo "# peer: reusing $PEER_RAW" >&2
    cp "$PEER_RAW" "$W/peer.txt"
else
    LOAD_PEER=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "# peer suite: $PEER  (loadavg $LOAD_PEER)" >&2
    start=$SECONDS
    { "$PEER" 2>&1 1>&3 | tee "$W/peer.txt" >&2; } 3> "$W/peer-table.txt"
    echo "# peer suite took $((SECONDS - start)) s" >&2
fi

# ---- procwire
LOAD_PW=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# procwire: loadavg $LOAD_PW" >&2
start=$SECONDS
{
    pw spawn phases rtt
    pwp 0,0 1cpu rtt
    pwp 0,1 2cpu rtt
    pw pool cpu
} | tee "$W/pw.txt" >&2
echo "# procwire took $((SECONDS - start)) s" >&2

# ---- table
OUT=$HERE/results/run-$STARTED.txt
mkdir -p "$HERE/results"
{
    echo "$HEADER"
    echo "# loadavg: before the run $LOAD0; at peer suite start ${LOAD_PEER:-(reused)}; at procwire start $LOAD_PW"
    if awk -v l="$LOAD0" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n / 2) }'; then
        echo "# WARNING: the machine was already busy before the run (1-min loadavg > nproc/2): figures are inflated"
    fi
    [ -n "$NOTE" ] && echo "$NOTE"
    echo
    python3 "$HERE/table.py" "$W/peer.txt" "$W/pw.txt"
} > "$W/table.txt"
cat "$W/table.txt"
{
    cat "$W/table.txt"
    echo
    echo "# raw: procwire"
    grep -v '^$' "$W/pw.txt"
    echo
    if [ -s "$W/peer-table.txt" ]; then
        echo "# peer suite ($PEER), its table"
        cat "$W/peer-table.txt"
    else
        echo "# peer figures reused from $PEER_RAW"
        grep -E '^(c|py)_[a-z0-9_]*(: |\s)' "$W/peer.txt"
    fi
} > "$OUT"
echo "# saved $OUT" >&2
