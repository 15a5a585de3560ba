"""The runtime's f32 microkernel against PyTorch's matmul (MKL/oneDNN) on
the attention step's products, one thread, alternated in one process
(bench_lib.cpp's cascade_bench_matmul through ctypes).

    python3 paired_gemm.py [ROUNDS]

Shapes: the CPU kernel's steps (128 x 128 x 128: scores with the queries
packed once, P.V with the values packed per call) and PyTorch's own
flash-attention blocks (256 queries x 512 keys x 128). GFLOP/s per round,
then the medians and the median of PyTorch / Cascade.
"""
import ctypes
import os
import statistics
import sys
import time

import torch

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
torch.set_num_threads(1)
lib = ctypes.CDLL(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "libcascade_bench.so"), mode=os.RTLD_LOCAL)
lib.cascade_bench_matmul.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int64] * 3 + [ctypes.c_int] * 3

# (name, m, n, k, B transposed, B packed once)
shapes = [("scores 128x128x128 (B^T packed once)", 128, 128, 128, 1, 1),
          ("p.v 128x128x128 (B packed per call)", 128, 128, 128, 0, 0),
          ("scores 256x512x128 (B^T per call)", 256, 512, 128, 1, 0),
          ("p.v 256x128x512 (B per call)", 256, 128, 512, 0, 0)]
print("# %s, 1 thread, torch %s" % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
                                    torch.__version__))
for name, m, n, k, trans, packed in shapes:
    a = torch.rand(m, k) - 0.5
    b = torch.rand(n, k) - 0.5 if trans else torch.rand(k, n) - 0.5
    c = torch.empty(m, n)
    flop = 2.0 * m * n * k
    reps = max(1, int(2e9 / flop / 20))  # about 0.02 s per measurement
    bt = b.t() if trans else b

    def ours():
        lib.cascade_bench_matmul(a.data_ptr(), b.data_ptr(), c.data_ptr(), m, n, k,
                                 trans, packed, reps)

    def theirs():
        for _ in range(reps):
            torch.mm(a, bt, out=c)

    ours()
    check = c.clone()
    theirs()
    err = (check - c).abs().max().item()
    rates = {"cascade": [], "pytorch": []}
    for r in range(rounds):
        order = [("cascade", ours), ("pytorch", theirs)]
        if r % 2:
            order.reverse()
        for label, fn in order:
            t0 = time.perf_counter()
            fn()
            rates[label].append(flop * reps / (time.perf_counter() - t0) * 1e-9)
    ratio = statistics.median(p / q for p, q in zip(rates["pytorch"], rates["cascade"]))
    print("%-40s cascade %6.1f  pytorch %6.1f GFLOP/s (medians)  pytorch/cascade %.3f  "
          "max diff %.2g" % (name, statistics.median(rates["cascade"]),
                             statistics.median(rates["pytorch"]), ratio, err), flush=True)
