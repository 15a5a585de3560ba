//===- Microkernels.cpp - register-blocked f32 matrix products ------------===//
//
// The CPU target calls this for contractions of matrix shape (the tiles of
// Q.K^T and P.V in an attention program, the expert GEMMs of a MoE), the way
// IREE's CPU backend calls its ukernels: C = op(A) . op(B) with A [M, K]
// (or [K, M] when transposed), B [K, N] (or [N, K]), any strides. B is
// packed into panels of NR columns; a block of MR x NR of C stays in vector
// registers across the whole K loop (6 x 64, or 6 x 32 over a row-major A
// with B packed per call, see matmul; 6 x 16 of 256-bit vectors without
// AVX-512, see panelOfKind). One copy per instruction set (AVX-512,
// AVX2+FMA, baseline), chosen once at run time (see matmulForCpu). A large
// product called outside a parallel region (the expert GEMMs of a MoE)
// spreads its column panels over the OpenMP threads; inside a work item it
// stays on its thread.
//
//===----------------------------------------------------------------------===//

#include "cascade/kernel_abi.h"
#include "cascade/runtime.h"

#include <omp.h>

#ifdef CASCADE_MICROKERNEL_STATS
#include <atomic>
#include <chrono>
#endif
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

// One copy per instruction set, chosen at run time: on x86-64, except in
// sanitizer builds and builds for one target (CASCADE_MICROKERNEL_NO_CLONES,
// the AVX2 test).
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) &&                   \
    !defined(CASCADE_MICROKERNEL_NO_CLONES)
#define CASCADE_MICROKERNEL_CLONES 1
#endif

