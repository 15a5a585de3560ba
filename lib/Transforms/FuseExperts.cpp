//===- FuseExperts.cpp - activation into grouped contractions -------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEFUSEEXPERTS
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

/// act(grouped(x, w1), grouped(x, w2), ...) -> grouped(x, w1, w2, ...) {act}
struct FuseActivation : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EinsumOp act,
                                PatternRewriter &rewriter) const override {
    if (act.getBody().empty() || act.getMask() || act.getIterate() ||
        (act.getReduce() && *act.getReduce() != ReduceKind::none))
      return rewriter.notifyMatchFailure(act, "not an elementwise map");
    EinsumOp::Indices idx = act.getIndices();
    SmallVector<GroupedEinsumOp> parts;
    for (auto [letters, input] : llvm::zip(idx.inputs, act.getInputs())) {
      auto grouped = input.getDefiningOp<GroupedEinsumOp>();
      // Same layout in and out: the map is elementwise over the result.
      if (!grouped || !grouped.getEpilogue().empty() || !input.hasOneUse() ||
          letters != idx.result || input.getType() != act.getType())
        return rewriter.notifyMatchFailure(act, "input is not a grouped "
                                                "contraction used only here");
      if (!parts.empty() && (grouped.getLhs() != parts[0].getLhs() ||
                             grouped.getOffsets() != parts[0].getOffsets() ||
                             grouped.getSpec() != parts[0].getSpec() ||
                             grouped.getWeights()[0].getType() !=
                                 parts[0].getWeights()[0].getType()))
        return rewriter.notifyMatchFailure(act, "contractions differ");
      parts.push_back(grouped);
    }
    SmallVector<Value> weights;
    for (GroupedEinsumOp part : parts)
      weights.push_back(part.getWeights()[0]);
    // The fused op reads every weight: create it after the last part.
    GroupedEinsumOp last = parts[0];
    for (GroupedEinsumOp part : parts)
      if (last->isBeforeInBlock(part))
        last = part;
    rewriter.setInsertionPointAfter(last);
    auto fused = GroupedEinsumOp::create(
        rewriter, act.getLoc(), act.getType(), parts[0].getSpecAttr(),
        parts[0].getLhs(), weights, parts[0].getOffsets());
    IRMapping mapping;
    act.getBody().cloneInto(&fused.getEpilogue(), mapping);
    rewriter.replaceOp(act, fused.getResult());
    for (GroupedEinsumOp part : parts)
      rewriter.eraseOp(part);
    return success();
  }
};

struct CascadeFuseExpertsPass
    : cascade::impl::CascadeFuseExpertsBase<CascadeFuseExpertsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseActivation>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
