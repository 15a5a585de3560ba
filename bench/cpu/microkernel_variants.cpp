// Register-block variants of the runtime's f32 microkernel, timed in one
// process in alternating rounds (the loaned benchmark machine drifts within
// a run, so only ratios of interleaved measurements mean anything).
//   g++ -O3 -march=x86-64-v4 microkernel_variants.cpp -ldl \
//     -o microkernel_variants
//   ./microkernel_variants [ROUNDS [LIB.so...]]
// Each LIB (a libcascade_bench*.so of build.sh or build_variant.sh, loaded
// with its own symbols) adds the runtime's own entry points on the same
// operands: the scores' product (row-major A, B packed, alpha) and P.V's
// (column-major A, B read in place), so that the runtime's compiled blocks
// are timed against the plain ones in the same rounds.
// C[128x128] = A[128x128] . B[128x128] as in one attention step (P.V; B
// row-major), B packed into panels of NR columns beforehand; A read in
// place as the attention step's operands lie (row-major: the scores' K
// tile; column-major: P read from the keys-first scores) or packed MR rows
// at a time (inside the timed call, or beforehand).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <string>
#include <vector>

#include "aligned_vector.h"

typedef float v16 __attribute__((vector_size(64)));
constexpr int M = 128, N = 128, K = 128;

/// How the kernel reads A: as the attention step's operands lie (the
/// scores' K tile row-major, P.V's P read transposed from the keys-first
/// scores: column-major), packed into MR-row panels inside the call (the
/// packing timed), or packed beforehand (not timed).
enum ALayout { RowMajor, ColMajor, PackedPerCall, PrePacked };

template <int MR, int ALay, int ALD = M>
inline float aAt(const float *a, const float *ap, int i0, int r, int k) {
  if (ALay == RowMajor)
    return a[(i0 + r) * K + k];
  if (ALay == ColMajor)
    return a[k * ALD + i0 + r];
  return ap[(size_t)i0 * K + k * MR + r];
}

// KC < K: the depth in chunks of KC (a panel's KC x NR block of B stays in
// the L1 cache while the row blocks pass over it; C holds the partial sums
// between chunks). BLD > 0: B read in place, row-major with row stride BLD
// (P.V's values; 128: a head dim of 128), from bInPlace. ALD: the column
// stride of a column-major A (the scores' row stride).
const float *bInPlace128, *bInPlace144, *aCol144;
template <int MR, int NV, int ALay, int KC = K, int BLD = 0, int ALD = M>
__attribute__((noinline)) void kernel(const float *a, const float *bPacked,
                                      float *aPacked, float *c) {
  constexpr int NR = 16 * NV;
  if (ALD != M)
    a = aCol144;
  if (ALay == PackedPerCall)
    for (int i0 = 0; i0 + MR <= M; i0 += MR)
      for (int k = 0; k < K; ++k)
        for (int r = 0; r < MR; ++r)
          aPacked[(size_t)i0 * K + k * MR + r] = a[(i0 + r) * K + k];
  for (int j0 = 0; j0 < N; j0 += NR) {
    for (int k0 = 0; k0 < K; k0 += KC) {
      const float *panel = bPacked + (size_t)j0 * K;
      int ldp = NR;
      if (BLD) {
        panel = (BLD == 144 ? bInPlace144 : bInPlace128) + j0;
        ldp = BLD;
      }
      for (int i0 = 0; i0 + MR <= M; i0 += MR) {
        v16 acc[MR][NV];
        for (int r = 0; r < MR; ++r)
          for (int v = 0; v < NV; ++v)
            if (k0 == 0)
              acc[r][v] = v16{};
            else
              std::memcpy(&acc[r][v], c + (i0 + r) * N + j0 + 16 * v,
                          sizeof(v16));
        for (int k = k0; k < k0 + KC; ++k) {
          v16 b[NV];
          for (int v = 0; v < NV; ++v)
            std::memcpy(&b[v], panel + k * ldp + 16 * v, sizeof(v16));
          for (int r = 0; r < MR; ++r) {
            float x = aAt<MR, ALay, ALD>(a, aPacked, i0, r, k);
            for (int v = 0; v < NV; ++v)
              acc[r][v] += x * b[v];
          }
        }
        for (int r = 0; r < MR; ++r)
          for (int v = 0; v < NV; ++v)
            std::memcpy(c + (i0 + r) * N + j0 + 16 * v, &acc[r][v],
                        sizeof(v16));
      }
    }
    const float *panel = bPacked + (size_t)j0 * K;
    // Leftover rows (128 % MR), one vector row at a time.
    for (int i = M - M % MR; i < M; ++i) {
      v16 acc[NV] = {};
      for (int k = 0; k < K; ++k)
        for (int v = 0; v < NV; ++v) {
          v16 bv;
          std::memcpy(&bv, panel + k * NR + 16 * v, sizeof(v16));
          acc[v] += (ALay == ColMajor ? a[k * ALD + i] : a[i * K + k]) * bv;
        }
      for (int v = 0; v < NV; ++v)
        std::memcpy(c + i * N + j0 + 16 * v, &acc[v], sizeof(v16));
    }
  }
}