namespace {

using cascade::abi::Memref1D;
using cascade::abi::Memref2D;

typedef float v16 __attribute__((vector_size(64)));
// 256-bit vectors: the register blocks of CPUs without AVX-512 (see
// panelOfKind).
typedef float v8 __attribute__((vector_size(32)));
// Register blocks of C are MR rows x NR columns (NR / 16 vectors a row, or
// NR / 8 of the 256-bit ones);
// panels of B packed ahead of time (cascade_rt_pack_b_f32) are 64 wide.
constexpr int kPackedNR = cascade::abi::kPackedPanelWidth;
// A row-major op(B) spanning at most this many floats (128 rows of 256: a
// few pages, no TLB misses) is read in place instead of packed per call.
#ifndef CASCADE_MICROKERNEL_IN_PLACE_SPAN
#define CASCADE_MICROKERNEL_IN_PLACE_SPAN (128 * 256)
#endif
constexpr int64_t kInPlaceSpan = CASCADE_MICROKERNEL_IN_PLACE_SPAN;
// B read in place is summed in chunks of this depth (0: whole). Its rows'
// stride is the matrix's: at 128 floats (512 bytes, a head dim of 128), a
// 64-column panel's 128 rows fall on half of the L1 cache's 64 sets, 16
// lines to a 12-way set, so a whole-depth panel does not stay in L1 while
// the row blocks pass over it.
#ifndef CASCADE_MICROKERNEL_IN_PLACE_CHUNK
#define CASCADE_MICROKERNEL_IN_PLACE_CHUNK 0
#endif
constexpr int64_t kInPlaceChunk = CASCADE_MICROKERNEL_IN_PLACE_CHUNK;
// Whether the first row block over B read in place also copies the panel
// for the others (contiguous rows of NR floats fall on all the L1 sets;
// the copy costs a store per vector of the first block, not a pass of its
// own).
#ifndef CASCADE_MICROKERNEL_COPY_IN_PLACE_PANEL
#define CASCADE_MICROKERNEL_COPY_IN_PLACE_PANEL 0
#endif
constexpr bool kCopyInPlacePanel = CASCADE_MICROKERNEL_COPY_IN_PLACE_PANEL;

// The K loop of a block prefetches B's row (and A's column) this many steps
// ahead (0: none): B read in place at a stride of 128 floats leaves L1 in
// every pass of the row blocks (see kInPlaceChunk).
#ifndef CASCADE_MICROKERNEL_PREFETCH_ROWS
#define CASCADE_MICROKERNEL_PREFETCH_ROWS 0
#endif
constexpr int64_t kPrefetchRows = CASCADE_MICROKERNEL_PREFETCH_ROWS;

/// A view of op(X) as rows x cols with element (r, c) at r*rs + c*cs.
struct View {
  const float *data;
  int64_t rows, cols, rs, cs;
  float at(int64_t r, int64_t c) const { return data[r * rs + c * cs]; }
};

View viewOf(const Memref2D<float> *m, bool transposed) {
  View v{m->aligned + m->offset, m->sizes[0], m->sizes[1], m->strides[0],
         m->strides[1]};
  if (transposed) {
    std::swap(v.rows, v.cols);
    std::swap(v.rs, v.cs);
  }
  return v;
}

/// One step of a 16 x 16 transpose in registers: rows i and i + Bit swap
/// their off-diagonal blocks of width Bit. The four steps (Bit = 8, 4, 2, 1)
/// together transpose the matrix.
template <int Bit, int... L>
inline __attribute__((always_inline)) v16
keepLow(v16 x, v16 y, std::integer_sequence<int, L...>) {
  return __builtin_shufflevector(x, y, ((L & Bit) ? 16 + L - Bit : L)...);
}
template <int Bit, int... L>
inline __attribute__((always_inline)) v16
keepHigh(v16 x, v16 y, std::integer_sequence<int, L...>) {
  return __builtin_shufflevector(x, y, ((L & Bit) ? 16 + L : L + Bit)...);
}
template <int Bit>
inline __attribute__((always_inline)) void swapBlocks(v16 *r) {
  constexpr auto lanes = std::make_integer_sequence<int, 16>{};
  for (int i = 0; i < 16; ++i)
    if (!(i & Bit)) {
      v16 lo = keepLow<Bit>(r[i], r[i + Bit], lanes);
      v16 hi = keepHigh<Bit>(r[i], r[i + Bit], lanes);
      r[i] = lo;
      r[i + Bit] = hi;
    }
}
inline __attribute__((always_inline)) void transpose16(v16 *r) {
  swapBlocks<8>(r);
  swapBlocks<4>(r);
  swapBlocks<2>(r);
  swapBlocks<1>(r);
}

/// panel[k][c] = B(k, j0 + c), zero past the last column.
template <int NR>
inline __attribute__((always_inline)) void packPanel(const View &b, int64_t j0,
                                                     int64_t nj, float *panel) {
  int64_t k0 = 0;
  if (b.rs == 1 && nj == NR) {
    // op(B) is a transposed row-major matrix (K of Q.K^T): each panel
    // column is contiguous in memory, so 16 x 16 blocks are read as rows
    // and transposed in registers instead of gathered element by element.
    for (; k0 + 16 <= b.rows; k0 += 16)
      for (int c0 = 0; c0 < NR; c0 += 16) {
        v16 r[16];
        for (int i = 0; i < 16; ++i)
          std::memcpy(&r[i], b.data + (j0 + c0 + i) * b.cs + k0, sizeof(v16));
        transpose16(r);
        for (int l = 0; l < 16; ++l)
          std::memcpy(panel + (k0 + l) * NR + c0, &r[l], sizeof(v16));
      }
  }
  for (int64_t k = k0; k < b.rows; ++k) {
    float *row = panel + k * NR;
    int64_t c = 0;
    if (b.cs == 1)
      for (; c < nj; ++c)
        row[c] = b.data[k * b.rs + j0 + c];
    else
      for (; c < nj; ++c)
        row[c] = b.at(k, j0 + c);
    for (; c < NR; ++c)
      row[c] = 0.0f;
  }
}

/// What is applied to a block of A . B before it is stored (BLAS's alpha
/// and beta, with beta per row): C = alpha * A . B + rowScale[i] * acc[i, j].
/// The attention step's scale of the scores and its rescale-and-add of the
/// running numerator, without a pass over the tile of their own.
struct Epilogue {
  float alpha = 1.0f;
  const float *acc = nullptr; // acc[i * accRs + j * accCs], or none
  int64_t accRs = 0, accCs = 0;
  const float *rowScale = nullptr; // rowScale[i * scaleStride]
  int64_t scaleStride = 0;
  /// op(B) already in panels (cascade_rt_pack_b_f32): an operand that stays
  /// the same over a loop of products is packed once, before the loop.
  const float *packedB = nullptr;
  /// colMax[j] = the max of C's column j (of its non-NaN values; -inf
  /// before the first row), or none: a softmax's block max taken from the
  /// registers instead of a pass over the scores (cascade.softmax_shift).
  float *colMax = nullptr;
};

/// The NR / (lanes of V) vectors of in[0], in[stride], ..., in[(nj - 1) *
/// stride], zero past nj.
template <int NR, typename V>
inline __attribute__((always_inline)) void
loadRow(V (&row)[NR / (sizeof(V) / sizeof(float))], const float *in,
        int64_t stride, int64_t nj) {
  if (nj == NR && stride == 1) {
    // Whole panel width, contiguous: vector loads.
    std::memcpy(row, in, sizeof row);
  } else {
    // (An element loop: a run-time-length memcpy is a libc call.)
    float tmp[NR] = {};
    for (int64_t j = 0; j < nj; ++j)
      tmp[j] = in[j * stride];
    std::memcpy(row, tmp, sizeof row);
  }
}

/// acc[r] += rowScale[i0 + r] * Acc[i0 + r, j0 : j0 + nj].
template <int R, int NR, typename V>
inline __attribute__((always_inline)) void
addAccumulated(V (&acc)[R][NR / (sizeof(V) / sizeof(float))], int64_t i0,
               int64_t j0, int64_t nj, const Epilogue &epi) {
  constexpr int NV = NR / (sizeof(V) / sizeof(float));
  for (int r = 0; r < R; ++r) {
    int64_t i = i0 + r;
    float scale = epi.rowScale[i * epi.scaleStride];
    V prev[NV];
    loadRow<NR, V>(prev, epi.acc + i * epi.accRs + j0 * epi.accCs, epi.accCs,
                   nj);
    for (int v = 0; v < NV; ++v)
      acc[r][v] += scale * prev[v];
  }
}

/// colMax[0 : nj] = max(colMax[0 : nj], the block's rows), NaNs dropped
/// (`x > m ? x : m` keeps m when x is NaN: one max instruction).
template <int R, int NR, typename V>
inline __attribute__((always_inline)) void
updateColumnMax(const V (&acc)[R][NR / (sizeof(V) / sizeof(float))],
                float *colMax, int64_t nj) {
  constexpr int NV = NR / (sizeof(V) / sizeof(float));
  V m[NV];
  loadRow<NR, V>(m, colMax, 1, nj);
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v)
      m[v] = acc[r][v] > m[v] ? acc[r][v] : m[v];
  if (nj == NR) {
    std::memcpy(colMax, m, sizeof m);
  } else {
    float tmp[NR];
    std::memcpy(tmp, m, sizeof m);
    for (int64_t j = 0; j < nj; ++j)
      colMax[j] = tmp[j];
  }
}

