// CPU benchmark of AOT-compiled Cascade kernels (built by build.sh, run on
// the benchmark machine by run.sh): each kernel at the requested thread
// count, a naive unfused attention (scores matrix, softmax, P.V: what one
// writes without fusion) on the same inputs, and the machine's FMA peak.
// Prints one line per measurement: name, threads, median ms, GFLOP/s.
//   bench_cpu [THREADS] [ITERS] [FILTER]
#include "attention_causal.h"
#include "attention_causal_bf16.h"
#include "attention_decode.h"
#include "attention_decode4096.h"
#include "attention_decode_split4.h"
#include "attention_dense.h"
#include "attention_dense_bf16.h"
#include "attention_dense_dynamic.h"
#include "attention_odd.h"
#include "attention_step.h"
#include "attention_window512.h"
#include "moe_example.h"
#include "moe_large.h"
#include "sampling_profiler.h"

#include "cascade/kernel_abi.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

double nowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double timeIt(int iters, const std::function<void()> &fn) {
  fn(); // warm-up
  std::vector<double> t;
  for (int i = 0; i < iters; ++i) {
    double t0 = nowMs();
    fn();
    t.push_back(nowMs() - t0);
  }
  return median(t);
}

#ifdef CASCADE_MICROKERNEL_STATS
extern "C" void cascade_rt_microkernel_stats(int64_t out[9]);
#endif

void report(const char *name, int threads, double ms, double gflop) {
  std::printf("%-28s threads %2d  %10.2f ms  %8.1f GFLOP/s\n", name, threads,
              ms, gflop / (ms * 1e-3));
#ifdef CASCADE_MICROKERNEL_STATS
  // The microkernel's share of the calls just timed (warm-up included):
  // its rate inside the kernel, against the same products alone.
  int64_t s[9];
  cascade_rt_microkernel_stats(s);
  const char *kinds[3] = {"products", "products+acc", "packing"};
  for (int i = 0; i < 3; ++i)
    if (s[3 * i])
      std::printf("  in the kernel: %-12s %8lld calls %10.2f ms (all threads) "
                  "%8.1f GFLOP/s per thread\n",
                  kinds[i], (long long)s[3 * i], s[3 * i + 1] * 1e-6,
                  s[3 * i + 1] ? s[3 * i + 2] / (double)s[3 * i + 1] : 0.0);
#endif
  std::fflush(stdout);
}

cascade_buffer_t buffer(cascade_context_t ctx, std::vector<int64_t> shape,
                        unsigned seed, cascade_dtype_t dtype = CASCADE_F32) {
  cascade_buffer_t b;
  if (cascade_buffer_create(ctx, dtype, (int)shape.size(), shape.data(), &b)) {
    std::fprintf(stderr, "buffer: %s\n", cascade_context_error(ctx));
    std::exit(1);
  }
  unsigned s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < cascade_buffer_num_elements(b); ++i) {
    s = s * 1664525u + 1013904223u;
    float x = (float)((s >> 8) / 8388608.0 - 1.0);
    if (dtype == CASCADE_BF16) {
      // Truncated to bf16 (the benchmark needs values, not rounding).
      uint32_t bits;
      std::memcpy(&bits, &x, 4);
      ((uint16_t *)cascade_buffer_data(b))[i] = (uint16_t)(bits >> 16);
    } else {
      ((float *)cascade_buffer_data(b))[i] = x;
    }
  }
  return b;
}

void check(cascade_context_t ctx, cascade_status_t s, const char *what) {
  if (s != CASCADE_OK) {
    std::fprintf(stderr, "%s: %s: %s\n", what, cascade_status_string(s),
                 cascade_context_error(ctx));
    std::exit(1);
  }
}

