"""Single-threaded kernels compared side by side in time: each contender runs
in its own processes, each pinned to a core of its own, all started
together, so that every contender sees the loaned host in the same state
(its speed drifts by up to 2x within a minute, which calls one after the
other cannot tell from a real difference; bench/RESULTS.md). (Not named
concurrent.py: that would shadow the standard library's package, which
PyTorch imports.)

    python3 side_by_side.py WORKLOAD COPIES CALLS CONTENDER[,CONTENDER...]

WORKLOAD: dense or causal (B1 H16 S4096 D128 f32). CONTENDER: "pytorch"
(SDPA, one intra-op thread), "pytorch_bf16" (the same on bf16 tensors), a kernel of libcascade_bench.so (bench_lib.cpp)
run with one thread, or "LIB:NAME" from libcascade_bench_LIB.so (an
earlier build copied as libcascade_bench_base.so: "base:dense"). Each
contender gets COPIES processes; each process makes one warm-up call and
then CALLS timed calls. The run is repeated once with the cores rotated
among contenders, so that no contender keeps the faster cores. Prints each
contender's median call time over all its calls and the ratio of the first
contender's median to each other's (above 1: faster than the first).
"""
import ctypes
import multiprocessing as mp
import os
import queue
import statistics
import sys
import time

H, S, D = 16, 4096, 128


def worker(contender, workload, core, calls, barrier, results):
    os.sched_setaffinity(0, {core})
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    torch.manual_seed(core)
    # "*_bf16" contenders (a kernel, or pytorch_bf16) run on bf16 tensors.
    dtype = torch.bfloat16 if contender.endswith("_bf16") else torch.float32
    q, k, v = ((torch.rand(1, H, S, D) * 2 - 1).to(dtype) for _ in range(3))
    out = torch.empty(1, H, S, D, dtype=dtype)
    if contender in ("pytorch", "pytorch_bf16"):
        def call():
            F.scaled_dot_product_attention(q, k, v, is_causal=workload == "causal")
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        name, lib = contender, "libcascade_bench.so"
        if ":" in name:
            variant, name = name.split(":", 1)
            lib = "libcascade_bench_%s.so" % variant
        so = ctypes.CDLL(os.path.join(here, lib), mode=os.RTLD_LOCAL)
        so.cascade_bench_attention.argtypes = [ctypes.c_char_p] + [ctypes.c_void_p] * 4 + [ctypes.c_int]

        def call():
            if so.cascade_bench_attention(name.encode(), q.data_ptr(), k.data_ptr(),
                                          v.data_ptr(), out.data_ptr(), 1):
                raise RuntimeError(contender)
    with torch.no_grad():
        call()  # warm-up
        # A kernel's result, its first head against PyTorch's (a fast wrong
        # kernel must not read as a gain: main marks it WRONG).
        err = 0.0
        if contender not in ("pytorch", "pytorch_bf16"):
            ref = F.scaled_dot_product_attention(
                q[:, :1].float(), k[:, :1].float(), v[:, :1].float(),
                is_causal=workload == "causal")
            err = (out[:, :1].float() - ref).abs().max().item()
        barrier.wait()
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            call()
            times.append((time.perf_counter() - t0) * 1e3)
    results.put((contender, core, times, err))


def main():
    workload, copies, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    contenders = sys.argv[4].split(",")
    cores = sorted(os.sched_getaffinity(0))
    need = copies * len(contenders)
    if need > len(cores):
        sys.exit("side_by_side.py: %d processes need as many cores, %d available" % (need, len(cores)))
    print("# %s, %s, %d copies x %d calls per contender, cores %s" % (
        time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), workload, copies, calls,
        cores[:need]), flush=True)
    times = {c: [] for c in contenders}
    ctx = mp.get_context("spawn")
    for rotation in range(2):
        barrier = ctx.Barrier(need)
        results = ctx.Queue()
        procs = []
        for i, c in enumerate(contenders):
            for j in range(copies):
                slot = (i * copies + j + rotation * copies) % need
                p = ctx.Process(target=worker, args=(c, workload, cores[slot], calls, barrier, results))
                p.start()
                procs.append(p)
        for _ in procs:
            while True:
                try:
                    c, core, t, err = results.get(timeout=5)
                    break
                except queue.Empty:
                    if any(p.exitcode for p in procs):
                        for p in procs:
                            p.terminate()
                        sys.exit("side_by_side.py: a worker failed")
            times[c].extend(t)
            bound = 3e-2 if c.endswith("_bf16") else 1e-4
            print("  rotation %d  %-16s core %2d  %s  (max error %.1e%s)" % (
                rotation, c, core, " ".join("%.0f" % x for x in t), err,
                "" if err <= bound else ": WRONG"), flush=True)
        for p in procs:
            p.join()
            if p.exitcode:
                sys.exit("side_by_side.py: a worker failed")
    first = statistics.median(times[contenders[0]])
    for c in contenders:
        m = statistics.median(times[c])
        print("%s, 1 thread each: %-16s median %8.1f ms over %d calls  %s/it %.3f" % (
            workload, c, m, len(times[c]), contenders[0], first / m), flush=True)


if __name__ == "__main__":
    main()
