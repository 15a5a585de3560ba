//===- Microkernels.h - contractions the CPU microkernel takes --*- C++ -*-===//
//
// What cascade-convert-to-linalg (with microkernels) and
// cascade-microkernel-layout agree on: which einsums are matrix products for
// the runtime's microkernel, and which operand is its A (broadcast row by
// row) and which its B (packed into panels).
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_LIB_CONVERSION_MICROKERNELS_H
#define CASCADE_LIB_CONVERSION_MICROKERNELS_H

#include "cascade/Dialect/Cascade.h"

#include "llvm/ADT/DenseMap.h"

#include <string>

namespace cascade::microkernel {

/// A contraction of matrix shape (after dropping unit dimensions: C[i, j] =
/// sum_k A[i|k] B[k|j], C f32, A and B f32 or bf16), as the runtime's
/// register-blocked microkernels (runtime/lib/Microkernels.cpp, and
/// MicrokernelsBf16.cpp when an operand is bf16) see it.
struct MatmulShape {
  mlir::Value a, b;
  bool transA = false, transB = false;
  /// C's rows and columns: the first and second dimensions of the result
  /// that are not 1.
  int64_t rowDim = -1, colDim = -1;
};

/// The suffix of the runtime's entry points for a product of these operands:
/// "_f32" for f32 x f32, else "_<A>_<B>" ("_f32_bf16", "_bf16_bf16", ...).
inline std::string operandSuffix(const MatmulShape &m) {
  auto name = [](mlir::Value v) -> std::string {
    return mlir::cast<mlir::RankedTensorType>(v.getType())
                   .getElementType()
                   .isBF16()
               ? "bf16"
               : "f32";
  };
  std::string a = name(m.a), b = name(m.b);
  return a == "f32" && b == "f32" ? "_f32" : "_" + a + "_" + b;
}

/// Whether the product runs in bf16 (either operand bf16): B is then packed
/// in pairs of bf16 rows.
inline bool isBf16Product(const MatmulShape &m) {
  return operandSuffix(m) != "_f32";
}

inline mlir::FailureOr<MatmulShape> matchMatmul(EinsumOp op) {
  if (op.getIterate() || op.getMask() || !op.getBody().empty() ||
      op.getMap() != MapKind::mul || op.getReduce() != ReduceKind::add ||
      op.getInputs().size() != 2)
    return mlir::failure();
  auto elementType = [](mlir::Value v) {
    return mlir::cast<mlir::RankedTensorType>(v.getType()).getElementType();
  };
  auto isOperandType = [&](mlir::Value v) {
    return elementType(v).isF32() || elementType(v).isBF16();
  };
  if (!elementType(op.getResult()).isF32() ||
      !isOperandType(op.getInputs()[0]) || !isOperandType(op.getInputs()[1]))
    return mlir::failure();
  EinsumOp::Indices indices = op.getIndices();
  llvm::DenseMap<char, int64_t> size;
  for (auto [input, names] : llvm::zip(op.getInputs(), indices.inputs))
    for (auto [d, c] : llvm::enumerate(names))
      size[c] =
          mlir::cast<mlir::RankedTensorType>(input.getType()).getDimSize(d);
  auto nonUnit = [&](llvm::StringRef names) {
    std::string out;
    for (char c : names)
      if (size[c] != 1)
        out.push_back(c);
    return out;
  };
  std::string result = nonUnit(indices.result);
  std::string reduced = nonUnit(op.getReducedIndices());
  if (result.size() != 2 || reduced.size() != 1)
    return mlir::failure();
  char i = result[0], j = result[1], k = reduced[0];
  // Products of a few rows or columns (a decode step's query heads against
  // a block of keys) stay generated loops: the microkernel's 6-row blocks
  // and 32-column panels would be mostly padding, and packing B for a few
  // rows costs a copy of it. Measured on a decode step (bench/RESULTS.md).
  // A run-time size (an expert's segment of tokens) counts as large: its
  // kDynamic is negative, and taking it for "few" sent the MoE's grouped
  // GEMMs to generated loops (70x slower, bench/RESULTS.md).
  constexpr int64_t kMinRowsOrColumns = 8;
  auto few = [](int64_t n) {
    return !mlir::ShapedType::isDynamic(n) && n < kMinRowsOrColumns;
  };
  if (few(size[i]) || few(size[j]))
    return mlir::failure();
  std::string in0 = nonUnit(indices.inputs[0]);
  std::string in1 = nonUnit(indices.inputs[1]);
  auto holds = [](llvm::StringRef s, char a, char b) {
    return s.size() == 2 && s.contains(a) && s.contains(b);
  };
  int aIndex;
  if (holds(in0, i, k) && holds(in1, j, k))
    aIndex = 0;
  else if (holds(in1, i, k) && holds(in0, j, k))
    aIndex = 1;
  else
    return mlir::failure();
  MatmulShape m;
  m.a = op.getInputs()[aIndex];
  m.b = op.getInputs()[1 - aIndex];
  m.transA = (aIndex ? in1 : in0)[0] == k;
  m.transB = (aIndex ? in0 : in1)[0] == j;
  m.rowDim = llvm::StringRef(indices.result).find(i);
  m.colDim = llvm::StringRef(indices.result).find(j);
  return m;
}

} // namespace cascade::microkernel

#endif // CASCADE_LIB_CONVERSION_MICROKERNELS_H