// Naive attention: S = scale Q K^T materialised per head, masked softmax
// per row, O = P V; rows split over std::threads.
void naiveAttention(const float *q, const float *k, const float *v, float *o,
                    int heads, int s, int d, bool causal, int window,
                    int threads) {
  float scale = 1.0f / std::sqrt((float)d);
  auto work = [&](int t) {
    std::vector<float> row(s);
    for (long hr = t; hr < (long)heads * s; hr += threads) {
      long h = hr / s, i = hr % s;
      const float *qi = q + (h * s + i) * d;
      float mx = -INFINITY;
      for (int j = 0; j < s; ++j) {
        bool keep = (!causal || j <= i) && (window <= 0 || j > i - window);
        float acc = 0;
        const float *kj = k + (h * s + j) * d;
        for (int x = 0; x < d; ++x)
          acc += qi[x] * kj[x];
        row[j] = keep ? acc * scale : -INFINITY;
        mx = std::max(mx, row[j]);
      }
      float sum = 0;
      for (int j = 0; j < s; ++j)
        sum += (row[j] = std::exp(row[j] - mx));
      float *oi = o + (h * s + i) * d;
      std::fill(oi, oi + d, 0.0f);
      for (int j = 0; j < s; ++j) {
        float p = row[j] / sum;
        const float *vj = v + (h * s + j) * d;
        for (int x = 0; x < d; ++x)
          oi[x] += p * vj[x];
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t)
    pool.emplace_back(work, t);
  work(0);
  for (auto &th : pool)
    th.join();
}

// FMA peak: 12 independent vector accumulators per thread.
typedef float v16 __attribute__((vector_size(64)));
__attribute__((target("avx512f"), noinline)) double fmaLoop512(long iters) {
  v16 acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = v16{} + (float)i;
  v16 x = v16{} + 1.0000001f, y = v16{} + 0.9999999f;
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i)
      acc[i] = acc[i] * x + y;
  float s = 0;
  for (int i = 0; i < 12; ++i)
    for (int l = 0; l < 16; ++l)
      s += acc[i][l];
  return s;
}
typedef float v8 __attribute__((vector_size(32)));
__attribute__((target("avx2,fma"), noinline)) double fmaLoop256(long iters) {
  v8 acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = v8{} + (float)i;
  v8 x = v8{} + 1.0000001f, y = v8{} + 0.9999999f;
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i)
      acc[i] = acc[i] * x + y;
  float s = 0;
  for (int i = 0; i < 12; ++i)
    for (int l = 0; l < 8; ++l)
      s += acc[i][l];
  return s;
}

double fmaPeak(int threads, bool avx512) {
  long iters = 20000000;
  volatile double sink = 0;
  double t0 = nowMs();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      sink = sink + (avx512 ? fmaLoop512(iters) : fmaLoop256(iters));
    });
  for (auto &th : pool)
    th.join();
  double ms = nowMs() - t0;
  double flops = 2.0 * 12 * (avx512 ? 16 : 8) * iters * threads;
  return flops / (ms * 1e-3) / 1e9;
}

// Read bandwidth: each thread sums its part of a 1 GiB array (the ceiling
// of a decode step, which reads its KV cache once). GB/s.
double readBandwidth(int threads) {
  const size_t n = (size_t(1) << 30) / sizeof(float);
  std::vector<float> data(n, 1.0f);
  std::vector<double> partial(threads);
  auto pass = [&] {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        size_t begin = n / threads * t, end = n / threads * (t + 1);
        v16 acc[4] = {};
        for (size_t i = begin; i + 64 <= end; i += 64)
          for (int j = 0; j < 4; ++j) {
            v16 x;
            std::memcpy(&x, &data[i + 16 * j], sizeof x);
            acc[j] += x;
          }
        double s = 0;
        for (int j = 0; j < 4; ++j)
          for (int l = 0; l < 16; ++l)
            s += acc[j][l];
        partial[t] = s;
      });
    for (auto &th : pool)
      th.join();
  };
  double ms = timeIt(5, pass);
  return n * sizeof(float) / (ms * 1e-3) * 1e-9;
}

double attentionFlops(double h, double s, double d, double fraction) {
  return 4.0 * h * s * s * d * fraction * 1e-9;
}

// The runtime's microkernel (runtime/lib/Microkernels.cpp), called the way
// the generated attention code calls it.
using Memref2D = cascade::abi::Memref2D<float>;

} // namespace

