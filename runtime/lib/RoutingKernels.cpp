//===- RoutingKernels.cpp - top-k, gather and scatter for compiled code ---===//
//
// The CPU target lowers data-dependent routing to calls of these kernels
// (lib/Conversion/RoutingToRuntime.cpp): every operand arrives as a 1-D
// memref descriptor, with the row length as an integer. They follow the
// reference interpreter's definitions (lib/Reference/Interpreter.cpp) and
// report an index out of range through cascade_rt_fail instead of reading
// or writing out of bounds.
//
//===----------------------------------------------------------------------===//

#include "cascade/kernel_abi.h"
#include "cascade/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace {

using cascade::abi::Memref1D;

struct Half {
  uint16_t bits;
};
struct BFloat {
  uint16_t bits;
};

double toDouble(float v) { return v; }
double toDouble(double v) { return v; }
double toDouble(int64_t v) { return static_cast<double>(v); }
double toDouble(int32_t v) { return v; }
double toDouble(BFloat v) {
  uint32_t bits = static_cast<uint32_t>(v.bits) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
double toDouble(Half v) {
  uint32_t sign = (v.bits >> 15) & 1, exp = (v.bits >> 10) & 0x1f,
           mant = v.bits & 0x3ff;
  double mag;
  if (exp == 0)
    mag = std::ldexp(static_cast<double>(mant), -24);
  else if (exp == 31)
    mag = mant ? NAN : INFINITY;
  else
    mag = std::ldexp(static_cast<double>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -mag : mag;
}

template <typename T> T fromDouble(double v);
template <> float fromDouble<float>(double v) { return static_cast<float>(v); }
template <> double fromDouble<double>(double v) { return v; }
template <> int64_t fromDouble<int64_t>(double v) {
  return static_cast<int64_t>(v);
}
template <> int32_t fromDouble<int32_t>(double v) {
  return static_cast<int32_t>(v);
}
template <> BFloat fromDouble<BFloat>(double v) {
  float f = static_cast<float>(v);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (std::isnan(f))
    return {static_cast<uint16_t>((bits >> 16) | 0x40)};
  bits += 0x7fff + ((bits >> 16) & 1); // round to nearest even
  return {static_cast<uint16_t>(bits >> 16)};
}
template <> Half fromDouble<Half>(double v) {
  // Round to nearest even through float's bits.
  float f = static_cast<float>(v);
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  uint32_t absx = x & 0x7fffffff;
  if (absx >= 0x7f800000) // inf or NaN
    return {static_cast<uint16_t>(sign | 0x7c00 |
                                  (absx > 0x7f800000 ? 0x200 : 0))};
  if (absx >= 0x477ff000) // rounds to >= 65520: inf
    return {static_cast<uint16_t>(sign | 0x7c00)};
  if (absx < 0x38800000) { // subnormal or zero in half
    float a;
    std::memcpy(&a, &absx, 4);
    auto m = static_cast<uint32_t>(std::nearbyint(std::ldexp(a, 24)));
    return {static_cast<uint16_t>(sign | m)};
  }
  uint32_t rounded = absx + 0xfff + ((absx >> 13) & 1);
  return {static_cast<uint16_t>(sign | ((rounded - 0x38000000) >> 13))};
}

template <typename I> int64_t indexAt(const Memref1D<I> &m, int64_t i) {
  return static_cast<int64_t>(m[i]);
}

/// Descending, NaN first, ties to the lower index (the reference's order).
void topK(const std::vector<double> &values, int64_t k, int64_t numGroups,
          int64_t groupsKept, std::vector<int64_t> &chosen) {
  int64_t n = static_cast<int64_t>(values.size());
  auto before = [&](int64_t a, int64_t b) {
    double va = values[a], vb = values[b];
    bool na = std::isnan(va), nb = std::isnan(vb);
    if (na != nb)
      return na;
    if (!na && va != vb)
      return va > vb;
    return a < b;
  };
  std::vector<int64_t> candidates;
  if (numGroups > 0) {
    int64_t size = n / numGroups;
    std::vector<double> score(numGroups);
    for (int64_t g = 0; g < numGroups; ++g) {
      std::vector<int64_t> members(size);
      std::iota(members.begin(), members.end(), g * size);
      std::sort(members.begin(), members.end(), before);
      score[g] = values[members[0]] + (size > 1 ? values[members[1]] : 0);
    }
    std::vector<int64_t> groups(numGroups);
    std::iota(groups.begin(), groups.end(), 0);
    std::stable_sort(groups.begin(), groups.end(),
                     [&](int64_t a, int64_t b) { return score[a] > score[b]; });
    for (int64_t i = 0; i < groupsKept; ++i)
      for (int64_t e = 0; e < size; ++e)
        candidates.push_back(groups[i] * size + e);
  } else {
    candidates.resize(n);
    std::iota(candidates.begin(), candidates.end(), 0);
  }
  std::partial_sort(candidates.begin(), candidates.begin() + k,
                    candidates.end(), before);
  chosen.assign(candidates.begin(), candidates.begin() + k);
}

template <typename V, typename I>
void topkKernel(Memref1D<V> *in, Memref1D<V> *values, Memref1D<I> *indices,
                int64_t n, int64_t k, int64_t groups, int64_t kept) {
  if (n <= 0)
    return;
  int64_t rows = in->size / n;
  std::vector<double> row(n);
  std::vector<int64_t> chosen;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j)
      row[j] = toDouble((*in)[r * n + j]);
    topK(row, k, groups, kept, chosen);
    for (int64_t j = 0; j < k; ++j) {
      (*values)[r * k + j] = (*in)[r * n + chosen[j]];
      (*indices)[r * k + j] = static_cast<I>(chosen[j]);
    }
  }
}

