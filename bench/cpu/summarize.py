"""Ratios of Cascade to PyTorch per round of bench/cpu/run.sh's output.

    python3 summarize.py bench_cpu.txt

Each "# round N" block holds, at 16 and 1 threads, Cascade's dense and
causal times followed by PyTorch SDPA's; a ratio above 1 means Cascade is
faster. Only times measured in the same round are compared.
"""
import re
import statistics
import sys

line_re = re.compile(r"^(\S.*?)\s+threads\s+(\d+)\s+([\d.]+) ms")
pairs = {"dense": ("cascade dense", "torch sdpa dense"),
         "causal": ("cascade causal", "torch sdpa causal")}
rounds = []
for line in open(sys.argv[1]):
    if line.startswith("# round"):
        rounds.append({})
        continue
    if line.startswith("# 1 thread, other"):
        break
    m = line_re.match(line)
    if m and rounds:
        rounds[-1][(m.group(1).strip(), int(m.group(2)))] = float(m.group(3))

ratios = {}
for i, times in enumerate(rounds, 1):
    for threads in (16, 1):
        for shape, (ours, theirs) in pairs.items():
            a, b = times.get((ours, threads)), times.get((theirs, threads))
            if a is None or b is None:
                continue
            ratios.setdefault((shape, threads), []).append(b / a)
            print("round %d  %-6s %2d threads  cascade %9.1f ms  pytorch %9.1f ms  %.2fx"
                  % (i, shape, threads, a, b, b / a))
for (shape, threads), r in sorted(ratios.items(), key=lambda kv: (-kv[0][1], kv[0][0])):
    print("median %-6s %2d threads  %.2fx  (rounds: %s)"
          % (shape, threads, statistics.median(r), ", ".join("%.2f" % x for x in r)))
