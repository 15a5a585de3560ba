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
#include "cascade/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <type_traits>
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

/// bf16 elements: round to nearest even, and back.
uint16_t toBf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}
double fromBf16(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

/// The largest error of C [m, n] (contiguous rows) against float64 sums of
/// op(A) . op(B), over its bound (f32 sums of k products: a few ulp of their
/// magnitude); above 1 is a failure. aAt(i, p) and bAt(p, j) give op(A)'s and
/// op(B)'s elements.
template <typename AAt, typename BAt>
double worstOverBound(int64_t m, int64_t n, int64_t k, AAt aAt, BAt bAt,
                      const float *c) {
  double worst = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double want = 0, mag = 0;
      for (int64_t p = 0; p < k; ++p) {
        double x = aAt(i, p), y = bAt(p, j);
        want += x * y;
        mag += std::fabs(x * y);
      }
      double err = std::fabs(c[i * n + j] - want);
      double bound = 4 * k * 6e-8 * mag + 1e-30;
      worst = std::max(worst, std::isnan(err) ? INFINITY : err / bound);
    }
  return worst;
}

/// A rows x cols matrix of bf16 (T = uint16_t) or f32 elements, stored as
/// Stored is.
template <typename T> struct StoredAs {
  std::vector<T> data;
  cascade::abi::Memref2D<T> ref;
  StoredAs(int64_t rows, int64_t cols, int64_t pad, int64_t offset,
           std::mt19937 &rng) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    int64_t ld = cols + pad;
    data.resize(offset + rows * ld + 1);
    for (T &x : data) {
      if constexpr (std::is_same_v<T, float>)
        x = u(rng);
      else
        x = toBf16(u(rng));
    }
    ref = {data.data(), data.data(), offset, {rows, cols}, {ld, 1}};
  }
  double value(int64_t r, int64_t c) const {
    T x = data[ref.offset + r * ref.strides[0] + c];
    if constexpr (std::is_same_v<T, float>)
      return x;
    else
      return fromBf16(x);
  }
};

template <typename TA, typename TB> struct Bf16Products;
#define CASCADE_BF16_PRODUCTS(TA, TB, SUFFIX, PACKED)                          \
  template <> struct Bf16Products<TA, TB> {                                    \
    static constexpr auto plain = _mlir_ciface_cascade_rt_matmul_##SUFFIX;     \
    static constexpr auto scaled =                                             \
        _mlir_ciface_cascade_rt_matmul_scaled_##SUFFIX;                        \
    static constexpr auto acc = _mlir_ciface_cascade_rt_matmul_acc_##SUFFIX;   \
    static constexpr bool packed = PACKED;                                     \
  };
CASCADE_BF16_PRODUCTS(uint16_t, uint16_t, bf16_bf16, true)
CASCADE_BF16_PRODUCTS(float, uint16_t, f32_bf16, false)
CASCADE_BF16_PRODUCTS(uint16_t, float, bf16_f32, false)

