// Register-block variants of the runtime's f32 microkernel, timed in one
// process in alternating rounds (the loaned benchmark machine drifts within
// a run, so only ratios of interleaved measurements mean anything).
//   g++ -O3 -march=x86-64-v4 microkernel_variants.cpp -o microkernel_variants
//   ./microkernel_variants [ROUNDS]
// C[128x128] = A[128x128] . B[128x128] as in one attention step (P.V; B
// row-major), B packed into panels of NR columns beforehand; A read in
// place (row broadcasts, as the runtime does) or packed MR rows at a time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

typedef float v16 __attribute__((vector_size(64)));
constexpr int M = 128, N = 128, K = 128;

template <int MR, int NV, bool PackedA>
__attribute__((noinline)) void kernel(const float *a, const float *bPacked,
                                      const float *aPacked, float *c) {
  constexpr int NR = 16 * NV;
  for (int j0 = 0; j0 < N; j0 += NR) {
    const float *panel = bPacked + (size_t)j0 * K;
    for (int i0 = 0; i0 + MR <= M; i0 += MR) {
      v16 acc[MR][NV];
      for (int r = 0; r < MR; ++r)
        for (int v = 0; v < NV; ++v)
          acc[r][v] = v16{};
      const float *ap = aPacked + (size_t)i0 * K;
      for (int k = 0; k < K; ++k) {
        v16 b[NV];
        for (int v = 0; v < NV; ++v)
          std::memcpy(&b[v], panel + k * NR + 16 * v, sizeof(v16));
        for (int r = 0; r < MR; ++r) {
          float x = PackedA ? ap[k * MR + r] : a[(i0 + r) * K + k];
          for (int v = 0; v < NV; ++v)
            acc[r][v] += x * b[v];
        }
      }
      for (int r = 0; r < MR; ++r)
        for (int v = 0; v < NV; ++v)
          std::memcpy(c + (i0 + r) * N + j0 + 16 * v, &acc[r][v], sizeof(v16));
    }
    // Leftover rows (128 % MR), one vector row at a time.
    for (int i = M - M % MR; i < M; ++i) {
      v16 acc[NV] = {};
      for (int k = 0; k < K; ++k)
        for (int v = 0; v < NV; ++v) {
          v16 bv;
          std::memcpy(&bv, panel + k * NR + 16 * v, sizeof(v16));
          acc[v] += a[i * K + k] * bv;
        }
      for (int v = 0; v < NV; ++v)
        std::memcpy(c + i * N + j0 + 16 * v, &acc[v], sizeof(v16));
    }
  }
}

struct Variant {
  std::string name;
  int mr, nr;
  bool packedA;
  void (*fn)(const float *, const float *, const float *, float *);
};

double nowSec() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  std::vector<Variant> variants = {
      {"6x32 (runtime)", 6, 32, false, kernel<6, 2, false>},
      {"6x32 packed A", 6, 32, true, kernel<6, 2, true>},
      {"4x64", 4, 64, false, kernel<4, 4, false>},
      {"4x64 packed A", 4, 64, true, kernel<4, 4, true>},
      {"6x64 packed A", 6, 64, true, kernel<6, 4, true>},
      {"8x32 packed A", 8, 32, true, kernel<8, 2, true>},
      {"12x32 packed A", 12, 32, true, kernel<12, 2, true>},
      {"14x32", 14, 32, false, kernel<14, 2, false>},
  };
  std::vector<float> a(M * K), b(K * N), ref(M * N, 0.0f);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = (float)((i * 37 % 101) / 101.0 - 0.5);
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = (float)((i * 53 % 97) / 97.0 - 0.5);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j)
        ref[i * N + j] += a[i * K + k] * b[k * N + j];
  std::vector<std::vector<double>> rates(variants.size());
  std::vector<std::vector<float>> bp(variants.size()), ap(variants.size());
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
    std::vector<float> c(M * N);
    variants[v].fn(a.data(), bp[v].data(), ap[v].data(), c.data());
    double err = 0;
    for (int i = 0; i < M * N; ++i)
      err = std::max(err, (double)std::abs(c[i] - ref[i]));
    if (err > 1e-3) {
      std::printf("%s: wrong result (max error %g)\n", variants[v].name.c_str(),
                  err);
      return 1;
    }
  }
  std::vector<float> c(M * N);
  const int reps = 400; // ~0.1 s per measurement
  for (int r = 0; r < rounds; ++r)
    for (size_t v = 0; v < variants.size(); ++v) {
      double t0 = nowSec();
      for (int i = 0; i < reps; ++i)
        variants[v].fn(a.data(), bp[v].data(), ap[v].data(), c.data());
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
    std::printf("%-16s median %6.1f GFLOP/s  median ratio to runtime %.3f  "
                "(min %.3f max %.3f)\n",
                variants[v].name.c_str(), med(rates[v]), med(ratio),
                *std::min_element(ratio.begin(), ratio.end()),
                *std::max_element(ratio.begin(), ratio.end()));
  }
}
