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
#   against "c": pass if pw <= factor * C;  "py": pass if pw <= factor * python.
ROWS = [
    ("spawn-to-ready", "pw_spawn_ready", "c_java_hello", "py_spawn_spawn", ("c", 2.0, "pw <= 2 x C")),
    ("round trip (unpinned)", "pw_apply_rtt", "c_pipe_rtt", "py_apply_rtt", ("py", 0.25, "pw <= py / 4")),
    ("round trip same core", "pw_apply_rtt_1cpu", "c_pipe_rtt_1cpu", "py_pipe_rtt_1cpu", None),
    ("round trip cross core", "pw_apply_rtt_2cpu", "c_pipe_rtt_2cpu", "py_pipe_rtt_2cpu", None),
]
PHASES = [
    ("pw_spawn_ready_min", "fastest of the 20 spawn-to-ready runs"),
    ("pw_jvm_hello", "floor: same java command line + classpath, main writes 1 byte (ProcessBuilder)"),
    ("pw_spawn_launched", "SpawnStarter.start() returned (process spawned, pipes + transport up)"),
    ("pw_spawn_hello", "internal API: spawn until connection().ready() (Hello arrived)"),
    ("c_java_version", "peer: java -Xshare:auto -version to exit"),
]


def read(paths):
    vals = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                m = LINE.match(line) or ROW.match(line)
                if m:
                    try:
                        vals[m.group(1)] = (float(m.group(2)), m.group(3), m.group(2))
                    except ValueError:
                        pass
    return vals


def cell(vals, name):
    if name in vals:
        return f"{vals[name][2]} {vals[name][1]}"
    return "-"


def ratio(vals, a, b):
    if a in vals and b in vals and vals[b][0] > 0 and vals[a][1] == vals[b][1]:
        return f"{vals[a][0] / vals[b][0]:.2f}x"
    return "-"


def main():
    vals = read(sys.argv[1:])
    head = ("comparison", "procwire", "C limit", "Python", "pw/C", "pw/py", "target", "result")
    rows = [head]
    for label, pw, c, py, target in ROWS:
        verdict, text = "-", "-"
        if target:
            against, factor, text = target
            ref = c if against == "c" else py
            if pw in vals and ref in vals and vals[pw][1] == vals[ref][1]:
                verdict = "PASS" if vals[pw][0] <= factor * vals[ref][0] else "MISS"
            else:
                verdict = "n/a"
        rows.append((label, cell(vals, pw), cell(vals, c), cell(vals, py),
                     ratio(vals, pw, c), ratio(vals, pw, py), text, verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        print("  ".join(v.ljust(widths[i]) if i == 0 or i >= 6 else v.rjust(widths[i])
                        for i, v in enumerate(r)).rstrip())
    print()
    print("columns: procwire = pw_spawn_ready | pw_apply_rtt[_1cpu|_2cpu];  C limit = c_java_hello | "
          "c_pipe_rtt[_1cpu|_2cpu];")
    print("         Python = py_spawn_spawn (context, no target) | py_apply_rtt (Pool.apply) | "
          "py_pipe_rtt_1cpu/_2cpu (Pipe ping-pong, closest pinned Python figure)")
    print("pinning: _1cpu = PIN=0,0 (parent and worker on CPU 0), _2cpu = PIN=0,1 (parent CPU 0, worker CPU 1)")
    print()
    print("spawn detail:")
    for name, what in PHASES:
        print(f"  {name:<20} {cell(vals, name):>12}  {what}")


if __name__ == "__main__":
    main()
