"""Cascade's attention kernels against PyTorch SDPA, called alternately from
one process (bench_lib.cpp's shared library through ctypes), so that the
calls of one round see the machine in the same state. The loaned benchmark
host drifts by up to 2x within minutes (bench/RESULTS.md), which separate
processes minutes apart cannot tell from a real difference.

    python3 paired.py THREADS ROUNDS [KERNELS]

KERNELS: comma-separated names of bench_lib.cpp (default "dense,causal");
each is timed against PyTorch on its workload (the name's part before "_":
dense or causal; the *_h1 kernels and PyTorch on one head, calls of 50-100
ms at 1 thread, so that many rounds fit in a minute on a noisy host). "X:NAME" is NAME from libcascade_bench_X.so (an
earlier build or a variant copied there, e.g. "base:dense"), for A/B runs. A round calls PyTorch and each kernel of the workload
once, in an order rotated from round to round, with a pause before each
call so that the other side's spinning OpenMP workers go idle. Prints every
round, then per kernel the median of PyTorch / kernel over the rounds
(above 1: the kernel is faster) and the median times. When the library's
runtime counts its microkernel calls (build.sh builds it so), each round
also gives the microkernel's rate inside each kernel and alone on one
step's products (attention_step.h), measured next to each other.
"""
import ctypes
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 8
kernels = (sys.argv[3] if len(sys.argv) > 3 else "dense,causal").split(",")
torch.set_num_threads(threads)
here = os.path.dirname(os.path.abspath(__file__))
# (RTLD_DEEPBIND, to keep the library's libomp apart from PyTorch's OpenMP,
# crashed in the first kernel call on the benchmark host: plain local
# loading works, the kernels call libomp's __kmpc_* entry points only.)
Stats = ctypes.c_int64 * 9


def load(name):
    lib = ctypes.CDLL(os.path.join(here, name), mode=os.RTLD_LOCAL)
    lib.cascade_bench_attention.argtypes = [ctypes.c_char_p] + [ctypes.c_void_p] * 4 + [ctypes.c_int]
    lib.cascade_bench_microkernel_stats.argtypes = [Stats]
    lib.cascade_bench_step_rates.argtypes = [ctypes.c_double * 2, ctypes.c_int]
    return lib


lib = load("libcascade_bench.so")
counting = lib.cascade_bench_microkernel_stats(Stats()) == 1
# Kernels named "X:NAME" come from libcascade_bench_X.so: an earlier build
# or a variant (its own copy of the runtime), for A/B runs.
others = {n.split(":")[0]: load("libcascade_bench_%s.so" % n.split(":")[0])
          for n in kernels if ":" in n}


def library(name):
    if ":" in name:
        prefix, kernel = name.split(":", 1)
        return others[prefix], kernel
    return lib, name


def workload_of(name):
    """dense or causal, with "_bf16" for the bf16 kernels (timed against
    PyTorch on bf16 tensors) and "_h1" for the one-head ones."""
    kernel = library(name)[1]
    for suffix in ("_bf16", "_h1"):
        if kernel.endswith(suffix):
            return kernel.split("_")[0] + suffix
    return kernel.split("_")[0]

H, S, D = 16, 4096, 128
torch.manual_seed(0)
q, k, v = (torch.rand(1, H, S, D) * 2 - 1 for _ in range(3))
out = torch.empty(1, H, S, D)
# The same inputs in bf16, for the *_bf16 kernels and PyTorch against them.
qb, kb, vb = (x.to(torch.bfloat16) for x in (q, k, v))
outb = torch.empty(1, H, S, D, dtype=torch.bfloat16)
# The first head, for the *_h1 kernels and PyTorch against them.
q1, k1, v1 = (x[:, :1].contiguous() for x in (q, k, v))
out1 = torch.empty(1, 1, S, D)


