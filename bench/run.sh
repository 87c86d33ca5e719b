#!/usr/bin/env bash
# procwire benchmark beside the peer baseline (Python multiprocessing + C/JVM physical limits).
# Usage: bench/run.sh [transports]
#   1. builds bench (and what it depends on) if any source or pom is newer than the last build
#      (`mvn package` of the reactor: the classpath is the modules' target/ jars, nothing is
#      installed into the local repository that other builds on the machine read);
#   2. runs the peer suite once ($SHARED/bench/run.sh, ~75 s);
#   3. measures the C floors the peer suite lacks for the transport rows (bench/limit: pinned
#      fifo round trip, pinned 1 MiB-pipe throughput, FIFO throughput), ~25 s;
#   4. runs the procwire figures: unpinned (spawn, spawn phases, round trip), then the round trip
#      with PIN=0,0 (_1cpu) and PIN=0,1 (_2cpu), then the transport rows (pipe, fifo, uds: round
#      trip and 1 MiB throughput, unpinned, PIN=0,0 and PIN=0,1), then the process-pool rows
#      (pool: map/imap/apply on ProcessPool(2); cpu: prime counting in 1 vs 2 worker processes);
#      with the argument `transports`, only the transport rows (steps 1-3 still run);
#   5. prints one side-by-side table on stdout and saves table + raw lines to
#      bench/results/run-YYYYMMDD-HHMM.txt.
# Raw `name: value unit` lines go to stderr as they are measured.
# Env: SHARED  folder holding bench/run.sh (default: <repo root>/../shared; a folder that itself
#              holds run.sh is accepted too)
#      JAVA    java for the procwire harness (default: java on PATH); the peer suite reads JAVA too
#      PEER_RAW reuse saved peer figures (raw `name: value unit` lines, or a recorded
#               bench/results/run-*.txt) instead of running the suite
#      MVN_ARGS extra arguments for the Maven build (e.g. -Dmaven.repo.local=...)
set -uo pipefail
case "${1:-all}" in
    all|transports) WHAT=${1:-all} ;;
    *) echo "usage: bench/run.sh [transports]" >&2; exit 2 ;;
esac
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
    # MVN_ARGS: extra Maven arguments, e.g. MVN_ARGS=-Dmaven.repo.local=/tmp/m2/repository
    echo "# building: mvn -B -q -o ${MVN_ARGS:-}${MVN_ARGS:+ }package -DskipTests -pl bench -am" >&2
    # shellcheck disable=SC2086  # MVN_ARGS is a list of arguments
    if (cd "$ROOT" && mvn -B -q -o ${MVN_ARGS:-} package -DskipTests -pl bench -am >&2); then
        touch "$stamp" # the dependency plugin leaves an unchanged classpath.txt alone: mark the build
    else
        echo "# offline build failed; retrying online" >&2
        # shellcheck disable=SC2086
        if (cd "$ROOT" && mvn -B -q ${MVN_ARGS:-} package -DskipTests -pl bench -am >&2); then
            touch "$stamp"
        elif [ -f "$stamp" ]; then
            NOTE="# WARNING: build failed; measured the previous build"
            echo "$NOTE" >&2
        else
            echo "build failed" >&2; exit 1
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
pw() { b "$JAVA" ${PW_JVM:-} -cp "$CP" dev.procwire.bench.Bench "$@"; }
# suffixed SFX: appends SFX to the name of every `name: value unit` line (_1cpu, _2cpu, or nothing)
suffixed() { sed "s/^\([a-z0-9_]*\):/\1$1:/"; }
pwp() {
    local pin=$1 sfx=$2; shift 2
    PIN=$pin b taskset -c "${pin%,*}" "$JAVA" ${PW_JVM:-} -cp "$CP" dev.procwire.bench.Bench "$@" \
        | suffixed "_$sfx"
}

STARTED=$(date +%Y%m%d-%H%M)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
HEADER="# $(date -Is)  $(uname -r)  $(nproc) cpus  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
# $("$JAVA" -version 2>&1 | head -1)  procwire $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty')"

# ---- peer suite (its table goes to $W/peer-table.txt, its raw lines to stderr and $W/peer.txt)
if [ -n "${PEER_RAW:-}" ]; then
    echo "# peer: reusing $PEER_RAW" >&2
    # only the peer's figures: a recorded results file also holds that run's procwire figures
    grep -E '^(c|py)_[a-z0-9_]*(: |\s)' "$PEER_RAW" > "$W/peer.txt"
else
    LOAD_PEER=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "# peer suite: $PEER  (loadavg $LOAD_PEER)" >&2
    start=$SECONDS
    { "$PEER" 2>&1 1>&3 | tee "$W/peer.txt" >&2; } 3> "$W/peer-table.txt"
    echo "# peer suite took $((SECONDS - start)) s" >&2
fi

