//===- InitAll.h - register everything cascade tools use ------*- C++ -*-===//

#ifndef CASCADE_INITALL_H
#define CASCADE_INITALL_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace cascade {

/// The cascade dialect plus the upstream dialects cascade programs use
/// (func, arith, math, tensor).
void registerAllDialects(mlir::DialectRegistry &registry);

/// Every cascade pass, for cascade-opt and --pass-pipeline.
void registerAllPasses();

/// --cascade-pipeline: decompose, fuse experts, lower routing, online
/// softmax, sparsify, canonicalize, CSE.
void buildCorePipeline(mlir::OpPassManager &pm, int64_t blockSize,
                       int64_t splits, int64_t queryBlock);

/// --cascade-lower-to-tiles: the core pipeline, then form-tile-programs,
/// canonicalize, CSE. Also the front half of the CPU target, which passes
/// `routingKernels`: grouped einsums and scatters stay whole, for its own
/// lowering (measured faster there).
void buildLowerToTilesPipeline(mlir::OpPassManager &pm, int64_t blockSize,
                               int64_t splits, int64_t queryBlock,
                               llvm::StringRef targetDesc,
                               bool routingKernels = false);

} // namespace cascade

#endif // CASCADE_INITALL_H
