//===- microkernel-test.cpp - the f32 microkernel against float64 loops ---===//
//
// Calls the runtime's cascade_rt_matmul_f32 the way generated code does
// (strided 2-D memref descriptors, each operand possibly transposed) on
// random matrices of many shapes: sizes around the register block (6 x 32)
// and around other blocks one may try (4, 8 rows; 48, 64, 96 columns), the
// 16 x 16 transposed-packing blocks, odd sizes, views with padded rows
// and offsets. Each product is compared with a float64 sum. Prints one line
// per failure and a summary; exits 1 on any failure.
//
//===----------------------------------------------------------------------===//

#include "cascade/kernel_abi.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

using Memref2D = cascade::abi::Memref2D<float>;

namespace {

/// A rows x cols matrix stored with `pad` extra elements per row and an
/// offset of `offset` elements, filled with values in [-1, 1].
struct Stored {
  std::vector<float> data;
  Memref2D ref;
  Stored(int64_t rows, int64_t cols, int64_t pad, int64_t offset,
         std::mt19937 &rng) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    int64_t ld = cols + pad;
    data.resize(offset + rows * ld + 1);
    for (float &x : data)
      x = u(rng);
    ref = {data.data(), data.data(), offset, {rows, cols}, {ld, 1}};
  }
  float at(int64_t r, int64_t c) const {
    return data[ref.offset + r * ref.strides[0] + c];
  }
};

} // namespace

int main() {
  std::mt19937 rng(20261124);
  const int64_t sizes[] = {1,  3,  4,  5,  7,  8,  9,  15, 16,  17, 31,
                           32, 33, 48, 63, 64, 65, 80, 96, 128, 130};
  int cases = 0, failures = 0;
  for (int64_t m : sizes)
    for (int64_t n : sizes)
      for (int64_t k : {int64_t{1}, int64_t{3}, int64_t{16}, int64_t{17},
                        int64_t{48}, int64_t{80}, int64_t{128}})
        for (int trans = 0; trans < 4; ++trans) {
          bool transA = trans & 1, transB = trans & 2;
          int64_t pad = (m + n + k) % 3, offset = (m * n) % 5;
          // op(A) is m x k, op(B) is k x n.
          Stored a(transA ? k : m, transA ? m : k, pad, offset, rng);
          Stored b(transB ? n : k, transB ? k : n, pad, offset, rng);
          std::vector<float> c(m * n, NAN);
          Memref2D cref{c.data(), c.data(), 0, {m, n}, {n, 1}};
          _mlir_ciface_cascade_rt_matmul_f32(&a.ref, &b.ref, &cref, transA,
                                             transB);
          ++cases;
          double worst = 0;
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double want = 0, mag = 0;
              for (int64_t p = 0; p < k; ++p) {
                double x = transA ? a.at(p, i) : a.at(i, p);
                double y = transB ? b.at(j, p) : b.at(p, j);
                want += x * y;
                mag += std::fabs(x * y);
              }
              // f32 sums of k products: a few ulp of the magnitude.
              double err = std::fabs(c[i * n + j] - want);
              double bound = 4 * k * 6e-8 * mag + 1e-30;
              if (!(err <= bound))
                worst =
                    std::max(worst, std::isnan(err) ? INFINITY : err / bound);
            }
          if (worst > 0) {
            ++failures;
            std::printf("FAIL m=%lld n=%lld k=%lld transA=%d transB=%d: worst "
                        "error %.3g x its bound\n",
                        (long long)m, (long long)n, (long long)k, transA,
                        transB, worst);
          }
        }
  std::printf("microkernel: %d cases, %d failures\n", cases, failures);
  return failures ? 1 : 0;
}
