//===- Passes.h - cascade passes ------------------------------*- C++ -*-===//

#ifndef CASCADE_TRANSFORMS_PASSES_H
#define CASCADE_TRANSFORMS_PASSES_H

#include "cascade/Dialect/Cascade.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace cascade {

#define GEN_PASS_DECL
#include "cascade/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cascade/Transforms/Passes.h.inc"

/// Adds the rewrite patterns of cascade-decompose to `patterns`.
void populateDecomposePatterns(mlir::RewritePatternSet &patterns);

} // namespace cascade

#endif // CASCADE_TRANSFORMS_PASSES_H
