// One attention step's two products, as the CPU target's generated code
// calls the runtime's microkernel (128 queries, 128 keys, head dim 128,
// keys-first scores): S^T = alpha K . Q^T with Q^T packed once (the
// scores), and O = P . V + diag(s) O with P read transposed from S^T and V
// packed on every call (the numerator). Shared by bench_cpu and
// bench_lib (paired.py): the microkernel's rate on cache-resident tiles.
#ifndef CASCADE_BENCH_ATTENTION_STEP_H
#define CASCADE_BENCH_ATTENTION_STEP_H

#include "aligned_vector.h"
#include "cascade/kernel_abi.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

namespace bench {

/// Seconds of fn(): the median of 5 timings after a warm-up call.
template <typename Fn> double medianSeconds(Fn &&fn) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  std::sort(t.begin(), t.end());
  return t[2];
}

/// GFLOP/s of the scores and of the numerator: the median of 5 timings of
/// `reps` calls each.
inline std::pair<double, double> attentionStepRates(int reps) {
  using cascade::abi::Memref1D;
  using cascade::abi::Memref2D;
  const int64_t n = 128;
  AlignedVector<float> q(n * n), k(n * n), v(n * n), st(n * n), o(n * n),
      o2(n * n), scale(n, 0.5f), packed(cascade::abi::packedFloats(n, n) + 64);
  for (size_t i = 0; i < q.size(); ++i) {
    q[i] = (float)((i * 37 % 101) / 101.0 - 0.5);
    k[i] = (float)((i * 53 % 97) / 97.0 - 0.5);
    v[i] = (float)((i * 29 % 89) / 89.0 - 0.5);
  }
  Memref2D<float> Q{q.data(), q.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> K{k.data(), k.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> V{v.data(), v.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> ST{st.data(), st.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> O{o.data(), o.data(), 0, {n, n}, {n, 1}};
  Memref2D<float> O2{o2.data(), o2.data(), 0, {n, n}, {n, 1}};
  Memref1D<float> P{packed.data(), packed.data(), 0, (int64_t)packed.size(), 1};
  Memref1D<float> L{scale.data(), scale.data(), 0, n, 1};
  _mlir_ciface_cascade_rt_pack_b_f32(&Q, &P, 1);
  double scores = medianSeconds([&] {
    for (int r = 0; r < reps; ++r)
      _mlir_ciface_cascade_rt_matmul_scaled_packed_f32(&K, &Q, &P, &ST, 0.088f,
                                                       0, 1);
  });
  double numerator = medianSeconds([&] {
    for (int r = 0; r < reps; ++r)
      _mlir_ciface_cascade_rt_matmul_acc_f32(&ST, &V, r % 2 ? &O : &O2, &L,
                                             r % 2 ? &O2 : &O, 1, 0);
  });
  double gflop = 2.0 * n * n * n * reps * 1e-9;
  return {gflop / scores, gflop / numerator};
}

} // namespace bench

#endif // CASCADE_BENCH_ATTENTION_STEP_H