# A fixed, pre-touched heap for the Java floor, transport, pool and cpu rows: a JVM whose young
# generation still grows spends its first seconds faulting in fresh pages, which a few
# seconds of warm-up may or may not outlast, so the figures were bimodal. A map of 200000
# took 80-120 ms then, 10-20 ms after; receiving 1 MiB frames (a new byte[] each) ran at
# 1.0-1.5 GiB/s, 0.7-1.0 ms of CPU per MiB, half of it the kernel zeroing new pages
# (perf: clear_page under the array's allocation), against 2.3-2.6 GiB/s and 0.4 ms.
FIXED_HEAP="-Xms1g -Xmx1g -XX:+AlwaysPreTouch"

# ---- C floors for the transport rows that the peer suite does not measure: its limit/ipc.c has
# `rtt fifo` and `bw pipe1m` but runs them unpinned only, and has no FIFO throughput
# (bench/limit/fifo_bw.c, measured as ipc.c's bw). Pinned as the suite's bp() pins.
echo "# C floors (bench/limit): loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cb() { timeout 120 "$@" || echo "# FAILED ($?): ${PIN:+PIN=$PIN }$*" >&2; }
cbp() { local pin=$1 sfx=$2; shift 2; PIN=$pin cb "$@" | suffixed "_$sfx"; }
IPC_C=""
if [ -n "$PEER" ] && [ -f "$(dirname "$PEER")/limit/ipc.c" ]; then IPC_C=$(dirname "$PEER")/limit/ipc.c; fi
{
    gcc -O2 -Wall -o "$W/fifo_bw" "$HERE/limit/fifo_bw.c" >&2 || echo "# FAILED: gcc bench/limit/fifo_bw.c" >&2
    if [ -n "$IPC_C" ]; then
        gcc -O2 -Wall -o "$W/ipc" "$IPC_C" >&2 || echo "# FAILED: gcc $IPC_C" >&2
    else
        echo "# no peer limit/ipc.c found: pinned c_fifo_rtt and c_pipe1m_bw not measured" >&2
    fi
    [ -x "$W/fifo_bw" ] && cb "$W/fifo_bw"
    for p in "0,0 1cpu" "0,1 2cpu"; do
        if [ -x "$W/ipc" ]; then
            cbp $p "$W/ipc" rtt fifo
            cbp $p "$W/ipc" bw pipe1m
        fi
        [ -x "$W/fifo_bw" ] && cbp $p "$W/fifo_bw"
    done
    # The Java floor (JavaFloor): two plain JVMs on a 1 MiB pipe and on a Unix socket, as ipc.c's
    # bw pipe1m and bw uds, sending from a heap array or a direct buffer, receiving raw or into a
    # new byte[] each MiB.
    # shellcheck disable=SC2086  # FIXED_HEAP is a list of options; no CPU given: no taskset
    jfw() { timeout 60 ${jf_w:+taskset -c $jf_w} "$JAVA" $FIXED_HEAP -cp "$CP" dev.procwire.bench.JavaFloor write "$@"; }
    # shellcheck disable=SC2086
    jfr() { local mode=$1; shift
            timeout 60 ${jf_r:+taskset -c $jf_r} "$JAVA" $FIXED_HEAP -Dfloor.writer="$mode" -cp "$CP" \
                dev.procwire.bench.JavaFloor read "$@"; }
    jf() { # jf CPU_W CPU_R SUFFIX: the four combinations, pipe and uds ("" CPUs: unpinned)
        local jf_w=$1 jf_r=$2 sfx=$3 w r
        for w in direct heap; do
            for r in raw heap; do
                jfw pipe 1.5 $w | jfr $w pipe $r | suffixed "$sfx" \
                    || echo "# FAILED: JavaFloor pipe $w $r ${jf_w:+on CPUs $jf_w,$jf_r}" >&2
                { jfr $w uds "$W/floor.sock" $r & jfw uds "$W/floor.sock" 1.5 $w; wait $!; } \
                    | suffixed "$sfx" \
                    || echo "# FAILED: JavaFloor uds $w $r ${jf_w:+on CPUs $jf_w,$jf_r}" >&2
            done
        done
    }
    jf "" "" ""
    jf 0 0 _1cpu
    jf 0 1 _2cpu
} | tee "$W/floor.txt" >&2

# ---- procwire
LOAD_PW=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# procwire: loadavg $LOAD_PW" >&2
start=$SECONDS
{
    if [ "$WHAT" = all ]; then
        pw spawn methods phases rtt
        pwp 0,0 1cpu rtt
        pwp 0,1 2cpu rtt
    fi
    # transports: each its own JVM, so no other figure's threads or worker share the event loop
    PW_JVM=$FIXED_HEAP pw transports
    PW_JVM=$FIXED_HEAP pwp 0,0 1cpu transports
    PW_JVM=$FIXED_HEAP pwp 0,1 2cpu transports
    if [ "$WHAT" = all ]; then
        PW_JVM=$FIXED_HEAP pw pool cpu
    fi
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
    python3 "$HERE/table.py" "$W/peer.txt" "$W/floor.txt" "$W/pw.txt"
} > "$W/table.txt"
cat "$W/table.txt"
{
    cat "$W/table.txt"
    echo
    echo "# raw: procwire"
    grep -v '^$' "$W/pw.txt"
    echo
    echo "# raw: C floors measured by bench/run.sh (bench/limit)"
    grep -v '^$' "$W/floor.txt"
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