/// Which part of the depth a call of block below sums: [k0, k1) of the
/// product's `depth`. A product summed in several such chunks keeps its
/// partial sums in C between them.
struct DepthChunk {
  int64_t k0, k1, depth;
  bool first() const { return k0 == 0; }
  bool last() const { return k1 == depth; }
};

/// Which of A's strides a block knows to be 1 at compile time: the rows of
/// a column-major A (P.V's P) or the columns of a row-major one (the
/// scores' keys). With both strides run-time values, GCC kept the offsets
/// of a 6-row block's rows in registers and spilled some of them, reloading
/// them from the stack in every step of the K loop of the AVX-512 blocks.
enum class AUnit { None, Rows, Cols };

/// Rows [i0, i0 + R) x columns [j0, j0 + nj) of C over the depth `chunk`
/// (a chunked product has alpha 1). With CopyPanel, also stores the panel
/// rows it reads to `copy` (row k at copy + k * NR) for the blocks after it.
template <int R, int NR, typename V, AUnit AU, bool CopyPanel = false>
inline __attribute__((always_inline)) void
block(const View &a, int64_t i0, const float *panel, int64_t ldp,
      DepthChunk chunk, float *c, int64_t ldc, int64_t nj, const Epilogue &epi,
      int64_t j0, float *copy = nullptr) {
  constexpr int L = sizeof(V) / sizeof(float);
  constexpr int NV = NR / L;
  V acc[R][NV];
  if (chunk.first())
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v)
        acc[r][v] = V{};
  else
    for (int r = 0; r < R; ++r)
      loadRow<NR, V>(acc[r], c + (i0 + r) * ldc, 1, nj);
  // The accumulated term starts the sum (with alpha 1: the only case with
  // both is none of the entry points'), so that a product summed in depth
  // chunks, with C the term's own buffer, adds what a whole one adds in the
  // same order: packed, in place and chunked products are bit for bit the
  // same.
  bool accFirst = epi.acc && epi.alpha == 1.0f;
  if (accFirst && chunk.first())
    addAccumulated<R, NR, V>(acc, i0, j0, nj, epi);
  const int64_t rs = AU == AUnit::Rows ? 1 : a.rs;
  const int64_t cs = AU == AUnit::Cols ? 1 : a.cs;
  // A's column k of the block's rows: at ak + r * rs, one pointer stepped
  // by cs (with rs 1, the rows are constant offsets from it).
  const float *ak = a.data + i0 * rs + chunk.k0 * cs;
  for (int64_t k = chunk.k0; k < chunk.k1; ++k, ak += cs) {
    if constexpr (kPrefetchRows > 0)
      if (k + kPrefetchRows < chunk.k1) {
        for (int v = 0; v < NV; v += 16 / L)
          __builtin_prefetch(panel + (k + kPrefetchRows) * ldp + L * v);
        __builtin_prefetch(ak + kPrefetchRows * cs);
      }
    V b[NV];
    for (int v = 0; v < NV; ++v)
      std::memcpy(&b[v], panel + k * ldp + L * v, sizeof(V));
    if constexpr (CopyPanel)
      std::memcpy(copy + k * NR, b, sizeof b);
    for (int r = 0; r < R; ++r) {
      float x = ak[r * rs];
      for (int v = 0; v < NV; ++v)
        acc[r][v] += x * b[v];
    }
  }
  if (chunk.last()) {
    if (epi.alpha != 1.0f)
      for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v)
          acc[r][v] *= epi.alpha;
    if (epi.acc && !accFirst)
      addAccumulated<R, NR, V>(acc, i0, j0, nj, epi);
    if (epi.colMax)
      updateColumnMax<R, NR, V>(acc, epi.colMax + j0, nj);
  }
  for (int r = 0; r < R; ++r) {
    float *out = c + (i0 + r) * ldc;
    if (nj == NR) {
      std::memcpy(out, acc[r], sizeof acc[r]);
    } else {
      float tmp[NR];
      std::memcpy(tmp, acc[r], sizeof acc[r]);
      std::memcpy(out, tmp, nj * sizeof(float));
    }
  }
}

