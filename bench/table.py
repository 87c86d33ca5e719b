"""Side-by-side table: procwire figures vs the peer baseline's C limit and Python peer.

Usage: python3 table.py RAW...   (files of `name: value unit` lines, or recorded
bench/results/*.txt which also hold the peer suite's table; later files win)
Stdlib only. Prints the table on stdout.
"""
import re
import sys

LINE = re.compile(r"^([a-z0-9_]+): (\S+) (\S+)\s*$")
# a row of the peer run.sh's one-run table ("figure  value  unit"), as saved in results/*.txt
ROW = re.compile(r"^([a-z0-9_]+)\s+(\S+)\s+(\S+)\s*$")

# (label, procwire, C limit, python, target) -- target: (against, factor, text) or None.
#   against "c": pass if pw <= factor * C;  "c>=": pass if pw >= factor * C (throughputs);
#   "py": pass if pw <= factor * python;
#   "py>=": pass if pw >= factor * python (throughputs);  "abs>=": pass if pw >= factor;
#   "abs<=": pass if pw <= factor (in the row's own unit).
# None in the C column: no C figure for that row.
ROWS = [
    ("spawn-to-ready", "pw_spawn_ready", "c_java_hello", "py_spawn_spawn", ("c", 2.0, "pw <= 2 x C")),
    ("spawn-to-ready (issue 5)", "pw_spawn_ready", "c_java_hello", "py_spawn_spawn", ("c", 1.5, "pw <= 1.5 x C")),
    ("start method forkserver", "pw_forkserver_ready", None, "py_spawn_forkserver", ("abs<=", 1.5, "pw <= 1.5 ms")),
    ("  beside Python's fork", "pw_forkserver_ready", None, "py_spawn_fork", ("py", 1.0, "pw <= py fork")),
    ("start method warm", "pw_warm_ready", None, "py_spawn_fork", ("abs<=", 1.5, "pw <= 1.5 ms")),
    ("  beside Python's fork", "pw_warm_ready", None, "py_spawn_fork", ("py", 1.0, "pw <= py fork")),
    ("idle worker RSS", "pw_idle_rss", None, None, ("abs<=", 64, "pw < 64 MiB")),
    ("  its PSS", "pw_idle_pss", None, None, None),
    ("round trip (unpinned)", "pw_apply_rtt", "c_pipe_rtt", "py_apply_rtt", ("py", 0.25, "pw <= py / 4")),
    ("round trip same core", "pw_apply_rtt_1cpu", "c_pipe_rtt_1cpu", "py_pipe_rtt_1cpu", None),
    ("round trip cross core", "pw_apply_rtt_2cpu", "c_pipe_rtt_2cpu", "py_pipe_rtt_2cpu", None),
    ("pool map chunksize 1", "pw_pool_map_tiny_chunk1", None, "py_pool_map_tiny_chunk1", ("py>=", 4.0, "pw >= 4 x py")),
    ("pool map default chunks", "pw_pool_map_tiny", None, "py_pool_map_tiny", ("py>=", 2.0, "pw >= 2 x py")),
    ("pool imap chunksize 1", "pw_pool_imap_tiny", None, "py_pool_imap_tiny", None),
    ("pool apply sequential", "pw_apply_seq", "c_pipe_rtt", "py_apply_rtt", ("py", 0.25, "pw <= py / 4")),
    ("executor submit", "pw_executor_submit", "c_pipe_rtt", "py_executor_submit", None),
    ("executor throughput", "pw_executor_submit_tput", None, "py_executor_submit_tput", None),
    ("cpu 1 process", "pw_cpu_1proc", None, "py_cpu_1proc", None),
    ("cpu 2 processes", "pw_cpu_2proc", None, "py_cpu_2proc", None),
    # Start and join inside the timing: two JVM start-ups against a 7 ms count, not the count's
    # speed-up; the target is carried by the started-pool row (bench/README.md, "Which CPU row").
    ("cpu speedup, start inside", "pw_cpu_speedup", None, "py_cpu_speedup", None),
    ("cpu speedup, equal work, start inside", "pw_cpu_equal_speedup", None, "py_cpu_speedup", None),
    ("  1 proc, below 2,000,000", "pw_cpu_equal_1proc", None, "py_cpu_1proc", None),
    ("  2 procs, below 2,000,000", "pw_cpu_equal_2proc", None, "py_cpu_2proc", None),
    ("cpu speedup, equal work, started pool", "pw_cpu_equal_pool_speedup", None, "py_cpu_speedup", ("abs>=", 1.9, "pw >= 1.9x")),
    ("  equal work, forkserver, start inside", "pw_cpu_equal_forkserver_speedup", None, "py_cpu_speedup", None),
    ("  ceiling: 2 plain JVMs, no procwire", "pw_cpu_plain_speedup", None, None, None),
]
# The transport rows (issue 3 item 6): (label, procwire, p99 or None, C floor, python, target).
# Targets: round trip pw <= 2 x the C floor of the same transport and pinning; 1 MiB throughput
# pw >= 0.7 x the C floor. py_pipe_* is multiprocessing.Pipe(), a socketpair: the Python peer for
# every row, a like-for-like one for uds only.
RTT_TARGET = ("c", 2.0, "pw <= 2 x C")
BW_TARGET = ("c>=", 0.7, "pw >= 70% of C")
TRANSPORT_ROWS = []
for _kind in ("pipe", "fifo", "uds"):
    for _sfx, _where in (("", "unpinned"), ("_1cpu", "same core"), ("_2cpu", "cross core")):
        TRANSPORT_ROWS.append((f"{_kind} rtt {_where}", f"pw_{_kind}_rtt{_sfx}", f"pw_{_kind}_rtt_p99{_sfx}",
                               f"c_{_kind}_rtt{_sfx}", f"py_pipe_rtt{_sfx}", RTT_TARGET))
    for _sfx, _where in (("", "unpinned"), ("_1cpu", "same core"), ("_2cpu", "cross core")):
        TRANSPORT_ROWS.append((f"{_kind} rtt {_where}, from loop", f"pw_{_kind}_rtt_loop{_sfx}",
                               f"pw_{_kind}_rtt_loop_p99{_sfx}", f"c_{_kind}_rtt{_sfx}", f"py_pipe_rtt{_sfx}",
                               RTT_TARGET))
    _c = {"pipe": "c_pipe1m_bw", "fifo": "c_fifo_bw", "uds": "c_uds_bw"}[_kind]
    for _sfx, _where in (("", "unpinned"), ("_1cpu", "same core"), ("_2cpu", "cross core")):
        TRANSPORT_ROWS.append((f"{_kind} 1 MiB {_where}", f"pw_{_kind}_bw{_sfx}", None, f"{_c}{_sfx}",
                               f"py_pipe_bw{_sfx}", BW_TARGET))
    for _sfx, _where in (("", "unpinned"), ("_1cpu", "same core"), ("_2cpu", "cross core")):
        TRANSPORT_ROWS.append((f"{_kind} 1 MiB {_where}, child->rt", f"pw_{_kind}_bw_in{_sfx}", None,
                               f"{_c}{_sfx}", f"py_pipe_bw{_sfx}", BW_TARGET))

