// One attention step's two products in bf16 and in f32, as the CPU target's
// generated code calls them (128 queries, 128 keys, head dim 128,
// keys-first scores; see attention_step.h): the scores S^T = alpha K . Q^T
// with Q^T packed once, and the numerator O = P . V + diag(s) O with P
// read transposed. bf16 through each path the CPU has (AMX, AVX512-BF16,
// widened to f32; cascade_rt_set_bf16_path). Prints GFLOP/s of each.
//   bf16_step [REPS]
#include "attention_step.h"
#include "cascade/kernel_abi.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
uint16_t toBf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

} // namespace

int main(int argc, char **argv) {
  using cascade::abi::Memref1D;
  using cascade::abi::Memref2D;
  int reps = argc > 1 ? std::atoi(argv[1]) : 200;
  const int64_t n = 128;
  bench::AlignedVector<uint16_t> q(n * n), k(n * n), v(n * n), p(n * n),
      packed(cascade::abi::packedBf16Elements(n, n) + 64);
  bench::AlignedVector<float> st(n * n), o(n * n), o2(n * n), scale(n, 0.5f);
  for (int64_t i = 0; i < n * n; ++i) {
    q[i] = toBf16((float)((i * 37 % 101) / 101.0 - 0.5));
    k[i] = toBf16((float)((i * 53 % 97) / 97.0 - 0.5));
    v[i] = toBf16((float)((i * 29 % 89) / 89.0 - 0.5));
    p[i] = toBf16((float)((i * 31 % 83) / 83.0));
  }
  Memref2D<uint16_t> Q{q.data(), q.data(), 0, {n, n}, {n, 1}};
  Memref2D<uint16_t> K{k.data(), k.data(), 0, {n, n}, {n, 1}};
  Memref2D<uint16_t> V{v.data(), v.data(), 0, {n, n}, {n, 1}};
  Memref2D<uint16_t> PT{p.data(), p.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> ST{st.data(), st.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> O{o.data(), o.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> O2{o2.data(), o2.data(), 0, {n, n}, {n, 1}};
  Memref1D<uint16_t> P{packed.data(), packed.data(), 0, (int64_t)packed.size(),
                       1};
  Memref1D<float> L{scale.data(), scale.data(), 0, n, 1};
  _mlir_ciface_cascade_rt_pack_b_bf16(&Q, &P, 1);
  double flops = 2.0 * n * n * n * reps;
  const char *pathNames[] = {"widened to f32", "AVX512-BF16", "AMX"};
  for (int path : {2, 1, 0}) {
    if (cascade_rt_set_bf16_path(path) != path)
      continue;
    double scores = bench::medianSeconds([&] {
      for (int r = 0; r < reps; ++r)
        _mlir_ciface_cascade_rt_matmul_scaled_packed_bf16_bf16(&K, &Q, &P, &ST,
                                                               0.088f, 0, 1);
    });
    double numerator = bench::medianSeconds([&] {
      for (int r = 0; r < reps; ++r)
        _mlir_ciface_cascade_rt_matmul_acc_bf16_bf16(&PT, &V, &O, &L, &O2, 1,
                                                     0);
    });
    std::printf("bf16 step (%s): scores %.1f GFLOP/s, numerator %.1f GFLOP/s\n",
                pathNames[path], flops / scores * 1e-9,
                flops / numerator * 1e-9);
  }
  auto [scores, numerator] = bench::attentionStepRates(reps);
  std::printf("f32 step: scores %.1f GFLOP/s, numerator %.1f GFLOP/s\n", scores,
              numerator);
  return 0;
}