/// Each thread's panel of B packed by the call (64-byte aligned, grown on
/// demand, freed when the thread ends).
struct PanelStorage {
  float *data = nullptr;
  size_t floats = 0;
  ~PanelStorage() { std::free(data); }
  float *get(size_t n) {
    if (n > floats) {
      std::free(data);
      size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      data = static_cast<float *>(std::aligned_alloc(64, bytes));
      if (!data)
        std::abort(); // out of memory for a few KiB
      floats = n;
    }
    return data;
  }
};
thread_local PanelStorage panelStorage;

/// Columns [p * NR, p * NR + NR) of C = op(A) . op(B): packs the panel of B
/// (unless it came packed), then runs the register blocks of MR rows down
/// the rows. Always inlined, so it is compiled for each instruction set of
/// the kernel that calls it (a lambda would be compiled once, for the
/// baseline).
template <int MR, int NR, AUnit AU, typename V = v16>
inline __attribute__((always_inline)) void
panelProduct(const View &a, const View &b, float *c, int64_t ldc, int64_t j0,
             const Epilogue &epi) {
  int64_t m = a.rows, depth = a.cols, n = b.cols;
  int64_t nj = n - j0 < NR ? n - j0 : NR;
  const float *panel;
  int64_t ldp = NR; // the panel's row stride
  bool inPlace = false;
  if (epi.packedB) {
    // Its 64-wide panels (a block of 32 reads the first half of the last).
    panel = epi.packedB + j0 / kPackedNR * depth * kPackedNR + j0 % kPackedNR;
    ldp = kPackedNR;
  } else if (b.cs == 1 && nj == NR && depth * b.rs <= kInPlaceSpan) {
    // op(B) row-major and small (an attention step's values): its rows'
    // NR columns are read where they lie. The panel would take as much of
    // the L1 cache as they do, and copying it cost 4-6% of an attention
    // kernel's time (bench/RESULTS.md).
    panel = b.data + j0;
    ldp = b.rs;
    inPlace = true;
  } else {
    float *own = panelStorage.get(static_cast<size_t>(depth) * NR);
    packPanel<NR>(b, j0, nj, own);
    panel = own;
  }
  // Depth chunks over B read in place (see kInPlaceChunk); alpha 1 only
  // (the chunked block applies no alpha).
  int64_t kc = depth;
  if (inPlace && kInPlaceChunk > 0 && depth > kInPlaceChunk &&
      epi.alpha == 1.0f)
    kc = kInPlaceChunk;
  // B read in place, copied to a panel by the first row block as it reads
  // it, for the blocks after it (see kCopyInPlacePanel).
  float *copy = nullptr;
  if (inPlace && kCopyInPlacePanel && m >= 2 * MR)
    copy = panelStorage.get(static_cast<size_t>(depth) * NR);
  float *cj = c + j0;
  for (int64_t k0 = 0; k0 < depth; k0 += kc) {
    DepthChunk chunk{k0, k0 + kc < depth ? k0 + kc : depth, depth};
    int64_t i0 = 0;
    const float *rows = panel;
    int64_t ldr = ldp;
    if (copy) {
      block<MR, NR, V, AU, true>(a, 0, panel, ldp, chunk, cj, ldc, nj, epi, j0,
                                 copy);
      i0 = MR;
      rows = copy;
      ldr = NR;
    }
    for (; i0 + MR <= m; i0 += MR)
      block<MR, NR, V, AU>(a, i0, rows, ldr, chunk, cj, ldc, nj, epi, j0);
    // The rows left: fewer than MR, and MR is at most 8.
    static_assert(MR <= 8, "the rows left are done in blocks of 4, 2 and 1");
    if (m - i0 >= 4) {
      block<4, NR, V, AU>(a, i0, rows, ldr, chunk, cj, ldc, nj, epi, j0);
      i0 += 4;
    }
    if (m - i0 >= 2) {
      block<2, NR, V, AU>(a, i0, rows, ldr, chunk, cj, ldc, nj, epi, j0);
      i0 += 2;
    }
    if (m - i0 == 1)
      block<1, NR, V, AU>(a, i0, rows, ldr, chunk, cj, ldc, nj, epi, j0);
  }
}

