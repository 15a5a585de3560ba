//===- ParallelizeHostLoops.cpp - large linalg ops outside work items -----===//
//
// A kernel's work items run in parallel (tile programs become scf.parallel),
// but linalg ops between them ran serially on the calling thread:
// convert-linalg-to-loops makes scf.for nests. In a MoE layer these are the
// zero fills of the grouped products' results (up to 8192 x 2816 floats),
// and, in the loop over the experts, the SwiGLU between an expert's GEMMs:
// at 16 threads, serial passes over hundreds of MiB. Such an op, when large,
// is tiled along its first loop that is not a unit one into an scf.parallel
// of row blocks (upstream linalg tiling), which convert-scf-to-openmp
// spreads over the threads like the work items.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEPARALLELIZEHOSTLOOPS
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;

namespace {

/// The product of `op`'s static loop ranges, and whether any is dynamic.
std::pair<int64_t, bool> staticElements(linalg::LinalgOp op) {
  int64_t n = 1;
  bool dynamic = false;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      dynamic = true;
    else
      n *= range;
  }
  return {n, dynamic};
}

/// The first of `op`'s loops whose range is not a static 1, if any.
std::optional<unsigned> outerLoop(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (auto [d, range] : llvm::enumerate(ranges))
    if (range != 1)
      return d;
  return std::nullopt;
}

struct ParallelizeHostLoopsPass
    : cascade::impl::CascadeParallelizeHostLoopsBase<ParallelizeHostLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Each op to spread, with the loop whose blocks the threads take.
    SmallVector<std::pair<linalg::LinalgOp, unsigned>> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      // Buffers only (after bufferization), outside any parallel loop or
      // OpenMP region (a work item's own ops stay in its thread).
      if (!op.hasPureBufferSemantics() ||
          op->getParentOfType<scf::ParallelOp>() ||
          op->getParentOfType<scf::ForallOp>() ||
          op->getParentOfType<omp::ParallelOp>())
        return;
      // Blocks of the first loop that is not a unit one (a batch of 1).
      std::optional<unsigned> d = outerLoop(op);
      if (!d || op.getIteratorTypesArray()[*d] != utils::IteratorType::parallel)
        return;
      auto [n, dynamic] = staticElements(op);
      // A run-time size may be small: then the static part must be large
      // enough on its own for a few rows to pay for waking the threads.
      if (n < (dynamic ? minRowElements : minElements))
        return;
      candidates.push_back({op, *d});
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, d] : candidates) {
      // Rows per block: at least blockElements elements a block; one row
      // when a row has a run-time size (a sequence length: large).
      int64_t rowElements = 1;
      bool dynamicRow = false;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      for (int64_t range : ArrayRef<int64_t>(ranges).drop_front(d + 1)) {
        dynamicRow |= ShapedType::isDynamic(range);
        rowElements *= ShapedType::isDynamic(range) ? 1 : range;
      }
      int64_t rows =
          dynamicRow ? 1
                     : std::max<int64_t>(1, (blockElements + rowElements - 1) /
                                                rowElements);
      SmallVector<int64_t> sizes(op.getNumLoops(), 0);
      sizes[d] = rows;
      linalg::LinalgTilingOptions options;
      options.setTileSizes(sizes).setLoopType(
          linalg::LinalgTilingLoopType::ParallelLoops);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::TiledLinalgOp> tiled =
          linalg::tileLinalgOp(rewriter, op, options);
      if (failed(tiled))
        continue; // left as it was: a serial loop nest
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