def operands(workload):
    """q, k, v and Cascade's output buffer of a workload."""
    if workload.endswith("_bf16"):
        return qb, kb, vb, outb
    if workload.endswith("_h1"):
        return q1, k1, v1, out1
    return q, k, v, out


inside = {}  # kernel -> [(scores GFLOP/s, numerator GFLOP/s, share of time)]


def cascade(name):
    where, kernel = library(name)
    where.cascade_bench_microkernel_stats(Stats())  # reset
    args = operands(workload_of(name))
    t0 = time.perf_counter()
    if where.cascade_bench_attention(kernel.encode(), *(x.data_ptr() for x in args),
                                     threads):
        raise RuntimeError("cascade kernel %s failed" % name)
    seconds = time.perf_counter() - t0
    s = Stats()
    if where.cascade_bench_microkernel_stats(s) and s[1] and s[4]:
        # The microkernel inside the kernel: its rate per thread, and its
        # share of the threads' time.
        share = (s[1] + s[4] + s[7]) * 1e-9 / (seconds * threads)
        inside.setdefault(name, []).append((s[2] / s[1], s[5] / s[4], share))
    return args[3]


def step_rates():
    rates = (ctypes.c_double * 2)()
    lib.cascade_bench_step_rates(rates, 100)
    return rates[0], rates[1]


def pytorch(workload):
    args = operands(workload)[:3]
    return F.scaled_dot_product_attention(*args, is_causal=workload.startswith("causal"))


def timed(fn, arg):
    time.sleep(0.3)
    t0 = time.perf_counter()
    fn(arg)
    return (time.perf_counter() - t0) * 1e3


print("# %s, %d threads, torch %s, %d rounds" % (
    time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), threads, torch.__version__, rounds))
workloads = []
for name in kernels:
    w = workload_of(name)
    if w not in workloads:
        workloads.append(w)
with torch.no_grad():
    for workload in workloads:
        mine = [n for n in kernels if workload_of(n) == workload]
        ref = pytorch(workload).clone()  # warm-up, and the results must agree
        for name in mine:
            diff = (cascade(name).float() - ref.float()).abs().max().item()
            print("%s: max |cascade - pytorch| %.3g" % (name, diff), flush=True)
        contenders = [("pytorch", pytorch, workload)] + [(n, cascade, n) for n in mine]
        times = {c[0]: [] for c in contenders}
        for r in range(rounds):
            shift = r % len(contenders)
            for label, fn, arg in contenders[shift:] + contenders[:shift]:
                times[label].append(timed(fn, arg))
            line = "%s round %2d  " % (workload, r + 1) + "  ".join(
                "%s %.2f" % (label, times[label][-1]) for label, _, _ in contenders)
            if counting:
                alone = step_rates()
                line += "  | microkernel alone %.1f / %.1f GFLOP/s" % alone
                # (The bf16 products are not counted.)
                for name in (n for n in mine if n in inside):
                    sc, nu, share = inside[name][-1]
                    line += "; in %s %.1f / %.1f (%.0f%% of its time)" % (
                        name, sc, nu, 100 * share)
            print(line, flush=True)
        print("%s, %d threads, pytorch median %.2f ms" % (
            workload, threads, statistics.median(times["pytorch"])))
        for name in mine:
            ratios = [p / c for p, c in zip(times["pytorch"], times[name])]
            print("  %-16s median %8.2f ms  pytorch/it median %.3f (min %.3f max %.3f)" % (
                name, statistics.median(times[name]), statistics.median(ratios),
                min(ratios), max(ratios)), flush=True)
            if counting and name in inside:
                rows = inside[name][-rounds:]
                print("  %-16s microkernel inside (scores / numerator, median GFLOP/s per "
                      "thread) %.1f / %.1f, %.0f%% of its threads' time" % (
                          "", statistics.median(x[0] for x in rows),
                          statistics.median(x[1] for x in rows),
                          100 * statistics.median(x[2] for x in rows)), flush=True)