#ifdef CASCADE_MICROKERNEL_CLONES
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void packAll(const View &b, float *packed) {
  int64_t depth = b.rows, n = b.cols;
  for (int64_t p = 0; p * kPackedNR < n; ++p) {
    int64_t j0 = p * kPackedNR;
    packPanel<kPackedNR>(b, j0, n - j0 < kPackedNR ? n - j0 : kPackedNR,
                         packed + p * depth * kPackedNR);
  }
}

/// The register blocks of matmul below (a lambda would be compiled once,
/// for the baseline; an always-inlined function is compiled in each
/// instruction set's copy of matmul).
enum class BlockKind { Packed, ColumnMajorA, RowMajorA };
/// The panel width (NR) of each kind's block below.
constexpr int64_t panelWidth(BlockKind kind) {
  return kind == BlockKind::RowMajorA ? 32 : 64;
}
/// panelProduct with whichever of A's strides is 1 (matmul makes sure one
/// is) known at compile time.
template <int MR, int NR>
inline __attribute__((always_inline)) void
panelProductOf(const View &a, const View &b, float *c, int64_t ldc, int64_t j0,
               const Epilogue &epi) {
  if (a.rs == 1)
    return panelProduct<MR, NR, AUnit::Rows>(a, b, c, ldc, j0, epi);
  panelProduct<MR, NR, AUnit::Cols>(a, b, c, ldc, j0, epi);
}
/// Wide: the blocks of 512-bit vectors, else of 256-bit ones (a compile-time
/// choice, so that each instruction set's copy holds only its own blocks).
template <bool Wide>
inline __attribute__((always_inline)) void
panelOfKind(BlockKind kind, const View &a, const View &b, float *c, int64_t ldc,
            int64_t p, const Epilogue &epi) {
  int64_t j0 = p * panelWidth(kind);
  // Without AVX-512 the blocks are 6 x 16 in 256-bit vectors (12
  // accumulators of the 16 registers): the 512-bit blocks below, emulated
  // in register pairs, spilled and ran at 2-5 GFLOP/s (x86-64-v3 build on
  // the Debian machine, bench/RESULTS.md). Sub-panels of 16 columns of the
  // kind's panel; a packed panel is read in place (its row stride is 64).
  // (Their loop spills nothing with A's strides unknown.)
  if constexpr (!Wide) {
    for (int64_t j = j0; j < j0 + panelWidth(kind) && j < b.cols; j += 16)
      panelProduct<6, 16, AUnit::None, v8>(a, b, c, ldc, j, epi);
    return;
  }
  // The last columns of a 64-wide kind, if fewer than 64, take blocks of 32
  // and, for the last 16 or fewer, one of 8 x 16 (8 accumulators hide the
  // FMAs' latency), so that a B read in place stays in place (a panel
  // wider than the columns is packed per call) and few padding columns
  // are computed: P.V of head dim 80 computed 128 columns for 80, then 96
  // (16 of them over a panel packed per call), now 80.
  if (kind != BlockKind::RowMajorA && b.cols - j0 < 64) {
    for (int64_t j = j0; j < b.cols; j += 32) {
      if (b.cols - j <= 16)
        return panelProductOf<8, 16>(a, b, c, ldc, j, epi);
      panelProductOf<6, 32>(a, b, c, ldc, j, epi);
    }
    return;
  }
  switch (kind) {
  case BlockKind::Packed:
    static_assert(panelWidth(BlockKind::Packed) == kPackedNR);
    return panelProductOf<6, kPackedNR>(a, b, c, ldc, j0, epi);
  case BlockKind::ColumnMajorA:
    return panelProduct<6, panelWidth(BlockKind::ColumnMajorA), AUnit::Rows>(
        a, b, c, ldc, j0, epi);
  case BlockKind::RowMajorA:
    return panelProductOf<6, panelWidth(BlockKind::RowMajorA)>(a, b, c, ldc, j0,
                                                               epi);
  }
}

/// A with neither stride 1 (a view the ABI allows, though no kernel of ours
/// passes one), copied row-major for the blocks, which read A with one of
/// its strides 1 (AUnit).
thread_local PanelStorage unitStrideCopy;
View withUnitStride(const View &a) {
  if (a.rs == 1 || a.cs == 1)
    return a;
  float *copy = unitStrideCopy.get(static_cast<size_t>(a.rows * a.cols));
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t k = 0; k < a.cols; ++k)
      copy[i * a.cols + k] = a.at(i, k);
  return View{copy, a.rows, a.cols, a.cols, 1};
}