POOL_DETAIL = [
    ("pw_pool_map_tiny_chunk1_cpu_parent", "CPU time per task of the bench JVM during the timed map chunksize 1 reps"),
    ("pw_pool_map_tiny_chunk1_cpu_workers", "same, both workers together (their /proc CPU time)"),
    ("pw_pool_map_tiny_cpu_parent", "CPU per task, bench JVM, map default chunks"),
    ("pw_pool_map_tiny_cpu_workers", "CPU per task, workers, map default chunks"),
    ("pw_pool_imap_tiny_cpu_parent", "CPU per task, bench JVM, imap chunksize 1"),
    ("pw_pool_imap_tiny_cpu_workers", "CPU per task, workers, imap chunksize 1"),
    ("pw_apply_seq_cpu_parent", "CPU per sequential apply, bench JVM"),
    ("pw_apply_seq_cpu_workers", "CPU per sequential apply, workers"),
    ("pw_executor_submit_cpu_parent", "CPU per sequential submit().get(), bench JVM"),
    ("pw_executor_submit_cpu_workers", "CPU per sequential submit().get(), workers"),
    ("pw_executor_submit_tput_cpu_parent", "CPU per task, bench JVM, 20000 submits then wait"),
    ("pw_executor_submit_tput_cpu_workers", "CPU per task, workers, 20000 submits then wait"),
]
CPU_DETAIL = [
    ("pw_cpu_inproc", "the count in the bench JVM itself (what py_cpu_1proc measures in Python)"),
    ("pw_cpu_2proc_started", "2proc: until both workers were up (startAsync done)"),
    ("pw_cpu_2proc_compute", "2proc: the longer of the two workers' own count times"),
    ("pw_cpu_pool_1proc", "the count on a started, warm pool of 1 worker (map of 1 part)"),
    ("pw_cpu_pool_1proc_compute", "  its worker's own count time"),
    ("pw_cpu_pool_2proc", "the count on a started, warm pool of 2 workers (map of 2 parts, chunksize 1)"),
    ("pw_cpu_pool_2proc_compute", "  the longer of the parts' own count times"),
    ("pw_cpu_pool_2proc_lead", "  map called until the first part began"),
    ("pw_cpu_pool_2proc_tail", "  the last part done until map returned"),
    ("pw_cpu_pool_2proc_workers_used", "  distinct workers that ran the 2 parts (most in any rep)"),
    ("pw_cpu_pool_speedup", "pool_1proc / pool_2proc"),
    ("pw_cpu_pool_2proc_prefetch1", "pool of 2 built with prefetch(1)"),
    ("pw_cpu_pool_2proc_prefetch1_compute", "  the longer of the parts' own count times"),
    ("pw_cpu_pool_2proc_prefetch1_workers_used", "  distinct workers that ran the 2 parts"),
    ("pw_cpu_pool_speedup_prefetch1", "pool_1proc / pool_2proc_prefetch1"),
    ("pw_cpu_equal_forkserver_1proc", "below 2,000,000, 1 worker from the fork server, start and join inside"),
    ("pw_cpu_equal_forkserver_2proc", "  2 workers from the fork server, half each"),
    ("pw_cpu_plain_1proc", "below 2,000,000 in one plain JVM (no procwire), median round after JIT warm-up"),
    ("pw_cpu_plain_2proc", "  half each in two plain JVMs at once: the slower one's median round"),
]
PHASES = [
    ("pw_spawn_ready_min", "fastest of the 20 spawn-to-ready runs"),
    ("pw_jvm_hello", "floor: same java command line + classpath, main writes 1 byte (ProcessBuilder)"),
    ("pw_spawn_launched", "SpawnStarter.start() returned (process spawned, pipes + transport up)"),
    ("pw_spawn_hello", "internal API: spawn until connection().ready() (Hello arrived)"),
    ("c_java_version", "peer: java -Xshare:auto -version to exit"),
]


