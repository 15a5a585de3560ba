//===- MicrokernelsBf16.cpp - matrix products of bf16 operands ------------===//
//
// C (f32) = op(A) . op(B) where A, B or both hold bf16: a bf16 attention's
// Q.K^T and P.V (its weights rounded to bf16 by cascade-online-softmax), a
// bf16 MoE's expert GEMMs. Products are exact in f32 and summed in f32; an
// f32 operand is not rounded. bf16 x bf16 on AMD CPUs with AVX512-BF16 (Zen
// 4 and later) runs register blocks of VDPBF16PS, two
// products per f32 lane and instruction, over B packed in pairs of rows;
// on CPUs with AMX (Sapphire Rapids and later) tiles of 16 x 16 x 32
// (TDPBF16PS) over the same panels. Every other case widens the operands to
// f32 and runs the f32 microkernel (Microkernels.cpp), with the same results
// up to the order of the sums.
//
//===----------------------------------------------------------------------===//

#include "cascade/kernel_abi.h"
#include "cascade/runtime.h"

#include <omp.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define CASCADE_BF16_DOT 1
#endif

using cascade::abi::kPackedPanelWidth;
using cascade::abi::Memref1D;
using cascade::abi::Memref2D;

namespace {

using bf16 = uint16_t;

inline float widen(bf16 h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

/// op(X) as rows x cols, element (r, c) at r*rs + c*cs, of f32 or bf16.
struct Operand {
  const void *data;
  bool isF32;
  int64_t rows, cols, rs, cs;
  /// The element of a bf16 operand.
  bf16 at(int64_t r, int64_t c) const {
    return static_cast<const bf16 *>(data)[r * rs + c * cs];
  }
  /// The element as f32 (exactly).
  float value(int64_t r, int64_t c) const {
    return isF32 ? static_cast<const float *>(data)[r * rs + c * cs]
                 : widen(at(r, c));
  }
};

template <typename T> Operand operandOf(const Memref2D<T> *m, bool transposed) {
  Operand v{m->aligned + m->offset,
            std::is_same_v<T, float>,
            m->sizes[0],
            m->sizes[1],
            m->strides[0],
            m->strides[1]};
  if (transposed) {
    std::swap(v.rows, v.cols);
    std::swap(v.rs, v.cs);
  }
  return v;
}

/// What is applied to a block of A . B before it is stored, as in the f32
/// microkernel: C = alpha * A . B + rowScale[i] * acc[i, j].
struct Epilogue {
  float alpha = 1.0f;
  Memref2D<float> *accRef = nullptr;
  Memref1D<float> *scaleRef = nullptr;
  /// op(B) already in pair panels (cascade_rt_pack_b_bf16).
  const bf16 *packedB = nullptr;
};

/// Pairs of rows of op(B) in a panel: ceil(depth / 2).
inline int64_t pairsOf(int64_t depth) { return (depth + 1) / 2; }

/// A panel of a bf16 op(B), columns [j0, j0 + 64): panel[(kk * 64 + c) * 2 + e]
/// = B(2 kk + e, j0 + c), zero past the last row and column.
void packPairPanel(const Operand &b, int64_t j0, bf16 *panel) {
  int64_t depth = b.rows, pairs = pairsOf(depth);
  int64_t nj =
      b.cols - j0 < kPackedPanelWidth ? b.cols - j0 : kPackedPanelWidth;
  for (int64_t kk = 0; kk < pairs; ++kk) {
    bf16 *row = panel + kk * 2 * kPackedPanelWidth;
    for (int64_t c = 0; c < kPackedPanelWidth; ++c)
      for (int64_t e = 0; e < 2; ++e) {
        int64_t k = 2 * kk + e;
        row[2 * c + e] = c < nj && k < depth ? b.at(k, j0 + c) : bf16{0};
      }
  }
}

/// Each thread's scratch (grown on demand, freed when the thread ends).
struct Scratch {
  void *data = nullptr;
  size_t bytes = 0;
  ~Scratch() { std::free(data); }
  template <typename T> T *get(size_t n) {
    size_t want = (n * sizeof(T) + 63) / 64 * 64;
    if (want > bytes) {
      std::free(data);
      data = std::aligned_alloc(64, want);
      if (!data)
        std::abort(); // out of memory for a few KiB
      bytes = want;
    }
    return static_cast<T *>(data);
  }
};
thread_local Scratch aScratch, panelScratch;

/// How bf16 x bf16 products run.
enum class Path { Widened = 0, Dot = 1, Amx = 2 };

/// Whether the CPU (and, for AMX, the OS) allows each path.
bool cpuHasDot() {
#ifdef CASCADE_BF16_DOT
  static const bool has = __builtin_cpu_supports("avx512bf16") &&
                          __builtin_cpu_supports("avx512bw");
  return has;
#else
  return false;
#endif
}
bool cpuHasAmx() {
#ifdef CASCADE_BF16_DOT
  static const bool has = [] {
    unsigned a, b, c, d;
    if (!cpuHasDot() || !__get_cpuid_count(7, 0, &a, &b, &c, &d) ||
        !(d & (1u << 22)) || !(d & (1u << 24)))
      return false;
    // Linux hands out the tile registers' state only on request
    // (ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA), once per process.
    return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
  }();
  return has;
#else
  return false;
#endif
}

/// The path by default: AMX where there is AMX (Intel's Sapphire Rapids and
/// later); VDPBF16PS on AMD CPUs with AVX512-BF16 (Zen 4 and later), where
/// one step's products ran at 209 / 191 GFLOP/s against the f32
/// microkernel's 109 / 101 (bench/cpu/bf16_step.cpp on the Debian machine);
/// not on Intel's, where it ran at half the f32 rate (70-80 against 150
/// GFLOP/s on the benchmark Xeon). Else the widened f32 path.
std::atomic<int> forcedPath{-1};
Path currentPath() {
  int forced = forcedPath.load(std::memory_order_relaxed);
  if (forced == static_cast<int>(Path::Amx))
    return cpuHasAmx() ? Path::Amx : Path::Widened;
  if (forced == static_cast<int>(Path::Dot))
    return cpuHasDot() ? Path::Dot : Path::Widened;
  if (forced == static_cast<int>(Path::Widened))
    return Path::Widened;
  if (cpuHasAmx())
    return Path::Amx;
#ifdef CASCADE_BF16_DOT
  static const bool amd = __builtin_cpu_is("amd");
  if (cpuHasDot() && amd)
    return Path::Dot;
#endif
  return Path::Widened;
}

#ifdef CASCADE_BF16_DOT
#define CASCADE_BF16_TARGET                                                    \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma")))

CASCADE_BF16_TARGET inline __mmask16 lanesBelow(int64_t n) {
  return n >= 16  ? __mmask16(0xffff)
         : n <= 0 ? __mmask16(0)
                  : __mmask16((1u << n) - 1);
}

/// The f32 views of the epilogue's operands.
struct EpilogueView {
  float alpha;
  const float *acc = nullptr;
  int64_t accRs = 0, accCs = 0;
  const float *rowScale = nullptr;
  int64_t scaleStride = 0;
};

/// Stores x, 16 columns [j, j + 16) of row i of A . B, as C's
/// alpha * x + rowScale[i] * acc[i, j..] (only the first `count` columns).
CASCADE_BF16_TARGET inline __attribute__((always_inline)) void
storeWithEpilogue(__m512 x, int64_t i, int64_t j, int64_t count,
                  const EpilogueView &epi, float *c, int64_t ldc) {
  __mmask16 lanes = lanesBelow(count);
  if (epi.alpha != 1.0f)
    x = _mm512_mul_ps(x, _mm512_set1_ps(epi.alpha));
  if (epi.acc) {
    const float *in = epi.acc + i * epi.accRs + j * epi.accCs;
    __m512 prev;
    if (epi.accCs == 1) {
      prev = _mm512_maskz_loadu_ps(lanes, in);
    } else {
      float tmp[16] = {};
      for (int64_t e = 0; e < 16 && e < count; ++e)
        tmp[e] = in[e * epi.accCs];
      prev = _mm512_loadu_ps(tmp);
    }
    x = _mm512_fmadd_ps(_mm512_set1_ps(epi.rowScale[i * epi.scaleStride]), prev,
                        x);
  }
  _mm512_mask_storeu_ps(c + i * ldc + j, lanes, x);
}

/// A block of R rows x 16 NV columns of C over a pair panel: pair kk of row
/// i of A is the 32 bits at aPairs + i * ars + kk * acs (bytes).
template <int R, int NV>
CASCADE_BF16_TARGET inline __attribute__((always_inline)) void
dotBlock(const char *aPairs, int64_t ars, int64_t acs, int64_t i0,
         const bf16 *panel, int64_t pairs, float *c, int64_t ldc, int64_t nj,
         const EpilogueView &epi, int64_t j0) {
  __m512 acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm512_setzero_ps();
  const char *arow[R];
  for (int r = 0; r < R; ++r)
    arow[r] = aPairs + (i0 + r) * ars;
  for (int64_t kk = 0; kk < pairs; ++kk) {
    __m512bh b[NV];
    for (int v = 0; v < NV; ++v)
      b[v] = (__m512bh)_mm512_loadu_si512(panel + kk * 2 * kPackedPanelWidth +
                                          32 * v);
    for (int r = 0; r < R; ++r) {
      uint32_t pair;
      std::memcpy(&pair, arow[r] + kk * acs, 4);
      __m512bh a = (__m512bh)_mm512_set1_epi32(static_cast<int>(pair));
      for (int v = 0; v < NV; ++v)
        acc[r][v] = _mm512_dpbf16_ps(acc[r][v], a, b[v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v)
      if (nj > 16 * v)
        storeWithEpilogue(acc[r][v], i0 + r, j0 + 16 * v, nj - 16 * v, epi, c,
                          ldc);
}

/// Rows of C in blocks of 6 (then 4, 2, 1), 16 NV columns wide.
template <int NV>
CASCADE_BF16_TARGET inline __attribute__((always_inline)) void
dotRows(const char *aPairs, int64_t ars, int64_t acs, int64_t m,
        const bf16 *panel, int64_t pairs, float *c, int64_t ldc, int64_t nj,
        const EpilogueView &epi, int64_t j0) {
  int64_t i0 = 0;
  for (; i0 + 6 <= m; i0 += 6)
    dotBlock<6, NV>(aPairs, ars, acs, i0, panel, pairs, c, ldc, nj, epi, j0);
  if (m - i0 >= 4) {
    dotBlock<4, NV>(aPairs, ars, acs, i0, panel, pairs, c, ldc, nj, epi, j0);
    i0 += 4;
  }
  if (m - i0 >= 2) {
    dotBlock<2, NV>(aPairs, ars, acs, i0, panel, pairs, c, ldc, nj, epi, j0);
    i0 += 2;
  }
  if (m - i0 == 1)
    dotBlock<1, NV>(aPairs, ars, acs, i0, panel, pairs, c, ldc, nj, epi, j0);
}

/// A panel of a row-major bf16 op(B) (an attention step's values) packed in
/// pairs of rows with two permutes per 32 columns.
CASCADE_BF16_TARGET inline __attribute__((always_inline)) void
packRowMajorPanel(const Operand &b, int64_t j0, bf16 *panel) {
  const bf16 *data = static_cast<const bf16 *>(b.data);
  int64_t depth = b.rows;
  alignas(64) static const uint16_t firstHalf[32] = {
      0, 32, 1, 33, 2,  34, 3,  35, 4,  36, 5,  37, 6,  38, 7,  39,
      8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
  alignas(64) static const uint16_t secondHalf[32] = {
      16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21, 53, 22, 54, 23, 55,
      24, 56, 25, 57, 26, 58, 27, 59, 28, 60, 29, 61, 30, 62, 31, 63};
  __m512i lo = _mm512_load_si512(firstHalf), hi = _mm512_load_si512(secondHalf);
  for (int64_t kk = 0; kk < pairsOf(depth); ++kk) {
    const bf16 *r0 = data + 2 * kk * b.rs + j0;
    bool second = 2 * kk + 1 < depth;
    bf16 *out = panel + kk * 2 * kPackedPanelWidth;
    for (int h = 0; h < 2; ++h) {
      __m512i x = _mm512_loadu_si512(r0 + 32 * h);
      __m512i y = second ? _mm512_loadu_si512(r0 + b.rs + 32 * h)
                         : _mm512_setzero_si512();
      _mm512_storeu_si512(out + 64 * h, _mm512_permutex2var_epi16(x, lo, y));
      _mm512_storeu_si512(out + 64 * h + 32,
                          _mm512_permutex2var_epi16(x, hi, y));
    }
  }
}

/// A bf16 op(A) as pairs, kk-major: out[kk * m + i] = (A(i, 2kk),
/// A(i, 2kk + 1)). A column-major op(A) (P.V's weights, read from the
/// keys-first scores) is interleaved 16 rows at a time.
CASCADE_BF16_TARGET void packPairsOfA(const Operand &a, uint32_t *out) {
  int64_t m = a.rows, depth = a.cols, pairs = pairsOf(depth);
  if (a.rs == 1) {
    const bf16 *data = static_cast<const bf16 *>(a.data);
    alignas(64) static const uint16_t interleave[32] = {
        0, 32, 1, 33, 2,  34, 3,  35, 4,  36, 5,  37, 6,  38, 7,  39,
        8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
    __m512i order = _mm512_load_si512(interleave);
    for (int64_t kk = 0; kk < pairs; ++kk) {
      const bf16 *c0 = data + 2 * kk * a.cs;
      bool second = 2 * kk + 1 < depth;
      for (int64_t i = 0; i < m; i += 16) {
        __mmask16 lanes = lanesBelow(m - i);
        __m512i x =
            _mm512_castsi256_si512(_mm256_maskz_loadu_epi16(lanes, c0 + i));
        __m512i y = second ? _mm512_castsi256_si512(
                                 _mm256_maskz_loadu_epi16(lanes, c0 + a.cs + i))
                           : _mm512_setzero_si512();
        _mm512_mask_storeu_epi32(out + kk * m + i, lanes,
                                 _mm512_permutex2var_epi16(x, order, y));
      }
    }
    return;
  }
  for (int64_t kk = 0; kk < pairs; ++kk)
    for (int64_t i = 0; i < m; ++i) {
      uint32_t lo = a.at(i, 2 * kk);
      uint32_t hi = 2 * kk + 1 < depth ? a.at(i, 2 * kk + 1) : 0;
      out[kk * m + i] = lo | hi << 16;
    }
}

/// Panel p of op(B) in pairs of rows: from `packedB` when given, else
/// packed into this thread's scratch.
CASCADE_BF16_TARGET inline __attribute__((always_inline)) const bf16 *
pairPanel(const Operand &b, const bf16 *packedB, int64_t p) {
  int64_t panelSize = pairsOf(b.rows) * 2 * kPackedPanelWidth;
  if (packedB)
    return packedB + p * panelSize;
  int64_t j0 = p * kPackedPanelWidth;
  bf16 *own = panelScratch.get<bf16>(static_cast<size_t>(panelSize));
  if (b.cs == 1 && b.cols - j0 >= kPackedPanelWidth)
    packRowMajorPanel(b, j0, own);
  else
    packPairPanel(b, j0, own);
  return own;
}

/// Columns [64 p, 64 p + 64) of C: the panel of B (packed here unless it
/// came packed), then blocks 64 columns wide, or 32 if the panel holds 32
/// or fewer.
CASCADE_BF16_TARGET void dotPanel(const char *aPairs, int64_t ars, int64_t acs,
                                  const Operand &a, const Operand &b,
                                  const bf16 *packedB, float *c, int64_t ldc,
                                  const EpilogueView &epi, int64_t p) {
  int64_t m = a.rows, n = b.cols, pairs = pairsOf(a.cols);
  int64_t j0 = p * kPackedPanelWidth;
  int64_t nj = n - j0 < kPackedPanelWidth ? n - j0 : kPackedPanelWidth;
  const bf16 *panel = pairPanel(b, packedB, p);
  if (nj <= 32)
    dotRows<2>(aPairs, ars, acs, m, panel, pairs, c, ldc, nj, epi, j0);
  else
    dotRows<4>(aPairs, ars, acs, m, panel, pairs, c, ldc, nj, epi, j0);
}

/// The product through AVX512-BF16. Not compiled for it itself: an OpenMP
/// body outlined by Clang does not inherit its function's target attribute
/// (its AVX-512 intrinsics then fail to compile), so the parallel loop is
/// here and each panel's work in dotPanel.
void dotProduct(const Operand &a, const Operand &b, float *c, int64_t ldc,
                const EpilogueView &epi, const bf16 *packedB) {
  int64_t m = a.rows, depth = a.cols, n = b.cols, pairs = pairsOf(depth);
  // A's pairs: a row-major bf16 A of even depth (the scores' keys, a MoE's
  // tokens) is read where it lies; others are packed once per call.
  const char *aPairs;
  int64_t ars, acs;
  if (a.cs == 1 && depth % 2 == 0) {
    aPairs = static_cast<const char *>(a.data);
    ars = a.rs * 2;
    acs = 4;
  } else {
    uint32_t *own = aScratch.get<uint32_t>(static_cast<size_t>(pairs * m));
    packPairsOfA(a, own);
    aPairs = reinterpret_cast<const char *>(own);
    ars = 4;
    acs = m * 4;
  }
  int64_t panels = (n + kPackedPanelWidth - 1) / kPackedPanelWidth;
  // Small products (an attention step's, inside a work item) stay on their
  // thread.
  if (m * n * depth < (int64_t{1} << 24) || omp_in_parallel()) {
    for (int64_t p = 0; p < panels; ++p)
      dotPanel(aPairs, ars, acs, a, b, packedB, c, ldc, epi, p);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t p = 0; p < panels; ++p)
    dotPanel(aPairs, ars, acs, a, b, packedB, c, ldc, epi, p);
}

#define CASCADE_AMX_TARGET                                                     \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma,"   \
                        "amx-tile,amx-bf16")))

/// 16 x 16 32-bit lanes transposed in registers: four steps of swapping
/// off-diagonal blocks of width 8, 4, 2, 1 (as Microkernels.cpp's
/// transpose16).
typedef int v16i __attribute__((vector_size(64)));
template <int Bit, int... L>
CASCADE_AMX_TARGET inline __attribute__((always_inline)) v16i
keepLow(v16i x, v16i y, std::integer_sequence<int, L...>) {
  return __builtin_shufflevector(x, y, ((L & Bit) ? 16 + L - Bit : L)...);
}
template <int Bit, int... L>
CASCADE_AMX_TARGET inline __attribute__((always_inline)) v16i
keepHigh(v16i x, v16i y, std::integer_sequence<int, L...>) {
  return __builtin_shufflevector(x, y, ((L & Bit) ? 16 + L : L + Bit)...);
}
template <int Bit>
CASCADE_AMX_TARGET inline __attribute__((always_inline)) void
swapBlocks(v16i *r) {
  constexpr auto lanes = std::make_integer_sequence<int, 16>{};
  for (int i = 0; i < 16; ++i)
    if (!(i & Bit)) {
      v16i lo = keepLow<Bit>(r[i], r[i + Bit], lanes);
      v16i hi = keepHigh<Bit>(r[i], r[i + Bit], lanes);
      r[i] = lo;
      r[i + Bit] = hi;
    }
}

/// A bf16 op(A) [m, depth] (m a multiple of 16, depth of 32) as row-major
/// bf16 rows for the A tiles: read in place when its rows are contiguous
/// (the scores' keys); a column-major one (P.V's weights, read from the
/// keys-first scores) as pairs (packPairsOfA) transposed 16 x 16 at a time.
/// Returns the rows and sets their stride in bytes.
CASCADE_AMX_TARGET const bf16 *rowsOfA(const Operand &a, int64_t &strideBytes) {
  int64_t m = a.rows, depth = a.cols, pairs = depth / 2;
  if (a.cs == 1) {
    strideBytes = a.rs * 2;
    return static_cast<const bf16 *>(a.data);
  }
  uint32_t *rows = aScratch.get<uint32_t>(static_cast<size_t>(2 * pairs * m));
  strideBytes = depth * 2;
  if (a.rs == 1) {
    uint32_t *pairMajor = rows + pairs * m;
    packPairsOfA(a, pairMajor);
    for (int64_t kk0 = 0; kk0 < pairs; kk0 += 16)
      for (int64_t i0 = 0; i0 < m; i0 += 16) {
        v16i r[16];
        for (int l = 0; l < 16; ++l)
          std::memcpy(&r[l], pairMajor + (kk0 + l) * m + i0, sizeof(v16i));
        swapBlocks<8>(r);
        swapBlocks<4>(r);
        swapBlocks<2>(r);
        swapBlocks<1>(r);
        for (int l = 0; l < 16; ++l)
          std::memcpy(rows + (i0 + l) * pairs + kk0, &r[l], sizeof(v16i));
      }
  } else {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kk = 0; kk < pairs; ++kk)
        rows[i * pairs + kk] =
            uint32_t{a.at(i, 2 * kk)} | uint32_t{a.at(i, 2 * kk + 1)} << 16;
  }
  return reinterpret_cast<const bf16 *>(rows);
}

/// The tile registers' shapes (ldtilecfg's 64-byte layout, palette 1): all
/// eight 16 rows of 64 bytes: C tiles 0-3 (16 x 16 f32), A tiles 4-5
/// (16 rows x 32 bf16), B tiles 6-7 (16 pairs of rows x 16 columns).
struct alignas(64) TileConfig {
  uint8_t palette = 1, startRow = 0, reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};

/// One block of C, 16 RT rows x 16 CT columns (RT, CT in {1, 2}), at rows
/// [i0, ...) and panel columns [c0, ...): tiles of A . B over the depth,
/// then stored to `out` (32 x 32 f32).
template <int RT, int CT>
CASCADE_AMX_TARGET inline __attribute__((always_inline)) void
amxBlock(const char *aRows, int64_t aStride, int64_t i0, const bf16 *panel,
         int64_t pairs, int64_t c0, float *out) {
  _tile_zero(0);
  if (CT > 1)
    _tile_zero(1);
  if (RT > 1)
    _tile_zero(2);
  if (RT > 1 && CT > 1)
    _tile_zero(3);
  constexpr int64_t panelStride = 2 * kPackedPanelWidth * sizeof(bf16);
  for (int64_t kk0 = 0; kk0 < pairs; kk0 += 16) {
    const char *a0 = aRows + i0 * aStride + kk0 * 4;
    const bf16 *b0 = panel + (kk0 * kPackedPanelWidth + c0) * 2;
    _tile_loadd(4, a0, aStride);
    _tile_loadd(6, b0, panelStride);
    if (CT > 1)
      _tile_loadd(7, b0 + 32, panelStride);
    if (RT > 1)
      _tile_loadd(5, a0 + 16 * aStride, aStride);
    _tile_dpbf16ps(0, 4, 6);
    if (CT > 1)
      _tile_dpbf16ps(1, 4, 7);
    if (RT > 1)
      _tile_dpbf16ps(2, 5, 6);
    if (RT > 1 && CT > 1)
      _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, out, 32 * sizeof(float));
  if (CT > 1)
    _tile_stored(1, out + 16, 32 * sizeof(float));
  if (RT > 1)
    _tile_stored(2, out + 16 * 32, 32 * sizeof(float));
  if (RT > 1 && CT > 1)
    _tile_stored(3, out + 16 * 32 + 16, 32 * sizeof(float));
}

/// Columns [64 p, 64 p + 64) of C through AMX: the panel of B (packed here
/// unless it came packed), blocks of 32 x 32 (16 at the edges), each block's
/// epilogue applied from the tiles' stores. (Running a block's epilogue
/// while the tiles compute the next, from two buffers, measured 4-10%
/// slower on the benchmark Xeon: bench/RESULTS.md.)
CASCADE_AMX_TARGET inline __attribute__((always_inline)) void
amxPanel(const char *aRows, int64_t aStride, const Operand &a, const Operand &b,
         const bf16 *packedB, float *c, int64_t ldc, const EpilogueView &epi,
         int64_t p) {
  int64_t m = a.rows, n = b.cols, pairs = a.cols / 2;
  int64_t j0 = p * kPackedPanelWidth;
  int64_t nj = n - j0 < kPackedPanelWidth ? n - j0 : kPackedPanelWidth;
  const bf16 *panel = pairPanel(b, packedB, p);
  alignas(64) float out[32 * 32];
  for (int64_t i0 = 0; i0 < m; i0 += 32) {
    bool twoRows = m - i0 >= 32;
    for (int64_t c0 = 0; c0 < nj; c0 += 32) {
      bool twoCols = nj - c0 > 16;
      if (twoRows && twoCols)
        amxBlock<2, 2>(aRows, aStride, i0, panel, pairs, c0, out);
      else if (twoRows)
        amxBlock<2, 1>(aRows, aStride, i0, panel, pairs, c0, out);
      else if (twoCols)
        amxBlock<1, 2>(aRows, aStride, i0, panel, pairs, c0, out);
      else
        amxBlock<1, 1>(aRows, aStride, i0, panel, pairs, c0, out);
      for (int r = 0; r < (twoRows ? 32 : 16); ++r)
        for (int v = 0; v < (twoCols ? 2 : 1); ++v)
          storeWithEpilogue(_mm512_load_ps(out + r * 32 + 16 * v), i0 + r,
                            j0 + c0 + 16 * v, nj - c0 - 16 * v, epi, c, ldc);
    }
  }
}

/// Panels [first, last) of C through AMX. Other code in the process
/// (PyTorch's oneDNN) configures the tiles its own way: configured here at
/// every call, released after.
CASCADE_AMX_TARGET void amxPanels(const char *aRows, int64_t aStride,
                                  const Operand &a, const Operand &b,
                                  const bf16 *packedB, float *c, int64_t ldc,
                                  const EpilogueView &epi, int64_t first,
                                  int64_t last) {
  static const TileConfig config;
  _tile_loadconfig(&config);
  for (int64_t p = first; p < last; ++p)
    amxPanel(aRows, aStride, a, b, packedB, c, ldc, epi, p);
  _tile_release();
}

/// Whether the AMX path takes this product: its tiles need whole 16-row
/// blocks of A and 32-deep steps.
bool amxShape(const Operand &a) { return a.rows % 16 == 0 && a.cols % 32 == 0; }

/// The product through AMX; the parallel loop as in dotProduct.
void amxProduct(const Operand &a, const Operand &b, float *c, int64_t ldc,
                const EpilogueView &epi, const bf16 *packedB) {
  int64_t aStride;
  const bf16 *aRows = rowsOfA(a, aStride);
  int64_t m = a.rows, depth = a.cols, n = b.cols;
  int64_t panels = (n + kPackedPanelWidth - 1) / kPackedPanelWidth;
  const char *rows = reinterpret_cast<const char *>(aRows);
  if (m * n * depth < (int64_t{1} << 24) || omp_in_parallel()) {
    amxPanels(rows, aStride, a, b, packedB, c, ldc, epi, 0, panels);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t p = 0; p < panels; ++p)
    amxPanels(rows, aStride, a, b, packedB, c, ldc, epi, p, p + 1);
}
#endif // CASCADE_BF16_DOT

thread_local Scratch widenedA, widenedB;

/// A bf16 matrix (rows x cols, strides rs and cs) widened to f32 in
/// `scratch`, in its own orientation: row-major unless it is column-major
/// (then `transposed` is set and the result holds its transpose).
Memref2D<float> widened(const bf16 *data, int64_t rows, int64_t cols,
                        int64_t rs, int64_t cs, Scratch &scratch,
                        bool &transposed) {
  transposed = rs == 1 && cs != 1;
  if (transposed) {
    std::swap(rows, cols);
    std::swap(rs, cs);
  }
  float *out = scratch.get<float>(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    const bf16 *in = data + r * rs;
    float *row = out + r * cols;
    if (cs == 1)
      for (int64_t c = 0; c < cols; ++c)
        row[c] = widen(in[c]);
    else
      for (int64_t c = 0; c < cols; ++c)
        row[c] = widen(in[c * cs]);
  }
  return {out, out, 0, {rows, cols}, {cols, 1}};
}

/// Pair panels of op(B) [depth, n] widened to the f32 microkernel's panels
/// (cascade_rt_pack_b_f32's layout).
float *widenedPanels(const bf16 *pairs, int64_t depth, int64_t n,
                     Scratch &scratch) {
  float *out = scratch.get<float>(
      static_cast<size_t>(cascade::abi::packedFloats(depth, n)));
  int64_t panels = (n + kPackedPanelWidth - 1) / kPackedPanelWidth;
  int64_t pairPanel = pairsOf(depth) * 2 * kPackedPanelWidth;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t k = 0; k < depth; ++k) {
      const bf16 *in =
          pairs + p * pairPanel + (k / 2) * 2 * kPackedPanelWidth + k % 2;
      float *row = out + (p * depth + k) * kPackedPanelWidth;
      for (int64_t c = 0; c < kPackedPanelWidth; ++c)
        row[c] = widen(in[2 * c]);
    }
  return out;
}

/// The f32 microkernel on the operands, bf16 ones widened to f32 (B from
/// its pair panels when given packed): every product with an f32 operand,
/// and bf16 x bf16 on CPUs without a faster path (see currentPath).
template <typename TA, typename TB>
void widenedProduct(Memref2D<TA> *a, Memref2D<TB> *b, Memref2D<float> *c,
                    int64_t transA, int64_t transB, const Epilogue &epi) {
  Memref2D<float> ra, rb;
  if constexpr (std::is_same_v<TA, float>) {
    ra = *a;
  } else {
    bool flip;
    ra = widened(a->aligned + a->offset, a->sizes[0], a->sizes[1],
                 a->strides[0], a->strides[1], widenedA, flip);
    transA = transA != flip;
  }
  if constexpr (std::is_same_v<TB, float>) {
    rb = *b;
  } else if (epi.packedB) {
    Operand vb = operandOf(b, transB);
    float *panels = widenedPanels(epi.packedB, vb.rows, vb.cols, widenedB);
    Memref1D<float> packed{panels, panels, 0,
                           cascade::abi::packedFloats(vb.rows, vb.cols), 1};
    // The packed calls read only B's sizes.
    Memref2D<float> sizes{nullptr,
                          nullptr,
                          0,
                          {b->sizes[0], b->sizes[1]},
                          {b->strides[0], b->strides[1]}};
    if (epi.accRef)
      _mlir_ciface_cascade_rt_matmul_acc_packed_f32(
          &ra, &sizes, &packed, epi.accRef, epi.scaleRef, c, transA, transB);
    else
      _mlir_ciface_cascade_rt_matmul_scaled_packed_f32(
          &ra, &sizes, &packed, c, epi.alpha, transA, transB);
    return;
  } else {
    bool flip;
    rb = widened(b->aligned + b->offset, b->sizes[0], b->sizes[1],
                 b->strides[0], b->strides[1], widenedB, flip);
    transB = transB != flip;
  }
  if (epi.accRef)
    _mlir_ciface_cascade_rt_matmul_acc_f32(&ra, &rb, epi.accRef, epi.scaleRef,
                                           c, transA, transB);
  else
    _mlir_ciface_cascade_rt_matmul_scaled_f32(&ra, &rb, c, epi.alpha, transA,
                                              transB);
}

/// C [M, N] (contiguous rows) = alpha * op(A) . op(B) + diag(s) . Acc.
template <typename TA, typename TB>
void product(Memref2D<TA> *a, Memref2D<TB> *b, Memref2D<float> *c,
             int64_t transA, int64_t transB, const Epilogue &epi) {
  Operand va = operandOf(a, transA), vb = operandOf(b, transB);
  if (va.rows == 0 || vb.cols == 0)
    return;
#ifdef CASCADE_BF16_DOT
  constexpr bool bothBf16 =
      std::is_same_v<TA, bf16> && std::is_same_v<TB, bf16>;
  Path path = bothBf16 && va.cols > 0 ? currentPath() : Path::Widened;
  if (path == Path::Amx && !amxShape(va))
    path = Path::Widened;
  if (path != Path::Widened) {
    EpilogueView view;
    view.alpha = epi.alpha;
    if (epi.accRef) {
      view.acc = epi.accRef->aligned + epi.accRef->offset;
      view.accRs = epi.accRef->strides[0];
      view.accCs = epi.accRef->strides[1];
      view.rowScale = epi.scaleRef->aligned + epi.scaleRef->offset;
      view.scaleStride = epi.scaleRef->stride;
    }
    float *out = c->aligned + c->offset;
    if (path == Path::Amx)
      amxProduct(va, vb, out, c->strides[0], view, epi.packedB);
    else
      dotProduct(va, vb, out, c->strides[0], view, epi.packedB);
    return;
  }
#endif
  widenedProduct(a, b, c, transA, transB, epi);
}

/// Whether `packed` holds op(B) in pair panels; else reports a kernel error.
bool holdsPairPanels(Memref1D<bf16> *packed, const Operand &b,
                     const char *who) {
  int64_t need = cascade::abi::packedBf16Elements(b.rows, b.cols);
  if (packed->size >= need && (packed->stride == 1 || need == 0))
    return true;
  cascade_rt_fail("%s: the packed operand holds %lld bf16 elements (stride "
                  "%lld), its panels need %lld contiguous ones (a kernel "
                  "compiled by another version of cascade-compile? recompile "
                  "it)",
                  who, (long long)packed->size, (long long)packed->stride,
                  (long long)need);
  return false;
}

void packPairs(Memref2D<bf16> *b, Memref1D<bf16> *packed, int64_t transB) {
  Operand vb = operandOf(b, transB);
  if (!holdsPairPanels(packed, vb, "cascade_rt_pack_b_bf16"))
    return;
  bf16 *out = packed->aligned + packed->offset;
  int64_t panelSize = pairsOf(vb.rows) * 2 * kPackedPanelWidth;
  for (int64_t p = 0; p * kPackedPanelWidth < vb.cols; ++p)
    packPairPanel(vb, p * kPackedPanelWidth, out + p * panelSize);
}

template <typename TA, typename TB>
void packedProduct(Memref2D<TA> *a, Memref2D<TB> *b, Memref1D<bf16> *packed,
                   Memref2D<float> *c, int64_t transA, int64_t transB,
                   Epilogue epi) {
  if (!holdsPairPanels(packed, operandOf(b, transB),
                       "cascade_rt_matmul_*_packed (bf16)"))
    return;
  epi.packedB = packed->aligned + packed->offset;
  product(a, b, c, transA, transB, epi);
}

Epilogue accumulating(Memref2D<float> *acc, Memref1D<float> *scale) {
  Epilogue epi;
  epi.accRef = acc;
  epi.scaleRef = scale;
  return epi;
}

} // namespace

extern "C" void _mlir_ciface_cascade_rt_pack_b_bf16(Memref2D<bf16> *b,
                                                    Memref1D<bf16> *packed,
                                                    int64_t transB) {
  packPairs(b, packed, transB);
}

extern "C" int cascade_rt_set_bf16_path(int path) {
  forcedPath.store(path >= 0 && path <= 2 ? path : -1);
  return static_cast<int>(currentPath());
}

// The entry points of each operand pair (A, B): f32 x bf16, bf16 x f32,
// bf16 x bf16 (kernel_abi.h).
#define CASCADE_BF16_ENTRY_POINTS(TA, TB, SUFFIX)                              \
  extern "C" void _mlir_ciface_cascade_rt_matmul_##SUFFIX(                     \
      Memref2D<TA> *a, Memref2D<TB> *b, Memref2D<float> *c, int64_t transA,    \
      int64_t transB) {                                                        \
    product(a, b, c, transA, transB, Epilogue{});                              \
  }                                                                            \
  extern "C" void _mlir_ciface_cascade_rt_matmul_scaled_##SUFFIX(              \
      Memref2D<TA> *a, Memref2D<TB> *b, Memref2D<float> *c, float alpha,       \
      int64_t transA, int64_t transB) {                                        \
    Epilogue epi;                                                              \
    epi.alpha = alpha;                                                         \
    product(a, b, c, transA, transB, epi);                                     \
  }                                                                            \
  extern "C" void _mlir_ciface_cascade_rt_matmul_acc_##SUFFIX(                 \
      Memref2D<TA> *a, Memref2D<TB> *b, Memref2D<float> *acc,                  \
      Memref1D<float> *scale, Memref2D<float> *c, int64_t transA,              \
      int64_t transB) {                                                        \
    product(a, b, c, transA, transB, accumulating(acc, scale));                \
  }