namespace {

/// GFLOP/s of one thread's M x N x K products on cache-resident tiles: the
/// Q.K^T tile (K used transposed, so packed on every call) and the P.V tile.
double microkernelRate(int64_t m, int64_t n, int64_t k, bool transB) {
  bench::AlignedVector<float> a(m * k, 0.5f), b(n * k, 0.25f), c(m * n);
  Memref2D A{a.data(), a.data(), 0, {m, k}, {k, 1}};
  Memref2D B = transB ? Memref2D{b.data(), b.data(), 0, {n, k}, {k, 1}}
                      : Memref2D{b.data(), b.data(), 0, {k, n}, {n, 1}};
  Memref2D C{c.data(), c.data(), 0, {m, n}, {n, 1}};
  const int reps = 2000;
  double ms = timeIt(5, [&] {
    for (int r = 0; r < reps; ++r)
      _mlir_ciface_cascade_rt_matmul_f32(&A, &B, &C, 0, transB);
  });
  return 2.0 * m * n * k * reps / (ms * 1e-3) * 1e-9;
}

} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 16;
  int iters = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string only = argc > 3 ? argv[3] : "";
  // FILTER: comma-separated parts of names to run (all when absent); a
  // part ending in '$' is a whole name ("cascade dense$": not its bf16
  // twin, so that a profile holds one kernel).
  auto want = [&](const std::string &name) {
    if (only.empty())
      return true;
    size_t start = 0;
    while (start <= only.size()) {
      size_t end = only.find(',', start);
      std::string part = only.substr(start, end - start);
      bool whole = !part.empty() && part.back() == '$';
      if (whole && name == part.substr(0, part.size() - 1))
        return true;
      if (!whole && !part.empty() && name.find(part) != std::string::npos)
        return true;
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
    return false;
  };
  cascade_context_t ctx;
  if (cascade_context_create(CASCADE_DEVICE_CPU, threads, &ctx))
    return 1;
  bench::SamplingProfiler::get().startFromEnvironment();
  bool avx512 = __builtin_cpu_supports("avx512f");
  if (want("peak"))
    std::printf("%-28s threads %2d  %10s     %8.1f GFLOP/s (%s)\n", "fma-peak",
                threads, "", fmaPeak(threads, avx512),
                avx512 ? "avx512" : "avx2");

  if (want("microkernel")) {
    std::printf("%-28s threads  1  %10s     %8.1f GFLOP/s\n",
                "microkernel q.k^t 64x64x128", "",
                microkernelRate(64, 64, 128, true));
    std::printf("%-28s threads  1  %10s     %8.1f GFLOP/s\n",
                "microkernel p.v 64x128x64", "",
                microkernelRate(64, 128, 64, false));
    auto [scores, numerator] = bench::attentionStepRates(1000);
    std::printf("%-28s threads  1  %10s     %8.1f GFLOP/s\n",
                "microkernel step K.Q^T 128^3", "", scores);
    std::printf("%-28s threads  1  %10s     %8.1f GFLOP/s\n",
                "microkernel step P.V 128^3", "", numerator);
  }

  const int H = 16, S = 4096, D = 128;
  cascade_buffer_t q = buffer(ctx, {1, H, S, D}, 1), k = buffer(ctx, {1, H, S, D}, 2),
                   v = buffer(ctx, {1, H, S, D}, 3), o = buffer(ctx, {1, H, S, D}, 4);
  auto run = [&](const char *name, double gflop,
                 const std::function<cascade_status_t()> &fn) {
    if (!want(name))
      return;
#ifdef CASCADE_MICROKERNEL_STATS
    int64_t earlier[9];
    cascade_rt_microkernel_stats(earlier); // count this kernel's calls only
#endif
    double ms = timeIt(iters, [&] { check(ctx, fn(), name); });
    report(name, threads, ms, gflop);
  };
  double dense = attentionFlops(H, S, D, 1.0);
  double causal = attentionFlops(H, S, D, 0.5);
  double window = 4.0 * H * S * 512.0 * D * 1e-9;
  run("cascade dense", dense, [&] { return attention_dense_main(ctx, q, k, v, o); });
  run("cascade run-time dense", dense,
      [&] { return attention_dense_dynamic_main(ctx, q, k, v, o); });
  run("cascade causal", causal, [&] { return attention_causal_main(ctx, q, k, v, o); });
  if (want("cascade dense bf16") || want("cascade causal bf16")) {
    cascade_buffer_t qb = buffer(ctx, {1, H, S, D}, 1, CASCADE_BF16),
                     kb = buffer(ctx, {1, H, S, D}, 2, CASCADE_BF16),
                     vb = buffer(ctx, {1, H, S, D}, 3, CASCADE_BF16),
                     ob = buffer(ctx, {1, H, S, D}, 4, CASCADE_BF16);
    run("cascade dense bf16", dense,
        [&] { return attention_dense_bf16_main(ctx, qb, kb, vb, ob); });
    run("cascade causal bf16", causal,
        [&] { return attention_causal_bf16_main(ctx, qb, kb, vb, ob); });
    for (cascade_buffer_t b : {qb, kb, vb, ob})
      cascade_buffer_destroy(b);
  }
  run("cascade window512", window,
      [&] { return attention_window512_main(ctx, q, k, v, o); });
  if (want("naive")) {
    std::vector<float> out((size_t)H * S * D);
    const float *Q = (float *)cascade_buffer_data(q), *K = (float *)cascade_buffer_data(k),
                *V = (float *)cascade_buffer_data(v);
    int naiveIters = std::max(1, iters / 2);
    report("naive dense", threads,
           timeIt(naiveIters, [&] { naiveAttention(Q, K, V, out.data(), H, S, D, false, 0, threads); }),
           dense);
    report("naive causal", threads,
           timeIt(naiveIters, [&] { naiveAttention(Q, K, V, out.data(), H, S, D, true, 0, threads); }),
           dense); // the naive code computes every score
    // The naive output must agree with the compiled kernel's.
    check(ctx, attention_causal_main(ctx, q, k, v, o), "causal");
    const float *O = (float *)cascade_buffer_data(o);
    double err = 0;
    for (size_t i = 0; i < out.size(); ++i)
      err = std::max(err, (double)std::fabs(out[i] - O[i]));
    std::printf("%-28s max abs difference %.3g\n", "naive vs cascade causal", err);
  }
  cascade_buffer_destroy(q);
  cascade_buffer_destroy(k);
  cascade_buffer_destroy(v);
  cascade_buffer_destroy(o);

  if (want("bandwidth"))
    std::printf("%-28s threads %2d  %10s     %8.1f GB/s\n", "read-bandwidth",
                threads, "", readBandwidth(threads));
  // Decode: one token's 32 query heads against 8 KV heads, head dim 128,
  // over caches of run-time length (one compiled kernel; the same with
  // split-KV into 4 scans) and, for 4096 keys, the kernel compiled for that
  // static length. GB/s of the cache
  // read (what bounds a decode step), then GFLOP/s.
  for (int64_t len : {4096, 32768}) {
    std::string name = "cascade decode " + std::to_string(len);
    std::string fixed = "cascade decode static " + std::to_string(len);
    std::string split = "cascade decode split4 " + std::to_string(len);
    bool dynamicWanted = want(name), fixedWanted = len == 4096 && want(fixed),
         splitWanted = want(split);
    if (!dynamicWanted && !fixedWanted && !splitWanted)
      continue;
    cascade_buffer_t dq = buffer(ctx, {1, 32, 1, 128}, 21),
                     dk = buffer(ctx, {1, 8, len, 128}, 22),
                     dv = buffer(ctx, {1, 8, len, 128}, 23),
                     dout = buffer(ctx, {1, 32, 1, 128}, 24);
    double bytes = 2.0 * 8 * len * 128 * sizeof(float);
    double gflop = 4.0 * 32 * len * 128 * 1e-9;
    auto decodeRun = [&](const std::string &label,
                         const std::function<cascade_status_t()> &fn) {
      double ms =
          timeIt(std::max(iters, 20), [&] { check(ctx, fn(), label.c_str()); });
      std::printf("%-28s threads %2d  %10.3f ms  %8.1f GB/s  %8.1f GFLOP/s\n",
                  label.c_str(), threads, ms, bytes / (ms * 1e-3) * 1e-9,
                  gflop / (ms * 1e-3));
      std::fflush(stdout);
    };
    if (dynamicWanted)
      decodeRun(name,
                [&] { return attention_decode_main(ctx, dq, dk, dv, dout); });
    if (fixedWanted)
      decodeRun(fixed, [&] {
        return attention_decode4096_main(ctx, dq, dk, dv, dout);
      });
    if (splitWanted)
      decodeRun(split, [&] {
        return attention_decode_split4_main(ctx, dq, dk, dv, dout);
      });
    for (auto b : {dq, dk, dv, dout})
      cascade_buffer_destroy(b);
  }

  if (want("odd")) {
    cascade_buffer_t q2 = buffer(ctx, {1, 16, 1000, 80}, 5), k2 = buffer(ctx, {1, 16, 1000, 80}, 6),
                     v2 = buffer(ctx, {1, 16, 1000, 80}, 7), o2 = buffer(ctx, {1, 16, 1000, 80}, 8);
    run("cascade S1000 D80", attentionFlops(16, 1000, 80, 1.0),
        [&] { return attention_odd_main(ctx, q2, k2, v2, o2); });
    for (auto b : {q2, k2, v2, o2})
      cascade_buffer_destroy(b);
  }
  if (want("moe")) {
    cascade_buffer_t x = buffer(ctx, {64, 128}, 9), r = buffer(ctx, {128, 8}, 10),
                     g = buffer(ctx, {8, 128, 256}, 11), u = buffer(ctx, {8, 128, 256}, 12),
                     dn = buffer(ctx, {8, 256, 128}, 13), y = buffer(ctx, {64, 128}, 14);
    run("cascade moe example", 2.0 * 64 * 2 * 3 * 128 * 256 * 1e-9,
        [&] { return moe_example_main(ctx, x, r, g, u, dn, y); });
    for (auto b : {x, r, g, u, dn, y})
      cascade_buffer_destroy(b);
    cascade_buffer_t X = buffer(ctx, {4096, 1024}, 15), R = buffer(ctx, {1024, 8}, 16),
                     G = buffer(ctx, {8, 1024, 2816}, 17), U = buffer(ctx, {8, 1024, 2816}, 18),
                     Dn = buffer(ctx, {8, 2816, 1024}, 19), Y = buffer(ctx, {4096, 1024}, 20);
    run("cascade moe 4096x1024 e8", 2.0 * 4096 * 2 * 3 * 1024 * 2816 * 1e-9,
        [&] { return moe_large_main(ctx, X, R, G, U, Dn, Y); });
    for (auto b : {X, R, G, U, Dn, Y})
      cascade_buffer_destroy(b);
  }
  cascade_context_destroy(ctx);
  bench::SamplingProfiler::get().finish();
  return 0;
}
