//===- SinkIntoBlockBranches.cpp - a masked step's branches made whole ----===//
//
// A tile program whose mask leaves full and partial key blocks computes each
// step's scores once and then branches on the block's class: the full
// block's branch scales them, the partial block's branch scales and masks
// them, and the softmax's block max reads what the branch yields. Split
// this way, neither the scale nor the max follows the product directly, so
// the CPU microkernel can take neither (cascade-convert-to-linalg fuses a
// product with the elementwise einsum that reads it and the max over that).
// Cloning the product and the max into the branches makes the full block's
// branch a dense step. Only one branch runs per step: the work stays the
// same, only the code of the cloned einsums is duplicated.
//
//===----------------------------------------------------------------------===//

#include "cascade/Dialect/Cascade.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADESINKINTOBLOCKBRANCHES
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

/// An einsum read only inside the branches of one scf.if after it in its
/// block: cloned at the start of each branch that reads it.
struct SinkIntoBranches : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    if (op->use_empty())
      return failure();
    scf::IfOp branch;
    for (Operation *user : op->getUsers()) {
      auto ancestor = dyn_cast_or_null<scf::IfOp>(
          op->getBlock()->findAncestorOpInBlock(*user));
      // Read by the scf.if itself (its condition) or outside any: stays.
      if (!ancestor || ancestor == user || (branch && ancestor != branch))
        return failure();
      branch = ancestor;
    }
    for (Region *region : {&branch.getThenRegion(), &branch.getElseRegion()}) {
      if (region->empty() ||
          llvm::none_of(op->getUsers(), [&](Operation *user) {
            return region->isAncestor(user->getParentRegion());
          }))
        continue;
      rewriter.setInsertionPointToStart(&region->front());
      Operation *clone = rewriter.clone(*op);
      rewriter.replaceUsesWithIf(
          op->getResults(), clone->getResults(), [&](OpOperand &use) {
            return region->isAncestor(use.getOwner()->getParentRegion());
          });
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// A softmax's block max (cascade.softmax_shift) of a value that an scf.if
/// yields: taken in each branch, of the value the branch yields, and
/// returned as one more result of the scf.if.
struct BlockMaxIntoBranches : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    if (!op->hasAttr(kSoftmaxShiftAttr) || op.getInputs().size() != 1)
      return failure();
    auto yielded = dyn_cast<OpResult>(op.getInputs()[0]);
    auto branch =
        yielded ? dyn_cast<scf::IfOp>(yielded.getOwner()) : scf::IfOp();
    if (!branch || branch.getElseRegion().empty() ||
        branch->getBlock() != op->getBlock())
      return failure();
    // Its other operands (a mask's origin, a block table) must be there
    // before the branch.
    DominanceInfo dominance;
    for (Value operand : op->getOperands())
      if (operand != yielded && !dominance.properlyDominates(operand, branch))
        return failure();

    SmallVector<Type> types(branch.getResultTypes());
    types.push_back(op.getResult().getType());
    rewriter.setInsertionPoint(branch);
    auto widened = scf::IfOp::create(rewriter, branch.getLoc(), types,
                                     branch.getCondition(),
                                     /*addThenBlock=*/false,
                                     /*addElseBlock=*/false);
    for (auto [from, to] :
         {std::pair(&branch.getThenRegion(), &widened.getThenRegion()),
          std::pair(&branch.getElseRegion(), &widened.getElseRegion())}) {
      rewriter.inlineRegionBefore(*from, *to, to->end());
      auto yield = cast<scf::YieldOp>(to->front().getTerminator());
      rewriter.setInsertionPoint(yield);
      IRMapping map;
      map.map(yielded, yield.getOperand(yielded.getResultNumber()));
      Operation *max = rewriter.clone(*op, map);
      rewriter.modifyOpInPlace(yield, [&] {
        yield->insertOperands(yield->getNumOperands(), max->getResult(0));
      });
    }
    rewriter.replaceOp(op, widened.getResults().back());
    rewriter.replaceOp(branch, widened.getResults().drop_back());
    return success();
  }
};

struct SinkIntoBlockBranchesPass
    : cascade::impl::CascadeSinkIntoBlockBranchesBase<
          SinkIntoBlockBranchesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SinkIntoBranches, BlockMaxIntoBranches>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
