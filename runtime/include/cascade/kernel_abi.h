/*===- kernel_abi.h - what compiled code calls in the runtime ---*- C++ -*-===//
 *
 * The runtime functions that generated code calls
 * (cascade-convert-to-linalg{microkernels},
 * cascade-convert-routing-to-runtime, finalize-memref-to-llvm's generic
 * allocation functions), declared with MLIR's memref descriptors: for the
 * runtime itself and for its tests and benchmarks. Applications use
 * runtime.h and the headers cascade-compile writes, not this.
 *
 *===----------------------------------------------------------------------===*/

#ifndef CASCADE_KERNEL_ABI_H
#define CASCADE_KERNEL_ABI_H

#include <cstdint>

namespace cascade::abi {

/// Columns per panel of cascade_rt_pack_b_f32's layout: op(B) [K, N] packed
/// is ceil(N / w) panels of K rows of w floats (zeros past N). Compiled
/// kernels size the buffer by it (cascade-convert-to-linalg); the packed
/// calls check it.
constexpr int64_t kPackedPanelWidth = 64;

/// Floats of op(B) [depth, n] packed.
constexpr int64_t packedFloats(int64_t depth, int64_t n) {
  return (n + kPackedPanelWidth - 1) / kPackedPanelWidth * depth *
         kPackedPanelWidth;
}

/// bf16 elements of op(B) [depth, n] packed in pairs of rows for the bf16
/// products (cascade_rt_pack_b_bf16): ceil(n / w) panels of ceil(depth / 2)
/// rows of w pairs, element (k, j) of a panel at ((k / 2) w + j) 2 + k % 2.
constexpr int64_t packedBf16Elements(int64_t depth, int64_t n) {
  return (n + kPackedPanelWidth - 1) / kPackedPanelWidth * ((depth + 1) / 2) *
         2 * kPackedPanelWidth;
}

/// MLIR's descriptor of a 1-D strided memref (what `_mlir_ciface_` functions
/// receive a pointer to).
template <typename T> struct Memref1D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
  T &operator[](int64_t i) const { return aligned[offset + i * stride]; }
};

/// MLIR's descriptor of a 2-D strided memref.
template <typename T> struct Memref2D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

} // namespace cascade::abi

extern "C" {
/// C [M, N] (contiguous rows) = op(A) . op(B), op transposing when the flag
/// is set (runtime/lib/Microkernels.cpp).
void _mlir_ciface_cascade_rt_matmul_f32(cascade::abi::Memref2D<float> *a,
                                        cascade::abi::Memref2D<float> *b,
                                        cascade::abi::Memref2D<float> *c,
                                        int64_t transA, int64_t transB);
/// C = alpha * op(A) . op(B) (the scale of attention scores).
void _mlir_ciface_cascade_rt_matmul_scaled_f32(cascade::abi::Memref2D<float> *a,
                                               cascade::abi::Memref2D<float> *b,
                                               cascade::abi::Memref2D<float> *c,
                                               float alpha, int64_t transA,
                                               int64_t transB);
/// C = alpha * op(A) . op(B) and colMax [N] (contiguous) = the max of each
/// of C's columns, NaNs dropped (an attention step's scores, keys-first,
/// with the softmax's block max: cascade.softmax_shift).
void _mlir_ciface_cascade_rt_matmul_scaled_colmax_f32(
    cascade::abi::Memref2D<float> *a, cascade::abi::Memref2D<float> *b,
    cascade::abi::Memref2D<float> *c, cascade::abi::Memref1D<float> *colMax,
    float alpha, int64_t transA, int64_t transB);
/// C = op(A) . op(B) + diag(scale) . Acc (a running numerator rescaled and
/// added to).
void _mlir_ciface_cascade_rt_matmul_acc_f32(
    cascade::abi::Memref2D<float> *a, cascade::abi::Memref2D<float> *b,
    cascade::abi::Memref2D<float> *acc, cascade::abi::Memref1D<float> *scale,
    cascade::abi::Memref2D<float> *c, int64_t transA, int64_t transB);

/// op(B) packed into the microkernel's panels (ceil(N / 64) x K x 64
/// floats), and the products above reading it instead of B's data.
void _mlir_ciface_cascade_rt_pack_b_f32(cascade::abi::Memref2D<float> *b,
                                        cascade::abi::Memref1D<float> *packed,
                                        int64_t transB);
void _mlir_ciface_cascade_rt_matmul_packed_f32(
    cascade::abi::Memref2D<float> *a, cascade::abi::Memref2D<float> *b,
    cascade::abi::Memref1D<float> *packed, cascade::abi::Memref2D<float> *c,
    int64_t transA, int64_t transB);
void _mlir_ciface_cascade_rt_matmul_scaled_packed_f32(
    cascade::abi::Memref2D<float> *a, cascade::abi::Memref2D<float> *b,
    cascade::abi::Memref1D<float> *packed, cascade::abi::Memref2D<float> *c,
    float alpha, int64_t transA, int64_t transB);
void _mlir_ciface_cascade_rt_matmul_scaled_colmax_packed_f32(
    cascade::abi::Memref2D<float> *a, cascade::abi::Memref2D<float> *b,
    cascade::abi::Memref1D<float> *packed, cascade::abi::Memref2D<float> *c,
    cascade::abi::Memref1D<float> *colMax, float alpha, int64_t transA,
    int64_t transB);
void _mlir_ciface_cascade_rt_matmul_acc_packed_f32(
    cascade::abi::Memref2D<float> *a, cascade::abi::Memref2D<float> *b,
    cascade::abi::Memref1D<float> *packed, cascade::abi::Memref2D<float> *acc,
    cascade::abi::Memref1D<float> *scale, cascade::abi::Memref2D<float> *c,
    int64_t transA, int64_t transB);

/// Products with bf16 operands (runtime/lib/MicrokernelsBf16.cpp): both
/// operands rounded to bf16, products summed in f32, C f32. One set per
/// operand pair, named by it: _f32_bf16 (A f32, B bf16), _bf16_f32,
/// _bf16_bf16; the packed ones take B from cascade_rt_pack_b_bf16 (B bf16)
/// or cascade_rt_pack_b_f32_as_bf16 (B f32, rounded).
void _mlir_ciface_cascade_rt_pack_b_bf16(
    cascade::abi::Memref2D<uint16_t> *b,
    cascade::abi::Memref1D<uint16_t> *packed, int64_t transB);
void _mlir_ciface_cascade_rt_pack_b_f32_as_bf16(
    cascade::abi::Memref2D<float> *b, cascade::abi::Memref1D<uint16_t> *packed,
    int64_t transB);
#define CASCADE_DECLARE_BF16_PRODUCTS(TA, TB, SUFFIX)                          \
  void _mlir_ciface_cascade_rt_matmul_##SUFFIX(                                \
      cascade::abi::Memref2D<TA> *a, cascade::abi::Memref2D<TB> *b,            \
      cascade::abi::Memref2D<float> *c, int64_t transA, int64_t transB);       \
  void _mlir_ciface_cascade_rt_matmul_scaled_##SUFFIX(                         \
      cascade::abi::Memref2D<TA> *a, cascade::abi::Memref2D<TB> *b,            \
      cascade::abi::Memref2D<float> *c, float alpha, int64_t transA,           \
      int64_t transB);                                                         \
  void _mlir_ciface_cascade_rt_matmul_acc_##SUFFIX(                            \
      cascade::abi::Memref2D<TA> *a, cascade::abi::Memref2D<TB> *b,            \
      cascade::abi::Memref2D<float> *acc,                                      \
      cascade::abi::Memref1D<float> *scale, cascade::abi::Memref2D<float> *c,  \
      int64_t transA, int64_t transB);