/// The product on this thread with the register blocks of one instruction
/// set (Wide: of 512-bit vectors), unless it is large and called outside a
/// parallel region: then returns false with its block kind and panel count,
/// for the caller's parallel loop.
template <bool Wide>
inline __attribute__((always_inline)) bool
productOnThisThread(const View &a, const View &b, float *c, int64_t ldc,
                    const Epilogue &epi, BlockKind &kind, int64_t &panels) {
  // The register block follows how A is read. A column-major A (P.V's P,
  // read from the keys-first scores) brings a new cache line in every step
  // of the K loop; a wider block does more FMAs per line: over column-major
  // A, 6 x 64 measured 1.17-1.19x of 6 x 32 on the benchmark Xeon
  // (bench/cpu/microkernel_variants.cpp), and the attention step's P.V ran
  // 1.17-1.25x faster inside the dense and causal kernels (bench/RESULTS.md).
  // Row-major A with B packed once (the scores' keys against the queries
  // packed before the step loop) takes 6 x 64 as well: 8 x 32 there ran
  // the dense kernel 11% and the causal one 6% slower at 1 thread on the
  // Xeon, side by side (bench/cpu/side_by_side.py; bench/RESULTS.md).
  // Other row-major A (a MoE's tokens) keeps 6 x 32.
  kind = epi.packedB              ? BlockKind::Packed
         : a.rs == 1 && a.cs != 1 ? BlockKind::ColumnMajorA
                                  : BlockKind::RowMajorA;
  int64_t m = a.rows, depth = a.cols, n = b.cols;
  int64_t nr = panelWidth(kind);
  panels = (n + nr - 1) / nr;
  // Tiles of attention (called inside work items, ~1 MFLOP each) run on
  // their thread without entering OpenMP at all: even a parallel region
  // with a false `if` costs a serialized fork per call.
  if (m * n * depth >= (int64_t{1} << 24) && !omp_in_parallel())
    return false;
  for (int64_t p = 0; p < panels; ++p)
    panelOfKind<Wide>(kind, a, b, c, ldc, p, epi);
  return true;
}

/// Whether the build's own target has 512-bit vectors (sanitizer builds,
/// builds for one target, other architectures).
#ifdef __AVX512F__
constexpr bool kBuildIsWide = true;
#else
constexpr bool kBuildIsWide = false;
#endif

/// C = op(A) . op(B), one copy per instruction set with that set's register
/// blocks only, chosen once at run time (matmul). Not GCC's target_clones
/// over one function with a run-time test for AVX-512 inside: then every
/// copy held the blocks of both vector widths, and the 512-bit blocks of
/// the AVX2 and baseline copies, emulated, took GCC most of
/// Microkernels.cpp's ten minutes of compile (CI's time limit).
///
/// Each copy is the whole product, the choice of its block kind included:
/// with the kind chosen by the caller and only the panel loop per copy
/// (0e857e4), the AVX-512 scores' product ran 10-11% slower inside the
/// attention kernels on the benchmark Xeon, in two paired calls
/// (bench/RESULTS.md); whole, it runs as fast as the target_clones build. The
/// parallel loop is written out in each copy, not shared through a
/// helper: GCC outlines the body of a parallel loop from the function
/// around it, and only a body outlined from a function compiled for
/// AVX-512 is compiled for it (from a shared helper, it was the baseline's:
/// a MoE layer ran 35x slower).
void matmulOfBuild(const View &strided, const View &b, float *c, int64_t ldc,
                   const Epilogue &epi) {
  View a = withUnitStride(strided);
  BlockKind kind;
  int64_t panels;
  if (productOnThisThread<kBuildIsWide>(a, b, c, ldc, epi, kind, panels))
    return;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t p = 0; p < panels; ++p)
    panelOfKind<kBuildIsWide>(kind, a, b, c, ldc, p, epi);
}
#ifdef CASCADE_MICROKERNEL_CLONES
__attribute__((target("arch=x86-64-v4"))) void
matmulAvx512(const View &strided, const View &b, float *c, int64_t ldc,
             const Epilogue &epi) {
  View a = withUnitStride(strided);
  BlockKind kind;
  int64_t panels;
  if (productOnThisThread<true>(a, b, c, ldc, epi, kind, panels))
    return;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t p = 0; p < panels; ++p)
    panelOfKind<true>(kind, a, b, c, ldc, p, epi);
}
__attribute__((target("arch=x86-64-v3"))) void matmulAvx2(const View &strided,
                                                          const View &b,
                                                          float *c, int64_t ldc,
                                                          const Epilogue &epi) {
  View a = withUnitStride(strided);
  BlockKind kind;
  int64_t panels;
  if (productOnThisThread<false>(a, b, c, ldc, epi, kind, panels))
    return;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t p = 0; p < panels; ++p)
    panelOfKind<false>(kind, a, b, c, ldc, p, epi);
}
#endif

using MatmulFn = void (*)(const View &, const View &, float *, int64_t,
                          const Epilogue &);
/// The copy of the product for this CPU.
MatmulFn matmulForCpu() {
#ifdef CASCADE_MICROKERNEL_CLONES
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4"))
    return matmulAvx512;
  if (__builtin_cpu_supports("x86-64-v3"))
    return matmulAvx2;
#endif
  return matmulOfBuild;
}
void matmul(const View &a, const View &b, float *c, int64_t ldc,
            const Epilogue &epi) {
  static const MatmulFn forCpu = matmulForCpu();
  forCpu(a, b, c, ldc, epi);
}

