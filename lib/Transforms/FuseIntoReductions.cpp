//===- FuseIntoReductions.cpp - reductions in their producers' loops -----===//
//
// The softmax of an attention step stores exp(S - m) for P.V and sums it
// over the keys. As two generics, the sum reads the whole tile of
// exponentials back; fused, it adds each one as it is computed. Upstream's
// elementwise fusion does the rewrite (keeping the producer's result where
// it has other readers); the control below restricts it to producers that
// span the reduction's whole iteration space and have other readers, the
// one case where fusing saves a pass over the tile without recomputing
// anything.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEFUSEINTOREDUCTIONS
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;

namespace {

/// Whether `operand` of a reduction reads an all-parallel generic's result
/// one element per iteration of the reduction (a permutation of its loops),
/// and that result is read elsewhere too, only after the reduction (the
/// fused generic, which takes the reduction's place, defines it for them).
bool fusesIntoReduction(OpOperand *operand, DominanceInfo &dominance) {
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  if (!consumer || !producer || consumer.getNumReductionLoops() == 0)
    return false;
  if (producer.getNumLoops() != consumer.getNumLoops() ||
      producer.getNumParallelLoops() != producer.getNumLoops())
    return false;
  if (!consumer.getMatchingIndexingMap(operand).isPermutation())
    return false;
  // Read by the reduction alone, the producer would be fused by upstream's
  // own pass anyway; this one is for results that stay materialized.
  if (operand->get().hasOneUse())
    return false;
  for (Operation *user : producer->getUsers())
    if (user != consumer && !dominance.properlyDominates(consumer, user))
      return false;
  return true;
}

/// Fuses the producer of a reduction's operand into it where
/// fusesIntoReduction says so (upstream's rewrite, upstream's replacement
/// of the producer's and consumer's results).
struct FuseProducerIntoReduction : OpRewritePattern<linalg::GenericOp> {
  FuseProducerIntoReduction(MLIRContext *ctx, DominanceInfo &dominance)
      : OpRewritePattern(ctx), dominance(dominance) {}
  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand &operand : consumer->getOpOperands()) {
      if (!fusesIntoReduction(&operand, dominance) ||
          !linalg::areElementwiseOpsFusable(&operand))
        continue;
      Operation *producer = operand.get().getDefiningOp();
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(fused))
        continue;
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
          return use.getOwner() != fused->fusedOp;
        });
      rewriter.eraseOp(consumer);
      if (producer->use_empty())
        rewriter.eraseOp(producer);
      return success();
    }
    return failure();
  }
  DominanceInfo &dominance;
};

struct FuseIntoReductionsPass
    : cascade::impl::CascadeFuseIntoReductionsBase<FuseIntoReductionsPass> {
  void runOnOperation() override {
    // Fusion only adds an op where the reduction was and erases ops that
    // have no uses left, so the analysis stays valid for the ops it asks
    // about (each fusion is checked before any later one is made).
    DominanceInfo dominance(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseProducerIntoReduction>(&getContext(), dominance);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
