//===- InitAll.h - register everything cascade tools use ------*- C++ -*-===//

#ifndef CASCADE_INITALL_H
#define CASCADE_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace cascade {

/// The cascade dialect plus the upstream dialects cascade programs use
/// (func, arith, math, tensor).
void registerAllDialects(mlir::DialectRegistry &registry);

/// Every cascade pass, for cascade-opt and --pass-pipeline.
void registerAllPasses();

} // namespace cascade

#endif // CASCADE_INITALL_H
