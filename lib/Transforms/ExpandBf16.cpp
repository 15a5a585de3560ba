//===- ExpandBf16.cpp - bf16 conversions as integer arithmetic ------------===//
//
// LLVM lowers a conversion of f32 to bf16 on x86 without AVX512-BF16 into a
// call of __truncsfbf2, which GCC 12's libgcc (Debian 12's) lacks: an AOT
// object of a bf16 kernel did not link into an application built by it.
// Upstream's arith-expand has the bf16 patterns that write the conversions
// as integer arithmetic (rounding to nearest even, NaN kept), but its
// default patterns also rewrite every f32 min and max; this pass applies
// the bf16 ones alone.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEEXPANDBF16
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;

namespace {
struct ExpandBf16Pass : cascade::impl::CascadeExpandBf16Base<ExpandBf16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