#define CASCADE_DECLARE_BF16_PACKED_PRODUCTS(TA, TB, SUFFIX)                   \
  void _mlir_ciface_cascade_rt_matmul_packed_##SUFFIX(                         \
      cascade::abi::Memref2D<TA> *a, cascade::abi::Memref2D<TB> *b,            \
      cascade::abi::Memref1D<uint16_t> *packed,                                \
      cascade::abi::Memref2D<float> *c, int64_t transA, int64_t transB);       \
  void _mlir_ciface_cascade_rt_matmul_scaled_packed_##SUFFIX(                  \
      cascade::abi::Memref2D<TA> *a, cascade::abi::Memref2D<TB> *b,            \
      cascade::abi::Memref1D<uint16_t> *packed,                                \
      cascade::abi::Memref2D<float> *c, float alpha, int64_t transA,           \
      int64_t transB);                                                         \
  void _mlir_ciface_cascade_rt_matmul_acc_packed_##SUFFIX(                     \
      cascade::abi::Memref2D<TA> *a, cascade::abi::Memref2D<TB> *b,            \
      cascade::abi::Memref1D<uint16_t> *packed,                                \
      cascade::abi::Memref2D<float> *acc,                                      \
      cascade::abi::Memref1D<float> *scale, cascade::abi::Memref2D<float> *c,  \
      int64_t transA, int64_t transB);
CASCADE_DECLARE_BF16_PRODUCTS(float, uint16_t, f32_bf16)
CASCADE_DECLARE_BF16_PRODUCTS(uint16_t, float, bf16_f32)
CASCADE_DECLARE_BF16_PRODUCTS(uint16_t, uint16_t, bf16_bf16)
CASCADE_DECLARE_BF16_PACKED_PRODUCTS(uint16_t, uint16_t, bf16_bf16)
#undef CASCADE_DECLARE_BF16_PRODUCTS
#undef CASCADE_DECLARE_BF16_PACKED_PRODUCTS
/// The path of bf16 x bf16 products, for tests and benchmarks: 0 widened
/// to f32, 1 VDPBF16PS (AVX512-BF16), 2 AMX tiles, -1 the default for the
/// CPU. A path the CPU lacks falls back to 0. Returns the path now taken.
/// Packed operands do not depend on it.
int cascade_rt_set_bf16_path(int path);

/// cascade.check_indices: reports the first entry outside [lower, upper)
/// (or not nondecreasing, per flags) and writes an in-range copy to `out`
/// (runtime/lib/RoutingKernels.cpp).
void _mlir_ciface_cascade_rt_check_i64(cascade::abi::Memref1D<int64_t> *in,
                                       cascade::abi::Memref1D<int64_t> *out,
                                       int64_t lower, int64_t upper,
                                       int64_t allow, int64_t flags,
                                       cascade::abi::Memref1D<char> *what);
void _mlir_ciface_cascade_rt_check_i32(cascade::abi::Memref1D<int32_t> *in,
                                       cascade::abi::Memref1D<int32_t> *out,
                                       int64_t lower, int64_t upper,
                                       int64_t allow, int64_t flags,
                                       cascade::abi::Memref1D<char> *what);

/// The heap of compiled code (runtime/lib/Allocator.cpp).
void *_mlir_memref_to_llvm_alloc(uint64_t size);
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size);
void _mlir_memref_to_llvm_free(void *p);
}

#endif // CASCADE_KERNEL_ABI_H