template <typename V, typename I>
void gatherKernel(Memref1D<V> *src, Memref1D<I> *idx, Memref1D<V> *out,
                  int64_t rowSize, int64_t divisor) {
  int64_t rows = rowSize ? src->size / rowSize : 0;
  for (int64_t i = 0; i < idx->size; ++i) {
    int64_t raw = indexAt(*idx, i), row = raw / divisor;
    bool valid = raw >= 0 && row < rows;
    if (raw >= 0 && !valid)
      cascade_rt_fail("cascade.gather: index %lld (entry %lld of 'indices') "
                      "is out of range for the %lld rows of 'source'",
                      static_cast<long long>(raw), static_cast<long long>(i),
                      static_cast<long long>(rows));
    for (int64_t c = 0; c < rowSize; ++c)
      (*out)[i * rowSize + c] =
          valid ? (*src)[row * rowSize + c] : fromDouble<V>(0.0);
  }
}

template <typename V, typename I>
void scatterKernel(Memref1D<V> *src, Memref1D<I> *idx, Memref1D<V> *weights,
                   Memref1D<V> *out, int64_t rowSize, int64_t divisor) {
  int64_t rows = rowSize ? out->size / rowSize : 0;
  // Accumulate in double, as the reference does, then round once.
  std::vector<double> acc(static_cast<size_t>(out->size), 0.0);
  for (int64_t i = 0; i < idx->size; ++i) {
    int64_t raw = indexAt(*idx, i), row = raw / divisor;
    if (raw < 0)
      continue;
    if (row >= rows) {
      cascade_rt_fail("cascade.scatter: index %lld (entry %lld of 'indices') "
                      "is out of range for the %lld rows of the result",
                      static_cast<long long>(raw), static_cast<long long>(i),
                      static_cast<long long>(rows));
      continue;
    }
    double w = weights ? toDouble((*weights)[i]) : 1.0;
    for (int64_t c = 0; c < rowSize; ++c)
      acc[row * rowSize + c] += w * toDouble((*src)[i * rowSize + c]);
  }
  for (int64_t j = 0; j < out->size; ++j)
    (*out)[j] = fromDouble<V>(acc[j]);
}

} // namespace

