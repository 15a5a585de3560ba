// The benchmark's attention kernels as a shared library, so that
// paired.py can call them from the same Python process as PyTorch and
// alternate them call by call (the loaned machine's speed drifts by up to
// 2x within minutes; only measurements close in time compare).
//   cascade_bench_attention(NAME, q, k, v, o, threads)
// NAME: a kernel of the list below (build.sh compiles each); q, k, v, o:
// contiguous f32 [1, 16, 4096, 128] ([1, 1, 4096, 128] for the *_h1
// kernels). Returns 0 on success.
#include "attention_causal.h"
#include "attention_causal_bf16.h"
#include "attention_causal_h1.h"
#include "attention_causal_q128k256.h"
#include "attention_causal_q128k512.h"
#include "attention_causal_q256.h"
#include "attention_dense.h"
#include "attention_dense_bf16.h"
#include "attention_dense_h1.h"
#include "attention_dense_k256_bf16.h"
#include "attention_dense_q128k256.h"
#include "attention_dense_q128k512.h"
#include "attention_dense_q128k64.h"
#include "attention_dense_q256.h"
#include "attention_dense_q256k64.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "attention_step.h"
#include "cascade/kernel_abi.h"

namespace {
using Kernel = cascade_status_t (*)(cascade_context_t, cascade_buffer_t,
                                    cascade_buffer_t, cascade_buffer_t,
                                    cascade_buffer_t);
struct Named {
  const char *name;
  Kernel fn;
};
// dense / causal: the CPU target's defaults (128 queries per work item, 128
// keys per block); the others: --query-block Q, --block-size K.
const Named kKernels[] = {
    {"dense", attention_dense_main},
    {"dense_q256", attention_dense_q256_main},
    {"dense_q128k64", attention_dense_q128k64_main},
    {"dense_q128k256", attention_dense_q128k256_main},
    {"dense_q128k512", attention_dense_q128k512_main},
    {"dense_q256k64", attention_dense_q256k64_main},
    {"causal", attention_causal_main},
    // One head (of [1, 1, 4096, 128] buffers): short calls, for many
    // alternations with PyTorch per minute on a noisy host.
    {"dense_h1", attention_dense_h1_main},
    {"causal_h1", attention_causal_h1_main},
    {"causal_q256", attention_causal_q256_main},
    {"causal_q128k256", attention_causal_q128k256_main},
    {"causal_q128k512", attention_causal_q128k512_main},
    // bf16 q, k, v and output (the *_bf16 kernels, and only they, take
    // bf16 buffers).
    {"dense_bf16", attention_dense_bf16_main},
    {"dense_k256_bf16", attention_dense_k256_bf16_main},
    {"causal_bf16", attention_causal_bf16_main},
};

cascade_context_t contextFor(int threads) {
  static std::map<int, cascade_context_t> contexts;
  auto it = contexts.find(threads);
  if (it != contexts.end())
    return it->second;
  cascade_context_t ctx = nullptr;
  if (cascade_context_create(CASCADE_DEVICE_CPU, threads, &ctx) != CASCADE_OK)
    return nullptr;
  return contexts[threads] = ctx;
}
} // namespace

/// `kernel` on q, k, v (f32, or bf16 for the *_bf16 kernels) into o.
extern "C" int cascade_bench_attention(const char *kernel, void *q, void *k,
                                       void *v, void *o, int threads) {
  Kernel fn = nullptr;
  for (const Named &n : kKernels)
    if (!std::strcmp(kernel, n.name))
      fn = n.fn;
  cascade_context_t ctx = contextFor(threads);
  if (!fn || !ctx) {
    std::fprintf(stderr, "cascade_bench_attention: no kernel '%s'\n", kernel);
    return 1;
  }
  size_t length = std::strlen(kernel);
  auto endsWith = [&](const char *suffix) {
    size_t n = std::strlen(suffix);
    return length > n && !std::strcmp(kernel + length - n, suffix);
  };
  const int64_t shape[4] = {1, endsWith("_h1") ? 1 : 16, 4096, 128};
  cascade_buffer_t b[4];
  void *data[4] = {q, k, v, o};
  bool bf16 = endsWith("_bf16");
  for (int i = 0; i < 4; ++i)
    if (cascade_buffer_wrap(ctx, bf16 ? CASCADE_BF16 : CASCADE_F32, 4, shape,
                            data[i], &b[i]) != CASCADE_OK)
      return 1;
  cascade_status_t s = fn(ctx, b[0], b[1], b[2], b[3]);
  if (s != CASCADE_OK)
    std::fprintf(stderr, "%s: %s\n", kernel, cascade_context_error(ctx));
  for (auto buffer : b)
    cascade_buffer_destroy(buffer);
  return s == CASCADE_OK ? 0 : 1;
}

/// The runtime's microkernel on one product, `reps` times:
/// C [m, n] = A [m, k] . op(B), B [k, n] or, transposed, [n, k]; all
/// contiguous. With `prepacked`, op(B) is packed once before the loop (as the
/// attention step's queries are), else on every call (as its values are).
/// For comparing the microkernel with PyTorch's matmul in one process.
extern "C" int cascade_bench_matmul(float *a, float *b, float *c, int64_t m,
                                    int64_t n, int64_t k, int transB,
                                    int prepacked, int reps) {
  using cascade::abi::Memref1D;
  using cascade::abi::Memref2D;
  Memref2D<float> A{a, a, 0, {m, k}, {k, 1}};
  Memref2D<float> B = transB ? Memref2D<float>{b, b, 0, {n, k}, {k, 1}}
                             : Memref2D<float>{b, b, 0, {k, n}, {n, 1}};
  Memref2D<float> C{c, c, 0, {m, n}, {n, 1}};
  if (!prepacked) {
    for (int r = 0; r < reps; ++r)
      _mlir_ciface_cascade_rt_matmul_f32(&A, &B, &C, 0, transB);
    return 0;
  }
  static bench::AlignedVector<float> packed;
  packed.assign(cascade::abi::packedFloats(k, n) + 16, 0.0f);
  Memref1D<float> P{packed.data(), packed.data(), 0, (int64_t)packed.size(), 1};
  _mlir_ciface_cascade_rt_pack_b_f32(&B, &P, transB);
  for (int r = 0; r < reps; ++r)
    _mlir_ciface_cascade_rt_matmul_packed_f32(&A, &B, &P, &C, 0, transB);
  return 0;
}

/// The microkernel's rates on one attention step's products alone
/// (attention_step.h): out[0] the scores, out[1] the numerator, GFLOP/s.
extern "C" void cascade_bench_step_rates(double out[2], int reps) {
  auto [scores, numerator] = bench::attentionStepRates(reps);
  out[0] = scores;
  out[1] = numerator;
}

#ifdef CASCADE_MICROKERNEL_STATS
extern "C" void cascade_rt_microkernel_stats(int64_t out[9]);
#endif
/// Calls, nanoseconds and flops of the microkernel inside the kernels since
/// the last call (products, products with an accumulated term, packing);
/// returns 0 if this library's runtime does not count them.
extern "C" int cascade_bench_microkernel_stats(int64_t out[9]) {
#ifdef CASCADE_MICROKERNEL_STATS
  cascade_rt_microkernel_stats(out);
  return 1;
#else
  (void)out;
  return 0;
#endif
}