FAILED = re.compile(r"^# FAILED (?!\()(.*)$")  # the harness's own failure lines (not run.sh's "# FAILED (rc)")


def read(paths):
    vals = {}
    failures = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                fm = FAILED.match(line)
                if fm and fm.group(1).strip() not in failures:
                    failures.append(fm.group(1).strip())
                m = LINE.match(line) or ROW.match(line)
                if m:
                    try:
                        vals[m.group(1)] = (float(m.group(2)), m.group(3), m.group(2))
                    except ValueError:
                        pass
    read.failures = failures
    return vals


def cell(vals, name):
    if name is not None and name in vals:
        return f"{vals[name][2]} {vals[name][1]}"
    return "-"


def ratio(vals, a, b):
    if a is None or b is None:
        return "-"
    if a in vals and b in vals and vals[b][0] > 0 and vals[a][1] == vals[b][1]:
        return f"{vals[a][0] / vals[b][0]:.2f}x"
    return "-"


def judge(vals, pw, c, py, target):
    """(target text, PASS/MISS/n/a/-) for one row."""
    if not target:
        return "-", "-"
    against, factor, text = target
    if against == "abs>=":
        return text, ("PASS" if vals[pw][0] >= factor else "MISS") if pw in vals else "n/a"
    if against == "abs<=":
        return text, ("PASS" if vals[pw][0] <= factor else "MISS") if pw in vals else "n/a"
    ref = c if against in ("c", "c>=") else py
    if pw in vals and ref in vals and vals[pw][1] == vals[ref][1]:
        if against in ("py>=", "c>="):
            return text, "PASS" if vals[pw][0] >= factor * vals[ref][0] else "MISS"
        return text, "PASS" if vals[pw][0] <= factor * vals[ref][0] else "MISS"
    return text, "n/a"


