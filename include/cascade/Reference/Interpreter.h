//===- Interpreter.h - float64 reference interpreter ----------*- C++ -*-===//
//
// Executes a function of cascade ops (and the func/arith/math/tensor ops used
// around them) on the host in float64. It is the oracle of every numeric test:
// composites (attention, moe) are executed directly by their definition, not
// through cascade-decompose, so the decomposition is checked against them.
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_REFERENCE_INTERPRETER_H
#define CASCADE_REFERENCE_INTERPRETER_H

#include "cascade/Support/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

namespace cascade {

/// DType of an MLIR element type, or nullopt when the type is not one the
/// tools exchange.
std::optional<DType> dtypeOf(mlir::Type elementType);

/// Runs `func` on `args` (one per argument, shapes and dtypes checked).
/// Run-time errors (an index out of range, ...) are reported as diagnostics
/// at the offending op and give failure.
mlir::FailureOr<llvm::SmallVector<HostTensor>>
interpret(mlir::func::FuncOp func, llvm::ArrayRef<HostTensor> args);

} // namespace cascade

#endif // CASCADE_REFERENCE_INTERPRETER_H