// B packed before a loop (cascade_rt_pack_b_bf16): bf16 x bf16 only.
#define CASCADE_BF16_PACKED_ENTRY_POINTS(TA, TB, SUFFIX)                       \
  extern "C" void _mlir_ciface_cascade_rt_matmul_packed_##SUFFIX(              \
      Memref2D<TA> *a, Memref2D<TB> *b, Memref1D<bf16> *packed,                \
      Memref2D<float> *c, int64_t transA, int64_t transB) {                    \
    packedProduct(a, b, packed, c, transA, transB, Epilogue{});                \
  }                                                                            \
  extern "C" void _mlir_ciface_cascade_rt_matmul_scaled_packed_##SUFFIX(       \
      Memref2D<TA> *a, Memref2D<TB> *b, Memref1D<bf16> *packed,                \
      Memref2D<float> *c, float alpha, int64_t transA, int64_t transB) {       \
    Epilogue epi;                                                              \
    epi.alpha = alpha;                                                         \
    packedProduct(a, b, packed, c, transA, transB, epi);                       \
  }                                                                            \
  extern "C" void _mlir_ciface_cascade_rt_matmul_acc_packed_##SUFFIX(          \
      Memref2D<TA> *a, Memref2D<TB> *b, Memref1D<bf16> *packed,                \
      Memref2D<float> *acc, Memref1D<float> *scale, Memref2D<float> *c,        \
      int64_t transA, int64_t transB) {                                        \
    packedProduct(a, b, packed, c, transA, transB, accumulating(acc, scale));  \
  }

CASCADE_BF16_ENTRY_POINTS(bf16, bf16, bf16_bf16)
CASCADE_BF16_ENTRY_POINTS(float, bf16, f32_bf16)
CASCADE_BF16_ENTRY_POINTS(bf16, float, bf16_f32)
CASCADE_BF16_PACKED_ENTRY_POINTS(bf16, bf16, bf16_bf16)
