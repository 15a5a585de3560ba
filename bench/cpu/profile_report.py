#!/usr/bin/env python3
"""Flat profile of a CASCADE_BENCH_PROFILE sample file (see
sampling_profiler.h): each executable offset attributed to the function of
the same binary that holds it (nm), libraries by their dladdr symbol.
  python3 profile_report.py SAMPLES BINARY [TOP]"""
import bisect
import collections
import subprocess
import sys

samples, binary = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
symbols = []
for line in subprocess.run(["nm", "-C", "--defined-only", "-n", binary],
                           capture_output=True, text=True,
                           check=True).stdout.splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        symbols.append((int(parts[0], 16), parts[2]))
addresses = [a for a, _ in symbols]
counts = collections.Counter()
total = 0
with open(samples) as f:
    for line in f:
        where, what = line.rstrip("\n").split(" ", 1)
        total += 1
        if where == "exe":
            i = bisect.bisect_right(addresses, int(what, 16)) - 1
            counts[symbols[i][1] if i >= 0 else "?"] += 1
        else:
            counts[where.rsplit("/", 1)[-1] + ": " + what] += 1
print(f"{total} samples")
for name, n in counts.most_common(top):
    print(f"{100.0 * n / total:6.2f}%  {name[:110]}")