#ifdef CASCADE_MICROKERNEL_STATS
/// Time spent in the microkernel inside compiled kernels, for the benchmark
/// only (bench/cpu/build.sh builds a copy of the runtime with it): products
/// without and with an accumulated term (an attention step's scores and its
/// P.V), and packing.
struct Stats {
  std::atomic<int64_t> calls{0}, ns{0}, flops{0};
};
Stats stats[3];
struct Timed {
  Stats &s;
  int64_t flops;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~Timed() {
    s.calls += 1;
    s.flops += flops;
    s.ns += std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - t0)
                .count();
  }
};
#define CASCADE_TIMED(kind, flopCount)                                         \
  Timed timed_ { stats[kind], flopCount }
#else
#define CASCADE_TIMED(kind, flopCount)
#endif

/// C [M, N] (contiguous rows) = alpha * op(A) . op(B) + diag(s) . Acc:
/// what the entry points below share.
void product(Memref2D<float> *a, Memref2D<float> *b, Memref2D<float> *c,
             int64_t transA, int64_t transB, const Epilogue &epi) {
  View va = viewOf(a, transA), vb = viewOf(b, transB);
  CASCADE_TIMED(epi.acc ? 1 : 0, 2 * va.rows * va.cols * vb.cols);
  float *out = c->aligned + c->offset;
  if (epi.colMax)
    for (int64_t j = 0; j < vb.cols; ++j)
      epi.colMax[j] = -__builtin_inff();
  if (va.rows == 0 || vb.cols == 0)
    return;
  if (va.cols == 0) {
    // No products to sum: only the accumulated term, if any.
    for (int64_t i = 0; i < va.rows; ++i)
      for (int64_t j = 0; j < vb.cols; ++j) {
        float x = epi.acc ? epi.rowScale[i * epi.scaleStride] *
                                epi.acc[i * epi.accRs + j * epi.accCs]
                          : 0.0f;
        out[i * c->strides[0] + j] = x;
        if (epi.colMax && x > epi.colMax[j])
          epi.colMax[j] = x;
      }
    return;
  }
  matmul(va, vb, out, c->strides[0], epi);
}

/// The epilogue + diag(scale) . Acc.
Epilogue accumulating(Memref2D<float> *acc, Memref1D<float> *scale) {
  Epilogue epi;
  epi.acc = acc->aligned + acc->offset;
  epi.accRs = acc->strides[0];
  epi.accCs = acc->strides[1];
  epi.rowScale = scale->aligned + scale->offset;
  epi.scaleStride = scale->stride;
  return epi;
}

/// Whether `packed` holds op(B) in panels (ceil(N / 64) x K x 64 floats);
/// else reports a kernel error. The panel width is part of the ABI between
/// compiled kernels (which size the buffer) and this runtime: kernels
/// compiled for 32-wide panels (cascade-compile before 2026-11-25) get an
/// error here instead of an overflowing buffer.
bool holdsPanels(Memref1D<float> *packed, const View &b, const char *who) {
  int64_t need = cascade::abi::packedFloats(b.rows, b.cols);
  if (packed->size >= need && (packed->stride == 1 || need == 0))
    return true;
  cascade_rt_fail("%s: the packed operand holds %lld floats (stride %lld), "
                  "its panels need %lld contiguous ones (a kernel compiled by "
                  "another version of cascade-compile? recompile it)",
                  who, (long long)packed->size, (long long)packed->stride,
                  (long long)need);
  return false;
}

/// Whether `colMax` holds op(B)'s N columns contiguously; else reports a
/// kernel error.
bool holdsColumns(Memref1D<float> *colMax, const View &b) {
  if (colMax->size >= b.cols && (colMax->stride == 1 || b.cols <= 1))
    return true;
  cascade_rt_fail("cascade_rt_matmul_scaled_colmax_*: the column max holds "
                  "%lld floats (stride %lld), the product has %lld columns",
                  (long long)colMax->size, (long long)colMax->stride,
                  (long long)b.cols);
  return false;
}

/// A product with op(B) given packed, once its buffer is checked.
void packedProduct(Memref2D<float> *a, Memref2D<float> *b,
                   Memref1D<float> *packed, Memref2D<float> *c, int64_t transA,
                   int64_t transB, Epilogue epi) {
  if (!holdsPanels(packed, viewOf(b, transB), "cascade_rt_matmul_*_packed_f32"))
    return;
  epi.packedB = packed->aligned + packed->offset;
  product(a, b, c, transA, transB, epi);
}

} // namespace

/// C [M, N] (contiguous rows) = op(A) . op(B).
extern "C" void _mlir_ciface_cascade_rt_matmul_f32(Memref2D<float> *a,
                                                   Memref2D<float> *b,
                                                   Memref2D<float> *c,
                                                   int64_t transA,
                                                   int64_t transB) {
  product(a, b, c, transA, transB, Epilogue{});
}

