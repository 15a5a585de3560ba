//===- Passes.h - cascade passes ------------------------------*- C++ -*-===//

#ifndef CASCADE_TRANSFORMS_PASSES_H
#define CASCADE_TRANSFORMS_PASSES_H

#include "cascade/Dialect/Cascade.h"
#include "cascade/Dialect/Tile.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace cascade {

#define GEN_PASS_DECL
#include "cascade/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cascade/Transforms/Passes.h.inc"

/// The target tile sizes are chosen for when none is given: a CPU core.
tile::TargetAttr defaultTileTarget(mlir::MLIRContext *ctx);

/// Parses a `#tile.target<...>` from `text`; reports at `what` on error.
mlir::FailureOr<tile::TargetAttr>
parseTileTarget(mlir::MLIRContext *ctx, llvm::StringRef text,
                llvm::StringRef what);

/// Rows per work item for `rows` rows of `rowBytes` each on `target`.
int64_t chooseRowTile(tile::TargetAttr target, int64_t rowBytes, int64_t rows);

/// Adds the rewrite of `cascade.grouped_einsum` into a tile program over
/// (group, row block, column block) to `patterns`; `rowTile` rows per work
/// item, or 0 to choose them from `target`.
void populateGroupedTileProgramPatterns(mlir::RewritePatternSet &patterns,
                                        tile::TargetAttr target,
                                        int64_t rowTile);

/// Adds the rewrite of `cascade.gather` into a tile program with one work
/// item per index entry to `patterns`.
void populateGatherTileProgramPatterns(mlir::RewritePatternSet &patterns);

/// Adds the rewrite of `cascade.scatter` into a tile program whose work
/// items each own a block of the rows' last dimension and add up every
/// entry in order to `patterns`.
void populateScatterTileProgramPatterns(mlir::RewritePatternSet &patterns);

/// Adds the rewrite patterns of cascade-decompose to `patterns`.
void populateDecomposePatterns(mlir::RewritePatternSet &patterns);

/// Builds the i1 predicate "mask keeps (q, k)" for index values q and k
/// (no bounds test); `runtimeArgs` are the mask's run-time tensors. Fails for
/// a mask without a lowering.
mlir::FailureOr<mlir::Value>
buildMaskPredicate(mlir::OpBuilder &b, mlir::Location loc,
                   MaskAttrInterface mask, mlir::Value q, mlir::Value k,
                   mlir::Value numQueries, mlir::Value numKeys,
                   mlir::ValueRange runtimeArgs);

/// "f32", "i64", ... as the runtime's kernel names spell an element type;
/// empty when the runtime has no kernels for it.
std::string runtimeTypeSuffix(mlir::Type type);

} // namespace cascade

#endif // CASCADE_TRANSFORMS_PASSES_H
