"""What a user would otherwise run on the CPU, timed like bench_cpu:
PyTorch's scaled_dot_product_attention (dense, is_causal, a boolean
sliding-window mask, S=1000 D=80) and an eager top-2 SwiGLU MoE.

    python3 torch_reference.py THREADS ITERS [FILTER]
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 16
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 5
only = sys.argv[3] if len(sys.argv) > 3 else ""
torch.set_num_threads(threads)
torch.manual_seed(0)


def bench(name, gflop, fn):
    if only and not any(part and part in name for part in only.split(",")):
        return
    fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    ms = statistics.median(times)
    print("%-28s threads %2d  %10.2f ms  %8.1f GFLOP/s" % (name, threads, ms, gflop / (ms * 1e-3)),
          flush=True)


H, S, D = 16, 4096, 128
q, k, v = (torch.randn(1, H, S, D) for _ in range(3))
dense = 4.0 * H * S * S * D * 1e-9
with torch.no_grad():
    bench("torch sdpa dense", dense, lambda: F.scaled_dot_product_attention(q, k, v))
    bench("torch sdpa causal", dense / 2,
          lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
    i = torch.arange(S)
    window = (i[None, :] <= i[:, None]) & (i[None, :] > i[:, None] - 512)
    bench("torch sdpa window512 mask", 4.0 * H * S * 512 * D * 1e-9,
          lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=window))
    q2, k2, v2 = (torch.randn(1, 16, 1000, 80) for _ in range(3))
    bench("torch sdpa S1000 D80", 4.0 * 16 * 1000 * 1000 * 80 * 1e-9,
          lambda: F.scaled_dot_product_attention(q2, k2, v2))

    # Decode: one token's 32 query heads against 8 KV heads over a cache of
    # L keys (grouped-query through enable_gqa), as bench_cpu's decode.
    for L in (4096, 32768):
        dq = torch.randn(1, 32, 1, 128)
        dk, dv = torch.randn(1, 8, L, 128), torch.randn(1, 8, L, 128)
        name = "torch sdpa decode %d" % L
        if only and not any(part and part in name for part in only.split(",")):
            continue
        fn = lambda: F.scaled_dot_product_attention(dq, dk, dv, enable_gqa=True)
        fn()
        times = []
        for _ in range(max(iters, 20)):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        ms = statistics.median(times)
        print("%-28s threads %2d  %10.3f ms  %8.1f GB/s  %8.1f GFLOP/s"
              % (name, threads, ms, 2.0 * 8 * L * 128 * 4 / (ms * 1e-3) * 1e-9,
                 4.0 * 32 * L * 128 * 1e-9 / (ms * 1e-3)), flush=True)

    def moe(x, router, gate, up, down, k=2):
        probs = torch.softmax(x @ router, dim=-1)
        w, e = torch.topk(probs, k, dim=-1)
        w = w / w.sum(-1, keepdim=True)
        y = torch.zeros_like(x)
        for expert in range(gate.shape[0]):
            tok, slot = torch.nonzero(e == expert, as_tuple=True)
            if tok.numel() == 0:
                continue
            h = x[tok]
            a = F.silu(h @ gate[expert]) * (h @ up[expert])
            y.index_add_(0, tok, (a @ down[expert]) * w[tok, slot, None])
        return y

    for name, (T, Hd, E, I) in {"moe example": (64, 128, 8, 256),
                                "moe 4096x1024 e8": (4096, 1024, 8, 2816)}.items():
        x = torch.randn(T, Hd)
        r = torch.randn(Hd, E)
        g, u = torch.randn(E, Hd, I), torch.randn(E, Hd, I)
        d = torch.randn(E, I, Hd)
        bench("torch eager " + name, 2.0 * T * 2 * 3 * Hd * I * 1e-9, lambda: moe(x, r, g, u, d))