/// op(B) [K, N] in the microkernel's panels: ceil(N / 64) panels of K rows
/// of 64 floats (zeros past N). `packed` holds at least that many floats.
extern "C" void _mlir_ciface_cascade_rt_pack_b_f32(Memref2D<float> *b,
                                                   Memref1D<float> *packed,
                                                   int64_t transB) {
  View vb = viewOf(b, transB);
  CASCADE_TIMED(2, 0);
  if (holdsPanels(packed, vb, "cascade_rt_pack_b_f32"))
    packAll(vb, packed->aligned + packed->offset);
}

/// The products below with op(B) given packed (`packed`, from
/// cascade_rt_pack_b_f32 on `b`; `b` gives the sizes only).
extern "C" void _mlir_ciface_cascade_rt_matmul_packed_f32(
    Memref2D<float> *a, Memref2D<float> *b, Memref1D<float> *packed,
    Memref2D<float> *c, int64_t transA, int64_t transB) {
  packedProduct(a, b, packed, c, transA, transB, Epilogue{});
}
extern "C" void _mlir_ciface_cascade_rt_matmul_scaled_packed_f32(
    Memref2D<float> *a, Memref2D<float> *b, Memref1D<float> *packed,
    Memref2D<float> *c, float alpha, int64_t transA, int64_t transB) {
  Epilogue epi;
  epi.alpha = alpha;
  packedProduct(a, b, packed, c, transA, transB, epi);
}
/// C = alpha * op(A) . op(B) and colMax [N] (contiguous) its columns' max,
/// NaNs dropped: an attention step's scores, keys-first, with the block max
/// of the softmax (the shift of its exponentials; a NaN score reaches the
/// softmax's sum through its own weight, whatever the shift).
extern "C" void _mlir_ciface_cascade_rt_matmul_scaled_colmax_packed_f32(
    Memref2D<float> *a, Memref2D<float> *b, Memref1D<float> *packed,
    Memref2D<float> *c, Memref1D<float> *colMax, float alpha, int64_t transA,
    int64_t transB) {
  if (!holdsColumns(colMax, viewOf(b, transB)))
    return;
  Epilogue epi;
  epi.alpha = alpha;
  epi.colMax = colMax->aligned + colMax->offset;
  packedProduct(a, b, packed, c, transA, transB, epi);
}
extern "C" void _mlir_ciface_cascade_rt_matmul_acc_packed_f32(
    Memref2D<float> *a, Memref2D<float> *b, Memref1D<float> *packed,
    Memref2D<float> *acc, Memref1D<float> *scale, Memref2D<float> *c,
    int64_t transA, int64_t transB) {
  packedProduct(a, b, packed, c, transA, transB, accumulating(acc, scale));
}

/// C = alpha * op(A) . op(B): the scores' scale applied in registers.
extern "C" void _mlir_ciface_cascade_rt_matmul_scaled_f32(
    Memref2D<float> *a, Memref2D<float> *b, Memref2D<float> *c, float alpha,
    int64_t transA, int64_t transB) {
  Epilogue epi;
  epi.alpha = alpha;
  product(a, b, c, transA, transB, epi);
}

/// The same with op(B) packed per call.
extern "C" void _mlir_ciface_cascade_rt_matmul_scaled_colmax_f32(
    Memref2D<float> *a, Memref2D<float> *b, Memref2D<float> *c,
    Memref1D<float> *colMax, float alpha, int64_t transA, int64_t transB) {
  if (!holdsColumns(colMax, viewOf(b, transB)))
    return;
  Epilogue epi;
  epi.alpha = alpha;
  epi.colMax = colMax->aligned + colMax->offset;
  product(a, b, c, transA, transB, epi);
}

/// C = op(A) . op(B) + diag(scale) . Acc, Acc [M, N] and scale [M] any
/// strides: a running numerator rescaled and added to in one pass.
extern "C" void _mlir_ciface_cascade_rt_matmul_acc_f32(
    Memref2D<float> *a, Memref2D<float> *b, Memref2D<float> *acc,
    Memref1D<float> *scale, Memref2D<float> *c, int64_t transA,
    int64_t transB) {
  Epilogue epi = accumulating(acc, scale);
  product(a, b, c, transA, transB, epi);
}

#ifdef CASCADE_MICROKERNEL_STATS
/// calls, nanoseconds (summed over threads) and flops of the three kinds
/// (products, products with an accumulated term, packing); then resets.
extern "C" void cascade_rt_microkernel_stats(int64_t out[9]) {
  for (int i = 0; i < 3; ++i) {
    out[3 * i] = stats[i].calls.exchange(0);
    out[3 * i + 1] = stats[i].ns.exchange(0);
    out[3 * i + 2] = stats[i].flops.exchange(0);
  }
}
#endif