struct Variant {
  std::string name;
  int mr, nr;
  ALayout layout;
  std::function<void(const float *, const float *, float *, float *)> fn;
  float alpha = 1.0f; // C = alpha * A . B
};

// The runtime's ABI (cascade/kernel_abi.h), declared here so that this file
// builds on its own.
struct Memref1D {
  float *alloc, *aligned;
  int64_t offset, size, stride;
};
struct Memref2D {
  float *alloc, *aligned;
  int64_t offset, sizes[2], strides[2];
};
Memref2D view2D(const float *p, int64_t rows, int64_t cols, int64_t rs) {
  float *q = const_cast<float *>(p);
  return Memref2D{q, q, 0, {rows, cols}, {rs, 1}};
}
using ScaledPackedFn = void (*)(Memref2D *, Memref2D *, Memref1D *, Memref2D *,
                                float, int64_t, int64_t);
using PlainFn = void (*)(Memref2D *, Memref2D *, Memref2D *, int64_t, int64_t);

/// The variants calling LIB's entry points (see the header).
void addRuntimeVariants(std::vector<Variant> &variants, const char *lib) {
  void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    std::fprintf(stderr, "%s\n", dlerror());
    std::exit(1);
  }
  auto scaledPacked = reinterpret_cast<ScaledPackedFn>(
      dlsym(h, "_mlir_ciface_cascade_rt_matmul_scaled_packed_f32"));
  auto plain =
      reinterpret_cast<PlainFn>(dlsym(h, "_mlir_ciface_cascade_rt_matmul_f32"));
  if (!scaledPacked || !plain) {
    std::fprintf(stderr, "%s: no microkernel entry points\n", lib);
    std::exit(1);
  }
  std::string name = lib;
  name = name.substr(name.rfind('/') + 1);
  // Scores: C = 0.5 * K . Q^T with Q^T packed in 64-wide panels (the
  // harness's packing for NR = 64 is the runtime's layout).
  variants.push_back(
      {name + " row packed", 6, 64, RowMajor,
       [scaledPacked](const float *a, const float *bp, float *, float *c) {
         Memref2D A = view2D(a, M, K, K), B = view2D(nullptr, K, N, N),
                  C = view2D(c, M, N, N);
         float *p = const_cast<float *>(bp);
         Memref1D P{p, p, 0, (int64_t)K * N + 64, 1};
         scaledPacked(&A, &B, &P, &C, 0.5f, 0, 0);
       },
       0.5f});
  // P.V: A column-major (given as its transpose, transA), B row-major at a
  // row stride of 128, read in place.
  variants.push_back(
      {name + " col B128", 6, 64, ColMajor,
       [plain](const float *aT, const float *, float *, float *c) {
         Memref2D A = view2D(aT, K, M, M), B = view2D(bInPlace128, K, N, N),
                  C = view2D(c, M, N, N);
         plain(&A, &B, &C, 1, 0);
       }});
}