def render(rows, left_cols):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(v.ljust(widths[i]) if i == 0 or i >= left_cols else v.rjust(widths[i])
                        for i, v in enumerate(r)).rstrip())


def transports(vals):
    """The transport rows, with a p99 column; printed only if any transport figure was measured."""
    if not any(pw in vals for _, pw, _, _, _, _ in TRANSPORT_ROWS):
        return
    print()
    print("transports (issue 3 item 6): 64-byte round trip (median, p99) and 1 MiB throughput (median of 3)")
    rows = [("transport", "procwire", "p99", "C floor", "Python", "pw/C", "pw/py", "target", "result")]
    for label, pw, p99, c, py, target in TRANSPORT_ROWS:
        text, verdict = judge(vals, pw, c, py, target)
        rows.append((label, cell(vals, pw), cell(vals, p99), cell(vals, c), cell(vals, py),
                     ratio(vals, pw, c), ratio(vals, pw, py), text, verdict))
    render(rows, 7)
    print("  procwire: pw_<kind>_rtt[_loop][_1cpu|_2cpu] (p99: pw_<kind>_rtt[_loop]_p99...), pw_<kind>_bw...;")
    print("    the runtime side is the transport class on Netty epoll, the child a blocking Java reader/writer")
    print("    (TransportPeer). rtt: the bench thread sends (writing itself) and waits for the echo (1 thread")
    print("    hand-off in the runtime JVM); from loop: the listener sends the next frame from the event loop.")
    print("  C floor: c_<kind>_rtt...; throughput c_pipe1m_bw (pipe grown to 1 MiB, as procwire grows a pipe")
    print("    that fills up; c_pipe_bw below is the 64 KiB pipe), c_fifo_bw (bench/limit/fifo_bw.c), c_uds_bw. Pinned")
    print("    c_fifo_rtt, c_pipe1m_bw and all c_fifo_bw are measured by bench/run.sh, the rest by the peer suite.")
    print("  Python: py_pipe_rtt / py_pipe_bw = multiprocessing.Pipe(), a socketpair (like for like with uds only).")
    print("  child->rt: the child writes 1 MiB frames, the runtime decodes them (the C floor is parent->child).")
    transport_detail(vals)


def transport_detail(vals):
    """CPU per round trip / per MiB, runtime JVM and child; and pipe throughput beside a 64 KiB pipe."""
    print()
    print("transport detail: CPU time over the timed part, runtime JVM / child (child: /proc, 10 ms ticks)")
    figs = (("rtt", "rtt us"), ("rtt_loop", "from loop us"), ("bw", "1 MiB us/MiB"), ("bw_in", "child->rt us/MiB"))
    rows = [("",) + tuple(h for _, h in figs)]
    for kind in ("pipe", "fifo", "uds"):
        for sfx, where in (("", "unpinned"), ("_1cpu", "same core"), ("_2cpu", "cross core")):
            cells = []
            for fig, _ in figs:
                p, c = f"pw_{kind}_{fig}_cpu_parent{sfx}", f"pw_{kind}_{fig}_cpu_child{sfx}"
                cells.append(f"{vals[p][2] if p in vals else '-'} / {vals[c][2] if c in vals else '-'}")
            rows.append((f"{kind} {where}",) + tuple(cells))
    render(rows, 99)
    java_floor(vals)
    print("  beside the kernel's default 64 KiB pipe (which procwire's pipes kept until they grew on bulk data),")
    print("  c_pipe_bw[_1cpu|_2cpu]:")
    for sfx, where in (("", "unpinned"), ("_1cpu", "same core"), ("_2cpu", "cross core")):
        pw, c = f"pw_pipe_bw{sfx}", f"c_pipe_bw{sfx}"
        print(f"    {where:<10} {cell(vals, pw):>12} vs {cell(vals, c):>12}  {ratio(vals, pw, c)}")


