"""Kernels of libcascade_bench.so alternated call by call in one process,
without PyTorch (for A/B runs on a machine that has no PyTorch, such as the
build machine): python3 paired_local.py THREADS ROUNDS A,B[,C...]
Prints each round's times and, per kernel, the median of A's time over its
own (above 1: faster than A). "X:NAME" is NAME from libcascade_bench_X.so
(an earlier build or a variant, as in paired.py). Inputs are uniform in
[-1, 1)."""
import ctypes
import os
import random
import statistics
import sys
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
kernels = sys.argv[3].split(",")
here = os.path.dirname(os.path.abspath(__file__))


def load(name):
    lib = ctypes.CDLL(os.path.join(here, name), mode=os.RTLD_LOCAL)
    lib.cascade_bench_attention.argtypes = [ctypes.c_char_p] + [ctypes.c_void_p] * 4 + [ctypes.c_int]
    return lib


lib = load("libcascade_bench.so")
others = {k.split(":")[0]: load("libcascade_bench_%s.so" % k.split(":")[0])
          for k in kernels if ":" in k}
n = 16 * 4096 * 128
random.seed(int(time.time()))
buffers = []
for _ in range(3):
    b = (ctypes.c_float * n)()
    for i in range(0, n, 4099):  # sparse random fill: fast, never all-zero
        b[i] = random.uniform(-1, 1)
    buffers.append(b)
outputs = {k: (ctypes.c_float * n)() for k in kernels}


def call(name):
    where, kernel = (others[name.split(":")[0]], name.split(":", 1)[1]) if ":" in name else (lib, name)
    t0 = time.perf_counter()
    if where.cascade_bench_attention(kernel.encode(), *[ctypes.addressof(b) for b in buffers],
                                     ctypes.addressof(outputs[name]), threads):
        raise RuntimeError(name)
    return (time.perf_counter() - t0) * 1e3


times = {k: [] for k in kernels}
for k in kernels:
    call(k)  # warm-up
first = outputs[kernels[0]]
for k in kernels[1:]:
    diff = max(abs(first[i] - outputs[k][i]) for i in range(0, n, 97))
    print("%s: max |%s - %s| (sampled) %.3g" % (k, k, kernels[0], diff))
for r in range(rounds):
    shift = r % len(kernels)
    for k in kernels[shift:] + kernels[:shift]:
        time.sleep(0.2)
        times[k].append(call(k))
    print("round %2d  " % (r + 1) + "  ".join("%s %.1f" % (k, times[k][-1]) for k in kernels), flush=True)
for k in kernels:
    ratios = [a / b for a, b in zip(times[kernels[0]], times[k])]
    print("%-20s median %8.1f ms  %s/it median %.3f (min %.3f max %.3f)" % (
        k, statistics.median(times[k]), kernels[0], statistics.median(ratios), min(ratios), max(ratios)))
