//===- Cascade.h - the cascade dialect ------------------------*- C++ -*-===//

#ifndef CASCADE_DIALECT_CASCADE_H
#define CASCADE_DIALECT_CASCADE_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace cascade {
/// What a mask does to a (query block, key block): the values are those of
/// the tables cascade.classify_blocks produces.
enum class BlockClass : int8_t { Empty = 0, Partial = 1, Full = 2 };

/// Unit attribute on an iterative einsum: a step whose key block the mask
/// drops entirely leaves the state unchanged, so lowerings may skip it.
/// cascade-online-softmax sets it on the running states it builds.
inline constexpr llvm::StringLiteral kEmptyBlockIdentityAttr =
    "cascade.empty_block_identity";
/// Unit attribute on a math.exp whose argument is at most 0 or NaN (a
/// softmax's score minus its row's max): lowerings need not guard it
/// against overflow. cascade-online-softmax sets it.
inline constexpr llvm::StringLiteral kNonPositiveArgumentAttr =
    "cascade.nonpositive_argument";
/// Unit attribute on a max-reducing einsum whose result only shifts the
/// exponentials of the values it reduces (a softmax's block max): where those
/// values hold a NaN, the weight of that NaN is NaN and reaches the softmax's
/// sum whatever the shift, so the max need not carry the NaN itself.
/// Lowerings may then take the max of the non-NaN values (arith.maxnumf, or
/// a max instruction in the scores' microkernel) instead of IEEE maximum.
/// cascade-online-softmax sets it.
inline constexpr llvm::StringLiteral kSoftmaxShiftAttr =
    "cascade.softmax_shift";
/// Index attribute on an einsum with a static result whose rows the
/// conversion to linalg allocates longer (this many elements, at least the
/// result's last dimension) and reads through a slice: P, read column-major
/// by P.V, with rows of an odd number of cache lines. cascade-convert-to-
/// linalg sets and reads it.
inline constexpr llvm::StringLiteral kPaddedRowAttr = "cascade.padded_row";
/// Function argument and result attributes: the name of an input or output
/// in cascade-run's files and the AOT header (a string), and the range of
/// cascade-run's random integer inputs (`array<i64: lo, hi>`, lo < hi).
inline constexpr llvm::StringLiteral kNameAttr = "cascade.name";
inline constexpr llvm::StringLiteral kRangeAttr = "cascade.range";
} // namespace cascade

// Generated declarations, in dependency order.
// clang-format off
#include "cascade/Dialect/CascadeDialect.h.inc"
#include "cascade/Dialect/CascadeEnums.h.inc"
#include "cascade/Dialect/CascadeAttrInterfaces.h.inc"
// clang-format on

#define GET_ATTRDEF_CLASSES
#include "cascade/Dialect/CascadeAttrs.h.inc"

#define GET_OP_CLASSES
#include "cascade/Dialect/CascadeOps.h.inc"

#endif // CASCADE_DIALECT_CASCADE_H