/// The bf16 products of one operand pair against float64 sums: plain,
/// scaled and accumulating, and for bf16 x bf16 B packed too (bit for bit
/// the same), every transpose combination, sizes around the
/// 6 x 64 and 6 x 32 blocks, odd depths (a last pair of one row), one
/// product large enough for the parallel loop. Returns the failures.
template <typename TA, typename TB>
int checkBf16(std::mt19937 &rng, const char *name, int &cases) {
  using P = Bf16Products<TA, TB>;
  int failures = 0;
  auto check = [&](int64_t m, int64_t n, int64_t k, int trans) {
    bool transA = trans & 1, transB = trans & 2;
    int64_t pad = (m + n + k) % 3, offset = (m * n) % 5;
    StoredAs<TA> a(transA ? k : m, transA ? m : k, pad, offset, rng);
    StoredAs<TB> b(transB ? n : k, transB ? k : n, pad + 1, offset, rng);
    Stored accStore(m, n, 3, 2, rng);
    std::vector<float> scale(2 * m + 1);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    for (float &x : scale)
      x = u(rng);
    cascade::abi::Memref1D<float> scaleRef{scale.data(), scale.data(), 1, m, 2};
    float alpha = 0.37f;
    std::vector<float> out[6];
    Memref2D refs[6];
    for (int v = 0; v < 6; ++v) {
      out[v].assign(m * n, NAN);
      refs[v] = {out[v].data(), out[v].data(), 0, {m, n}, {n, 1}};
    }
    P::plain(&a.ref, &b.ref, &refs[0], transA, transB);
    P::scaled(&a.ref, &b.ref, &refs[1], alpha, transA, transB);
    P::acc(&a.ref, &b.ref, &accStore.ref, &scaleRef, &refs[2], transA, transB);
    bool same = true;
    if constexpr (P::packed) {
      int64_t elements = cascade::abi::packedBf16Elements(k, n);
      std::vector<uint16_t> packed(elements + 1, 0x7fc1);
      cascade::abi::Memref1D<uint16_t> packedRef{packed.data(), packed.data(),
                                                 1, elements, 1};
      _mlir_ciface_cascade_rt_pack_b_bf16(&b.ref, &packedRef, transB);
      _mlir_ciface_cascade_rt_matmul_packed_bf16_bf16(
          &a.ref, &b.ref, &packedRef, &refs[3], transA, transB);
      _mlir_ciface_cascade_rt_matmul_scaled_packed_bf16_bf16(
          &a.ref, &b.ref, &packedRef, &refs[4], alpha, transA, transB);
      _mlir_ciface_cascade_rt_matmul_acc_packed_bf16_bf16(
          &a.ref, &b.ref, &packedRef, &accStore.ref, &scaleRef, &refs[5],
          transA, transB);
      for (int v = 0; v < 3; ++v)
        same &= std::memcmp(out[v].data(), out[v + 3].data(), 4 * m * n) == 0;
    }
    ++cases;
    double worst = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double dot = 0, mag = 0;
        for (int64_t p = 0; p < k; ++p) {
          double x = transA ? a.value(p, i) : a.value(i, p);
          double y = transB ? b.value(j, p) : b.value(p, j);
          dot += x * y;
          mag += std::fabs(x * y);
        }
        double s = scale[1 + i * 2], accv = accStore.at(i, j);
        double bound = 4 * (k + 2) * 6e-8 * (mag + std::fabs(s * accv)) + 1e-30;
        double e[3] = {std::fabs(out[0][i * n + j] - dot),
                       std::fabs(out[1][i * n + j] - alpha * dot),
                       std::fabs(out[2][i * n + j] - (dot + s * accv))};
        for (double x : e)
          worst = std::max(worst, std::isnan(x) ? INFINITY : x / bound);
      }
    if (worst > 1 || !same) {
      ++failures;
      std::printf("FAIL bf16 %s m=%lld n=%lld k=%lld transA=%d transB=%d: "
                  "worst error %.3g x its bound%s\n",
                  name, (long long)m, (long long)n, (long long)k, transA,
                  transB, worst, same ? "" : ", packed B differs");
    }
  };
  // (Multiples of 16 rows and 32 deep take the AMX tiles: 16, 32, 48, 64,
  // 128 rows; 32, 64, 128 deep.)
  for (int64_t m : {1, 5, 6, 7, 13, 16, 17, 32, 48, 64, 128, 130})
    for (int64_t n : {1, 16, 17, 31, 32, 33, 63, 64, 65, 80, 128})
      for (int64_t k : {1, 2, 3, 16, 17, 32, 64, 80, 128})
        for (int trans = 0; trans < 4; ++trans)
          check(m, n, k, trans);
  // Above the parallel loop's threshold (2^24 multiply-adds).
  check(300, 200, 290, 0);
  check(257, 130, 512, 1);
  check(256, 192, 512, 3);
  return failures;
}

} // namespace

