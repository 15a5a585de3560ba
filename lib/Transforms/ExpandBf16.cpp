//===- ExpandBf16.cpp - bf16 conversions as integer arithmetic ------------===//
//
// LLVM lowers a conversion of f32 to bf16 on x86 without AVX512-BF16 into a
// call of __truncsfbf2, which GCC 12's libgcc (Debian 12's) lacks: an AOT
// object of a bf16 kernel did not link into an application built by it.
// Here the conversions become integer arithmetic. Upstream's arith-expand
// has bf16 patterns, but its truncation ends in a select between bf16
// values, which LLVM's x86 backend scalarizes lane by lane on vectors when
// the CPU has no bf16 arithmetic (the rounding of an attention step's
// weights took 2x the softmax's time); this one selects between integers.
// Widening (extf) takes upstream's pattern: a shift.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEEXPANDBF16
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;

namespace {

/// f32 -> bf16 to nearest even, NaN kept (made quiet):
///   bits + 0x7fff + (bit 16 of bits), or bits | 0x400000 for NaN; the high
///   half, as i16, bitcast to bf16.
struct TruncF32ToBf16 : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    Type from = getElementTypeOrSelf(op.getIn().getType());
    Type to = getElementTypeOrSelf(op.getType());
    if (!from.isF32() || !to.isBF16())
      return failure();
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type(), i16 = rewriter.getI16Type();
    auto like = [&](Type element) -> Type {
      if (auto vector = dyn_cast<VectorType>(op.getType()))
        return vector.clone(element);
      return element;
    };
    auto constant = [&](Type element, int64_t value) {
      return createScalarOrSplatConstant(
          rewriter, loc, like(element),
          APInt(element.getIntOrFloatBitWidth(), value));
    };
    Value bits = arith::BitcastOp::create(rewriter, loc, like(i32), op.getIn());
    Value sixteen = constant(i32, 16);
    Value lsb = arith::AndIOp::create(
        rewriter, loc, arith::ShRUIOp::create(rewriter, loc, bits, sixteen),
        constant(i32, 1));
    Value bias =
        arith::AddIOp::create(rewriter, loc, lsb, constant(i32, 0x7fff));
    Value rounded = arith::AddIOp::create(rewriter, loc, bits, bias);
    Value quiet =
        arith::OrIOp::create(rewriter, loc, bits, constant(i32, 0x400000));
    Value isNaN = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::UNO, op.getIn(), op.getIn());
    Value chosen =
        arith::SelectOp::create(rewriter, loc, isNaN, quiet, rounded);
    Value high = arith::TruncIOp::create(
        rewriter, loc, like(i16),
        arith::ShRUIOp::create(rewriter, loc, chosen, sixteen));
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), high);
    return success();
  }
};

struct ExpandBf16Pass : cascade::impl::CascadeExpandBf16Base<ExpandBf16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Ahead of upstream's patterns, which would also match.
    patterns.add<TruncF32ToBf16>(&getContext(), /*benefit=*/2);
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