def java_floor(vals):
    """Pipe and uds 1 MiB throughput beside two plain JVMs (JavaFloor), if it was measured."""
    if not any(k.startswith(("java_pipe_bw_", "java_uds_bw_")) for k in vals):
        return
    print("  1 MiB beside the Java floor: two plain JVMs, no procwire (JavaFloor; writer -> reader: direct =")
    print("  write(2) from a direct buffer, heap = from a byte[] (the JDK copies it first); raw = read(2) alone,")
    print("  heap = also a new byte[] per MiB). Like for like: rt->child = heap -> raw (the runtime sends a heap")
    print("  payload, TransportPeer reads raw), child->rt = direct -> heap.")
    rows = [("", "C", "direct->raw", "heap->raw", "direct->heap", "heap->heap",
             "rt->child", "pw/Java", "child->rt", "pw/Java")]
    for kind, c in (("pipe", "c_pipe1m_bw"), ("uds", "c_uds_bw")):
        for sfx, where in (("", "unpinned"), ("_1cpu", "same core"), ("_2cpu", "cross core")):
            j = {f"{w}_{r}": f"java_{kind}_bw_{w}_{r}{sfx}" for w in ("direct", "heap") for r in ("raw", "heap")}
            out, inn = f"pw_{kind}_bw{sfx}", f"pw_{kind}_bw_in{sfx}"
            rows.append((f"    {kind} {where}", cell(vals, c + sfx),
                         *(cell(vals, j[k]) for k in ("direct_raw", "heap_raw", "direct_heap", "heap_heap")),
                         cell(vals, out), ratio(vals, out, j["heap_raw"]),
                         cell(vals, inn), ratio(vals, inn, j["direct_heap"])))
    render(rows, 99)


def main():
    vals = read(sys.argv[1:])
    head = ("comparison", "procwire", "C limit", "Python", "pw/C", "pw/py", "target", "result")
    rows = [head]
    for label, pw, c, py, target in ROWS:
        text, verdict = judge(vals, pw, c, py, target)
        rows.append((label, cell(vals, pw), cell(vals, c), cell(vals, py),
                     ratio(vals, pw, c), ratio(vals, pw, py), text, verdict))
    only_transports = not any(pw in vals for _, pw, _, _, _ in ROWS)
    if only_transports and any(pw in vals for _, pw, _, _, _, _ in TRANSPORT_ROWS):
        print("(bench/run.sh transports: the runtime, pool and cpu rows were not measured)")
    else:
        render(rows, 6)
    transports(vals)
    if only_transports:
        failures(read.failures)
        return
    print()
    print("figures (procwire | C limit | Python), one line per row:")
    for label, pw, c, py, _ in ROWS:
        print(f"  {label:<24} {pw} | {c or '-'} | {py}")
    print("notes: py_spawn_spawn is context (no target); py_apply_rtt is Pool.apply; py_pipe_rtt_1cpu/_2cpu is Pipe")
    print("       ping-pong, the closest pinned Python figure. pw_apply_rtt: internal API, direct executor; pw_apply_seq:")
    print("       public ProcessPool.apply. Pool rows: ProcessPool.builder().processes(2), started and warmed before timing,")
    print("       tasks/s = median of 3 reps (N 200000 default chunks, 20000 chunksize 1), as py_pool.py; executor rows:")
    print("       ProcessPoolExecutor.create(2), submit(Square, 1). cpu rows: primes < 200000, median of 5 ms;")
    print("       pw_cpu_1proc/_2proc = 1/2 worker JVMs started, run, joined (py_cpu_1proc runs in-process, no start).")
    print("pinning: _1cpu = PIN=0,0 (parent and worker on CPU 0), _2cpu = PIN=0,1 (parent CPU 0, worker CPU 1)")
    print()
    print("spawn detail:")
    for name, what in PHASES:
        print(f"  {name:<20} {cell(vals, name):>12}  {what}")
    for title, rows in (("pool detail", POOL_DETAIL), ("cpu detail", CPU_DETAIL)):
        if any(name in vals for name, _ in rows):
            print()
            print(f"{title}:")
            for name, what in rows:
                print(f"  {name:<40} {cell(vals, name):>13}  {what}")
    failures(read.failures)


def failures(failed):
    if failed:
        print()
        print("failed figures (no value above):")
        for f in failed:
            print(f"  {f}")


if __name__ == "__main__":
    main()