int main() {
  std::mt19937 rng(20261124);
  const int64_t sizes[] = {1,  3,  4,  5,  7,  8,  9,  15, 16,  17, 31,
                           32, 33, 48, 63, 64, 65, 80, 96, 128, 130};
  int cases = 0, failures = 0;
  for (int64_t m : sizes)
    for (int64_t n : sizes)
      for (int64_t k :
           {int64_t{1}, int64_t{3}, int64_t{16}, int64_t{17}, int64_t{48},
            int64_t{80}, int64_t{128}, int64_t{200}, int64_t{600}})
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
          double worst = worstOverBound(
              m, n, k,
              [&](int64_t i, int64_t p) {
                return transA ? a.at(p, i) : a.at(i, p);
              },
              [&](int64_t p, int64_t j) {
                return transB ? b.at(j, p) : b.at(p, j);
              },
              c.data());
          if (worst > 1) {
            ++failures;
            std::printf("FAIL m=%lld n=%lld k=%lld transA=%d transB=%d: worst "
                        "error %.3g x its bound\n",
                        (long long)m, (long long)n, (long long)k, transA,
                        transB, worst);
          }
        }
  // The epilogues: C = alpha * A . B, and C = A . B + diag(s) . Acc with Acc
  // a strided view (padded rows, a column stride of 2 for transposed
  // shapes) and s strided, including k = 0 (no products: only s * Acc).
  int epilogueCases = 0;
  for (int64_t m : {1, 5, 6, 7, 13, 64, 130})
    for (int64_t n : {1, 16, 31, 32, 33, 80, 128})
      for (int64_t k : {0, 1, 17, 128, 200, 600})
        for (int trans = 0; trans < 4; ++trans) {
          bool transA = trans & 1, transB = trans & 2;
          Stored a(transA ? k : m, transA ? m : k, 1, 3, rng);
          Stored b(transB ? n : k, transB ? k : n, 2, 1, rng);
          int64_t accCs = trans == 3 ? 2 : 1;
          Stored accStore(m, n * accCs, 3, 2, rng);
          Memref2D accRef = accStore.ref;
          accRef.sizes[1] = n;
          accRef.strides[1] = accCs;
          std::vector<float> scale(2 * m + 1);
          std::uniform_real_distribution<float> u(-2.0f, 2.0f);
          for (float &x : scale)
            x = u(rng);
          cascade::abi::Memref1D<float> scaleRef{scale.data(), scale.data(), 1,
                                                 m, 2};
          float alpha = 0.37f;
          std::vector<float> scaled(m * n, NAN), summed(m * n, NAN);
          Memref2D scaledRef{scaled.data(), scaled.data(), 0, {m, n}, {n, 1}};
          Memref2D summedRef{summed.data(), summed.data(), 0, {m, n}, {n, 1}};
          _mlir_ciface_cascade_rt_matmul_scaled_f32(&a.ref, &b.ref, &scaledRef,
                                                    alpha, transA, transB);
          _mlir_ciface_cascade_rt_matmul_acc_f32(
              &a.ref, &b.ref, &accRef, &scaleRef, &summedRef, transA, transB);
          // B packed once (as before a loop of products): the same bits.
          int64_t floats = cascade::abi::packedFloats(k, n);
          std::vector<float> packed(floats + 1, NAN);
          cascade::abi::Memref1D<float> packedRef{packed.data(), packed.data(),
                                                  1, floats, 1};
          _mlir_ciface_cascade_rt_pack_b_f32(&b.ref, &packedRef, transB);
          std::vector<float> plainP(m * n, NAN), scaledP(m * n, NAN),
              summedP(m * n, NAN), plain(m * n, NAN);
          Memref2D plainRef{plain.data(), plain.data(), 0, {m, n}, {n, 1}};
          Memref2D plainPRef{plainP.data(), plainP.data(), 0, {m, n}, {n, 1}};
          Memref2D scaledPRef{
              scaledP.data(), scaledP.data(), 0, {m, n}, {n, 1}};
          Memref2D summedPRef{
              summedP.data(), summedP.data(), 0, {m, n}, {n, 1}};
          _mlir_ciface_cascade_rt_matmul_f32(&a.ref, &b.ref, &plainRef, transA,
                                             transB);
          _mlir_ciface_cascade_rt_matmul_packed_f32(&a.ref, &b.ref, &packedRef,
                                                    &plainPRef, transA, transB);
          _mlir_ciface_cascade_rt_matmul_scaled_packed_f32(
              &a.ref, &b.ref, &packedRef, &scaledPRef, alpha, transA, transB);
          _mlir_ciface_cascade_rt_matmul_acc_packed_f32(
              &a.ref, &b.ref, &packedRef, &accRef, &scaleRef, &summedPRef,
              transA, transB);
          // The scaled products with their columns' max (a softmax's block
          // max): the same C, and the max of each of its columns, exactly.
          std::vector<float> scaledM(m * n, NAN), scaledPM(m * n, NAN),
              colMax(n + 1, NAN), colMaxP(n + 1, NAN);
          Memref2D scaledMRef{
              scaledM.data(), scaledM.data(), 0, {m, n}, {n, 1}};
          Memref2D scaledPMRef{
              scaledPM.data(), scaledPM.data(), 0, {m, n}, {n, 1}};
          cascade::abi::Memref1D<float> colMaxRef{colMax.data(), colMax.data(),
                                                  1, n, 1};
          cascade::abi::Memref1D<float> colMaxPRef{colMaxP.data(),
                                                   colMaxP.data(), 1, n, 1};
          _mlir_ciface_cascade_rt_matmul_scaled_colmax_f32(
              &a.ref, &b.ref, &scaledMRef, &colMaxRef, alpha, transA, transB);
          _mlir_ciface_cascade_rt_matmul_scaled_colmax_packed_f32(
              &a.ref, &b.ref, &packedRef, &scaledPMRef, &colMaxPRef, alpha,
              transA, transB);
          bool sameMax = std::isnan(colMax[0]) && std::isnan(colMaxP[0]);
          for (int64_t j = 0; j < n; ++j) {
            float want = -INFINITY;
            for (int64_t i = 0; i < m; ++i)
              want = std::max(want, scaled[i * n + j]);
            sameMax &= colMax[1 + j] == want && colMaxP[1 + j] == want;
          }
          if (!sameMax) {
            ++failures;
            std::printf("FAIL colmax m=%lld n=%lld k=%lld transA=%d "
                        "transB=%d: a column's max differs from its C's\n",
                        (long long)m, (long long)n, (long long)k, transA,
                        transB);
          }
          bool same = true;
          for (int64_t e = 0; e < m * n; ++e)
            same &= std::memcmp(&plain[e], &plainP[e], 4) == 0 &&
                    std::memcmp(&scaled[e], &scaledP[e], 4) == 0 &&
                    std::memcmp(&scaled[e], &scaledM[e], 4) == 0 &&
                    std::memcmp(&scaled[e], &scaledPM[e], 4) == 0 &&
                    std::memcmp(&summed[e], &summedP[e], 4) == 0;
          if (!same) {
            ++failures;
            std::printf("FAIL packed m=%lld n=%lld k=%lld transA=%d "
                        "transB=%d: differs from the unpacked product\n",
                        (long long)m, (long long)n, (long long)k, transA,
                        transB);
          }
          ++epilogueCases;
          double worst = 0;
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double dot = 0, mag = 0;
              for (int64_t p = 0; p < k; ++p) {
                double x = transA ? a.at(p, i) : a.at(i, p);
                double y = transB ? b.at(j, p) : b.at(p, j);
                dot += x * y;
                mag += std::fabs(x * y);
              }
              double s = scale[1 + i * 2];
              double accv =
                  accStore
                      .data[accRef.offset + i * accRef.strides[0] + j * accCs];
              double bound =
                  4 * (k + 2) * 6e-8 * (mag + std::fabs(s * accv)) + 1e-30;
              double e1 = std::fabs(scaled[i * n + j] - alpha * dot);
              double e2 = std::fabs(summed[i * n + j] - (dot + s * accv));
              for (double e : {e1, e2})
                worst = std::max(worst, std::isnan(e) ? INFINITY : e / bound);
            }
          if (worst > 1) {
            ++failures;
            std::printf("FAIL epilogue m=%lld n=%lld k=%lld transA=%d "
                        "transB=%d: worst error %.3g x its bound\n",
                        (long long)m, (long long)n, (long long)k, transA,
                        transB, worst);
          }
        }
  // A packed buffer too small for the panels (a kernel compiled for another
  // panel width): a kernel error, nothing written.
  {
    std::vector<float> b(128 * 80, 1.0f), packed(128 * 96 + 1, -7.0f),
        a(6 * 128, 1.0f), c(6 * 80, -7.0f);
    Memref2D bRef{b.data(), b.data(), 0, {128, 80}, {80, 1}};
    Memref2D aRef{a.data(), a.data(), 0, {6, 128}, {128, 1}};
    Memref2D cRef{c.data(), c.data(), 0, {6, 80}, {80, 1}};
    cascade::abi::Memref1D<float> packedRef{packed.data(), packed.data(), 0,
                                            128 * 96, 1};
    char message[256] = "";
    _mlir_ciface_cascade_rt_pack_b_f32(&bRef, &packedRef, 0);
    // 2 panels of 128 x 64 floats are needed.
    bool packFailed = cascade_rt_take_error(message, sizeof message) == 1 &&
                      std::strstr(message, "16384") != nullptr;
    _mlir_ciface_cascade_rt_matmul_packed_f32(&aRef, &bRef, &packedRef, &cRef,
                                              0, 0);
    bool productFailed = cascade_rt_take_error(message, sizeof message) == 1;
    bool untouched = true;
    for (float x : packed)
      untouched &= x == -7.0f;
    for (float x : c)
      untouched &= x == -7.0f;
    if (!packFailed || !productFailed || !untouched) {
      ++failures;
      std::printf("FAIL short packed buffer: pack %d, product %d, untouched "
                  "%d (%s)\n",
                  packFailed, productFailed, untouched, message);
    }
  }
  // The columns' max drops NaNs (a row of A with a NaN makes a row of C
  // NaN; the max is of the other rows), keeps -inf and +inf, is -inf for
  // a product of no rows, and a column max too short is a kernel error.
  {
    const int64_t m = 20, n = 70, k = 33;
    Stored a(m, k, 0, 0, rng), b(k, n, 0, 0, rng);
    a.data[5 * k + 3] = NAN;
    b.data[7] = INFINITY; // column 7: +inf or -inf by the sign of A's
    std::vector<float> c(m * n), colMax(n, 0.0f);
    Memref2D cRef{c.data(), c.data(), 0, {m, n}, {n, 1}};
    cascade::abi::Memref1D<float> colMaxRef{colMax.data(), colMax.data(), 0, n,
                                            1};
    _mlir_ciface_cascade_rt_matmul_scaled_colmax_f32(&a.ref, &b.ref, &cRef,
                                                     &colMaxRef, 2.0f, 0, 0);
    bool ok = cascade_rt_take_error(nullptr, 0) == 0;
    for (int64_t j = 0; j < n; ++j) {
      float want = -INFINITY;
      for (int64_t i = 0; i < m; ++i)
        if (!std::isnan(c[i * n + j]))
          want = std::max(want, c[i * n + j]);
      ok &= std::isnan(c[5 * n + j]) && colMax[j] == want;
    }
    ok &= colMax[7] == INFINITY;
    Memref2D noRows{c.data(), c.data(), 0, {0, k}, {k, 1}};
    Memref2D cNone{c.data(), c.data(), 0, {0, n}, {n, 1}};
    _mlir_ciface_cascade_rt_matmul_scaled_colmax_f32(&noRows, &b.ref, &cNone,
                                                     &colMaxRef, 1.0f, 0, 0);
    for (float x : colMax)
      ok &= x == -INFINITY;
    colMaxRef.size = n - 1;
    std::fill(colMax.begin(), colMax.end(), 5.0f);
    char message[256] = "";
    _mlir_ciface_cascade_rt_matmul_scaled_colmax_f32(&a.ref, &b.ref, &cRef,
                                                     &colMaxRef, 1.0f, 0, 0);
    ok &= cascade_rt_take_error(message, sizeof message) == 1 &&
          std::strstr(message, "70 columns") != nullptr;
    for (float x : colMax)
      ok &= x == 5.0f;
    ++cases;
    if (!ok) {
      ++failures;
      std::printf("FAIL colmax NaN, inf, no rows, short buffer (%s)\n",
                  message);
    }
  }
  // C = A . B + diag(s) . C in place (C is the accumulated term): each
  // block must read its rows of Acc before it writes them (a depth split
  // into chunks with partial sums in C, tried on 2026-12-07, broke this).
  for (int64_t k : {int64_t{200}, int64_t{600}}) {
    const int64_t m = 13, n = 80;
    Stored a(m, k, 1, 2, rng), b(k, n, 0, 1, rng), acc(m, n, 0, 0, rng);
    std::vector<float> before(acc.data), scale(m, 0.5f);
    cascade::abi::Memref1D<float> scaleRef{scale.data(), scale.data(), 0, m, 1};
    _mlir_ciface_cascade_rt_matmul_acc_f32(&a.ref, &b.ref, &acc.ref, &scaleRef,
                                           &acc.ref, 0, 0);
    double worst = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double dot = 0, mag = 0;
        for (int64_t p = 0; p < k; ++p) {
          dot += double(a.at(i, p)) * b.at(p, j);
          mag += std::fabs(double(a.at(i, p)) * b.at(p, j));
        }
        double prev = before[i * n + j];
        double e = std::fabs(acc.at(i, j) - (dot + 0.5 * prev));
        double bound = 4 * (k + 2) * 6e-8 * (mag + std::fabs(prev)) + 1e-30;
        worst = std::max(worst, std::isnan(e) ? INFINITY : e / bound);
      }
    ++epilogueCases;
    if (worst > 1) {
      ++failures;
      std::printf("FAIL in-place accumulate k=%lld: worst error %.3g x its "
                  "bound\n",
                  (long long)k, worst);
    }
  }
  cases += epilogueCases;
  // A with neither stride 1 (every other column of a wider matrix), which
  // the runtime copies before its blocks (they know one of A's strides to be
  // 1); 300 x 200 x 290 takes the parallel path over column panels.
  for (int64_t m : {7, 64, 300})
    for (int trans = 0; trans < 4; ++trans) {
      bool transA = trans & 1, transB = trans & 2;
      int64_t n = m == 300 ? 200 : 33, k = m == 300 ? 290 : 19;
      int64_t rows = transA ? k : m, cols = transA ? m : k;
      Stored wide(rows, 2 * cols, 1, 2, rng);
      Memref2D aRef = wide.ref;
      aRef.sizes[1] = cols;
      aRef.strides[1] = 2;
      auto aAt = [&](int64_t r, int64_t c) { return wide.at(r, 2 * c); };
      Stored b(transB ? n : k, transB ? k : n, 0, 0, rng);
      std::vector<float> c(m * n, NAN);
      Memref2D cref{c.data(), c.data(), 0, {m, n}, {n, 1}};
      _mlir_ciface_cascade_rt_matmul_f32(&aRef, &b.ref, &cref, transA, transB);
      ++cases;
      double worst = worstOverBound(
          m, n, k,
          [&](int64_t i, int64_t p) { return transA ? aAt(p, i) : aAt(i, p); },
          [&](int64_t p, int64_t j) {
            return transB ? b.at(j, p) : b.at(p, j);
          },
          c.data());
      if (worst > 1) {
        ++failures;
        std::printf("FAIL A strided both ways m=%lld transA=%d transB=%d: "
                    "worst error %.3g x its bound\n",
                    (long long)m, transA, transB, worst);
      }
    }
  // The bf16 products through each path the CPU has (VDPBF16PS, AMX) and
  // through the widened f32 path.
  int bf16Cases = 0;
  const char *pathNames[] = {"widened", "AVX512-BF16", "AMX"};
  for (int path : {2, 1, 0}) {
    int taken = cascade_rt_set_bf16_path(path);
    std::printf("bf16 path %s: %s\n", pathNames[path],
                taken == path ? "ran" : "not on this CPU");
    if (taken != path)
      continue;
    failures += checkBf16<uint16_t, uint16_t>(rng, "bf16 x bf16", bf16Cases);
    failures += checkBf16<float, uint16_t>(rng, "f32 x bf16", bf16Cases);
    failures += checkBf16<uint16_t, float>(rng, "bf16 x f32", bf16Cases);
  }
  cascade_rt_set_bf16_path(-1);
  std::printf("microkernel bf16: %d failures so far\n", failures);
  std::printf("microkernel: %d cases (%d with epilogues and packed B), %d "
              "failures\n",
              cases, epilogueCases, failures);
  return failures ? 1 : 0;
}