double nowSec() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  std::vector<Variant> variants = {
      {"6x32 row (runtime)", 6, 32, RowMajor, kernel<6, 2, RowMajor>},
      {"6x32 col (runtime)", 6, 32, ColMajor, kernel<6, 2, ColMajor>},
      {"6x32 prepacked", 6, 32, PrePacked, kernel<6, 2, PrePacked>},
      {"8x32 row", 8, 32, RowMajor, kernel<8, 2, RowMajor>},
      {"8x32 col", 8, 32, ColMajor, kernel<8, 2, ColMajor>},
      {"8x32 pack/call", 8, 32, PackedPerCall, kernel<8, 2, PackedPerCall>},
      {"8x32 prepacked", 8, 32, PrePacked, kernel<8, 2, PrePacked>},
      {"4x64 row", 4, 64, RowMajor, kernel<4, 4, RowMajor>},
      {"4x64 col", 4, 64, ColMajor, kernel<4, 4, ColMajor>},
      {"4x64 pack/call", 4, 64, PackedPerCall, kernel<4, 4, PackedPerCall>},
      {"6x64 col", 6, 64, ColMajor, kernel<6, 4, ColMajor>},
      // The runtime's blocks since 2026-11-25 (scores: row-major A against
      // packed B; P.V: column-major A), whole depth and in chunks.
      {"6x64 row", 6, 64, RowMajor, kernel<6, 4, RowMajor>},
      {"6x64 row kc64", 6, 64, RowMajor, kernel<6, 4, RowMajor, 64>},
      {"6x64 row kc32", 6, 64, RowMajor, kernel<6, 4, RowMajor, 32>},
      {"6x64 col kc64", 6, 64, ColMajor, kernel<6, 4, ColMajor, 64>},
      {"6x64 col kc32", 6, 64, ColMajor, kernel<6, 4, ColMajor, 32>},
      {"4x64 col kc64", 4, 64, ColMajor, kernel<4, 4, ColMajor, 64>},
      // P.V as the runtime runs it: B (the values) read in place at a row
      // stride of 128 floats, whose 64-column panel falls on half of L1's
      // sets; the same with a stride of 144 (all sets), and P's stride 144.
      {"6x64 col B128", 6, 64, ColMajor, kernel<6, 4, ColMajor, K, 128>},
      {"6x64 col B128 kc32", 6, 64, ColMajor, kernel<6, 4, ColMajor, 32, 128>},
      {"6x64 col B144", 6, 64, ColMajor, kernel<6, 4, ColMajor, K, 144>},
      {"6x64 col144", 6, 64, ColMajor, kernel<6, 4, ColMajor, K, 0, 144>},
      {"6x64 col144 B144", 6, 64, ColMajor,
       kernel<6, 4, ColMajor, K, 144, 144>},
      {"12x32 col", 12, 32, ColMajor, kernel<12, 2, ColMajor>},
      {"14x32 row", 14, 32, RowMajor, kernel<14, 2, RowMajor>},
      {"14x32 col", 14, 32, ColMajor, kernel<14, 2, ColMajor>},
  };
  for (int i = 2; i < argc; ++i)
    addRuntimeVariants(variants, argv[i]);
  bench::AlignedVector<float> a(M * K), b(K * N), ref(M * N, 0.0f);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = (float)((i * 37 % 101) / 101.0 - 0.5);
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = (float)((i * 53 % 97) / 97.0 - 0.5);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j)
        ref[i * N + j] += a[i * K + k] * b[k * N + j];
  bench::AlignedVector<float> aT(M * K); // A column-major: P read from S^T
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k)
      aT[k * M + i] = a[i * K + k];
  bench::AlignedVector<float> b128(b), b144((size_t)K * 144),
      aT144((size_t)K * 144);
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j)
      b144[k * 144 + j] = b[k * N + j];
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k)
      aT144[k * 144 + i] = a[i * K + k];
  bInPlace128 = b128.data();
  bInPlace144 = b144.data();
  aCol144 = aT144.data();
  auto aOf = [&](const Variant &v) {
    return v.layout == ColMajor ? aT.data() : a.data();
  };
  std::vector<std::vector<double>> rates(variants.size());
  std::vector<bench::AlignedVector<float>> bp(variants.size()),
      ap(variants.size());
  for (size_t v = 0; v < variants.size(); ++v) {
    int nr = variants[v].nr, mr = variants[v].mr;
    bp[v].assign((size_t)K * N + 64, 0.0f);
    for (int j0 = 0; j0 < N; j0 += nr)
      for (int k = 0; k < K; ++k)
        for (int j = 0; j < nr && j0 + j < N; ++j)
          bp[v][(size_t)j0 * K + k * nr + j] = b[k * N + j0 + j];
    ap[v].assign((size_t)M * K + 64, 0.0f);
    for (int i0 = 0; i0 + mr <= M; i0 += mr)
      for (int k = 0; k < K; ++k)
        for (int r = 0; r < mr; ++r)
          ap[v][(size_t)i0 * K + k * mr + r] = a[(i0 + r) * K + k];
    bench::AlignedVector<float> c(M * N);
    variants[v].fn(aOf(variants[v]), bp[v].data(), ap[v].data(), c.data());
    double err = 0;
    for (int i = 0; i < M * N; ++i)
      err = std::max(err, (double)std::abs(c[i] - variants[v].alpha * ref[i]));
    if (err > 1e-3) {
      std::printf("%s: wrong result (max error %g)\n", variants[v].name.c_str(),
                  err);
      return 1;
    }
  }
  bench::AlignedVector<float> c(M * N);
  const int reps = 400; // ~0.1 s per measurement
  for (int r = 0; r < rounds; ++r)
    for (size_t v = 0; v < variants.size(); ++v) {
      double t0 = nowSec();
      for (int i = 0; i < reps; ++i)
        variants[v].fn(aOf(variants[v]), bp[v].data(), ap[v].data(), c.data());
      double s = nowSec() - t0;
      rates[v].push_back(2.0 * M * N * K * reps / s * 1e-9);
    }
  for (size_t v = 0; v < variants.size(); ++v) {
    std::vector<double> ratio;
    for (int r = 0; r < rounds; ++r)
      ratio.push_back(rates[v][r] / rates[0][r]);
    auto med = [](std::vector<double> x) {
      std::sort(x.begin(), x.end());
      return x[x.size() / 2];
    };
    std::printf("%-20s median %6.1f GFLOP/s  median ratio to runtime %.3f  "
                "(min %.3f max %.3f)\n",
                variants[v].name.c_str(), med(rates[v]), med(ratio),
                *std::min_element(ratio.begin(), ratio.end()),
                *std::max_element(ratio.begin(), ratio.end()));
  }
}