namespace {
/// cascade.check_indices: flags bit 0 = `allow` given, bit 1 =
/// nondecreasing. Words its message as the reference interpreter does.
/// `out` receives the entries, each forced into range (and, with
/// nondecreasing, never below the one before): after a reported failure the
/// kernel's work items still run, and must not index out of bounds.
template <typename I>
void checkKernel(Memref1D<I> *in, Memref1D<I> *out, int64_t lower,
                 int64_t upper, int64_t allow, int64_t flags,
                 Memref1D<char> *what) {
  std::string name(what->aligned + what->offset, what->size);
  bool reported = false;
  int64_t previous = lower;
  for (int64_t i = 0; i < in->size; ++i) {
    auto v = static_cast<int64_t>((*in)[i]);
    bool allowed = (flags & 1) && v == allow;
    if (!allowed && (v < lower || v >= upper)) {
      if (!reported) {
        std::string extra =
            (flags & 1) ? " (" + std::to_string(allow) + " allowed)" : "";
        if (lower == std::numeric_limits<int64_t>::min())
          cascade_rt_fail("%s: entry %lld is %lld, out of range (must be < "
                          "%lld)%s",
                          name.c_str(), static_cast<long long>(i),
                          static_cast<long long>(v),
                          static_cast<long long>(upper), extra.c_str());
        else
          cascade_rt_fail(
              "%s: entry %lld is %lld, out of range [%lld, %lld)%s",
              name.c_str(), static_cast<long long>(i),
              static_cast<long long>(v), static_cast<long long>(lower),
              static_cast<long long>(upper), extra.c_str());
        reported = true;
      }
      v = std::clamp(v, lower, std::max(lower, upper - 1));
    }
    if ((flags & 2) && i && !allowed && v < previous) {
      if (!reported) {
        cascade_rt_fail("%s: entry %lld is %lld, smaller than the entry "
                        "before it (%lld)",
                        name.c_str(), static_cast<long long>(i),
                        static_cast<long long>(v),
                        static_cast<long long>(previous));
        reported = true;
      }
      v = previous;
    }
    if (!allowed)
      previous = v;
    (*out)[i] = static_cast<I>(v);
  }
}
} // namespace

extern "C" void _mlir_ciface_cascade_rt_check_i64(Memref1D<int64_t> *in,
                                                  Memref1D<int64_t> *out,
                                                  int64_t lower, int64_t upper,
                                                  int64_t allow, int64_t flags,
                                                  Memref1D<char> *what) {
  checkKernel(in, out, lower, upper, allow, flags, what);
}
extern "C" void _mlir_ciface_cascade_rt_check_i32(Memref1D<int32_t> *in,
                                                  Memref1D<int32_t> *out,
                                                  int64_t lower, int64_t upper,
                                                  int64_t allow, int64_t flags,
                                                  Memref1D<char> *what) {
  checkKernel(in, out, lower, upper, allow, flags, what);
}

#define CASCADE_ROUTING_KERNELS(VN, V, IN, I)                                  \
  extern "C" void _mlir_ciface_cascade_rt_topk_##VN##_##IN(                    \
      Memref1D<V> *in, Memref1D<V> *values, Memref1D<I> *indices, int64_t n,   \
      int64_t k, int64_t groups, int64_t kept) {                               \
    topkKernel(in, values, indices, n, k, groups, kept);                       \
  }                                                                            \
  extern "C" void _mlir_ciface_cascade_rt_gather_##VN##_##IN(                  \
      Memref1D<V> *src, Memref1D<I> *idx, Memref1D<V> *out, int64_t rowSize,   \
      int64_t divisor) {                                                       \
    gatherKernel(src, idx, out, rowSize, divisor);                             \
  }                                                                            \
  extern "C" void _mlir_ciface_cascade_rt_scatter_##VN##_##IN(                 \
      Memref1D<V> *src, Memref1D<I> *idx, Memref1D<V> *out, int64_t rowSize,   \
      int64_t divisor) {                                                       \
    scatterKernel<V, I>(src, idx, nullptr, out, rowSize, divisor);            \
  }                                                                            \
  extern "C" void _mlir_ciface_cascade_rt_scatter_weighted_##VN##_##IN(        \
      Memref1D<V> *src, Memref1D<I> *idx, Memref1D<V> *weights,                \
      Memref1D<V> *out, int64_t rowSize, int64_t divisor) {                    \
    scatterKernel<V, I>(src, idx, weights, out, rowSize, divisor);            \
  }

#define CASCADE_ROUTING_KERNELS_FOR(VN, V)                                     \
  CASCADE_ROUTING_KERNELS(VN, V, i64, int64_t)                                 \
  CASCADE_ROUTING_KERNELS(VN, V, i32, int32_t)

CASCADE_ROUTING_KERNELS_FOR(f32, float)
CASCADE_ROUTING_KERNELS_FOR(f64, double)
CASCADE_ROUTING_KERNELS_FOR(f16, Half)
CASCADE_ROUTING_KERNELS_FOR(bf16, BFloat)
CASCADE_ROUTING_KERNELS_FOR(i64, int64_t)
CASCADE_ROUTING_KERNELS_FOR(i32, int32_t)
